// The data map: platform engineers describe each store once (DESIGN §4).
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { parseIsoDuration } from './duration';

const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain SQL identifier');
const IsoDuration = z.string().refine((s) => parseIsoDuration(s) !== null, 'must be an ISO 8601 duration such as P90D or P7Y');

export const FieldSpec = z
  .object({
    category: z.string().min(1),
    correctable: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();

export const RetentionSpec = z
  .object({
    maxAge: IsoDuration,
    timestamp: Identifier,
    basis: z.string().min(1).optional(),
  })
  .strict();

export const ErasureSpec = z
  .object({
    action: z.enum(['delete', 'mask', 'retain', 'purge']),
    after: IsoDuration.optional(),
    mask: z.record(Identifier, z.enum(['hash', 'null', 'redact'])).optional(),
    softDelete: z.object({ set: z.record(Identifier, z.union([z.string(), z.number(), z.boolean(), z.null()])) }).strict().optional(),
  })
  .strict();

/** `references: { account_id: accounts.id }`: this collection's column → another collection's column. */
const ReferenceTarget = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'must be "collection.column"');

export const PostgresCollection = z
  .object({
    table: Identifier.optional(),
    schema: Identifier.optional(),
    key: Identifier.default('id'),
    description: z.string().optional(),
    identity: z.record(z.string(), Identifier).optional(),
    provides: z.record(z.string(), Identifier).optional(),
    references: z.record(Identifier, ReferenceTarget).optional(),
    fields: z.record(Identifier, FieldSpec).default({}),
    purposes: z.array(z.string().min(1)).default([]),
    recipients: z.array(z.string().min(1)).default([]),
    retention: RetentionSpec.optional(),
    onErasure: ErasureSpec.optional(),
  })
  .strict();
export type PostgresCollection = z.infer<typeof PostgresCollection>;

export const PostgresStore = z
  .object({
    kind: z.literal('postgres'),
    url: z.string().min(1),
    description: z.string().optional(),
    collections: z.record(Identifier, PostgresCollection),
  })
  .strict();
export type PostgresStore = z.infer<typeof PostgresStore>;

export const Store = z.discriminatedUnion('kind', [PostgresStore]);
export type Store = z.infer<typeof Store>;

export const DataMap = z
  .object({
    identities: z.array(Identifier).min(1),
    stores: z.record(Identifier, Store),
  })
  .strict()
  .superRefine((map, ctx) => {
    const known = new Set(map.identities);
    for (const [storeName, store] of Object.entries(map.stores)) {
      for (const [name, coll] of Object.entries(store.collections)) {
        const at = ['stores', storeName, 'collections', name];
        if (!coll.identity && !coll.references) {
          ctx.addIssue({ code: 'custom', path: at, message: 'needs `identity` or `references` so a subject can be found in it' });
        }
        for (const [field, target] of Object.entries({ ...coll.identity, ...coll.provides })) {
          if (!known.has(field)) {
            ctx.addIssue({ code: 'custom', path: [...at, coll.identity?.[field] === target ? 'identity' : 'provides', field], message: `unknown identity "${field}"; declare it in identities` });
          }
        }
        for (const [column, target] of Object.entries(coll.references ?? {})) {
          const [refColl, refCol] = target.split('.');
          const referenced = store.collections[refColl];
          if (!referenced) {
            ctx.addIssue({ code: 'custom', path: [...at, 'references', column], message: `references unknown collection "${refColl}" in store ${storeName}` });
          } else if (refColl === name) {
            ctx.addIssue({ code: 'custom', path: [...at, 'references', column], message: 'a collection cannot reference itself' });
          } else if (!refCol) {
            ctx.addIssue({ code: 'custom', path: [...at, 'references', column], message: 'must name a column' });
          }
        }
        if (coll.onErasure?.action === 'purge' && !coll.onErasure.after) {
          ctx.addIssue({ code: 'custom', path: [...at, 'onErasure', 'after'], message: 'purge needs `after` (the grace period)' });
        }
        if (coll.onErasure?.action === 'retain' && !coll.retention?.basis) {
          ctx.addIssue({ code: 'custom', path: [...at, 'retention', 'basis'], message: 'retain needs a legal basis in retention.basis' });
        }
      }
    }
  });
export type DataMap = z.infer<typeof DataMap>;

export class DataMapError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`invalid data map:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
    this.name = 'DataMapError';
  }
}

/** Replaces ${VAR} with the environment's value; a missing variable is an error naming it and where. */
function interpolateEnv(value: unknown, env: Record<string, string | undefined>, path: string[], issues: DataMapError['issues']): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const v = env[name];
      if (v === undefined || v === '') {
        issues.push({ path: path.join('.'), message: `environment variable ${name} is not set` });
        return '';
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, [...path, String(i)], issues));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, [...path, k], issues)]));
  }
  return value;
}

/** Parses and validates a data map from YAML or JSON text. Errors name the path of each problem. */
export function parseDataMap(text: string, env: Record<string, string | undefined> = {}): DataMap {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new DataMapError([{ path: '(document)', message: `not valid YAML/JSON: ${(err as Error).message}` }]);
  }
  const result = DataMap.safeParse(raw);
  if (!result.success) {
    throw new DataMapError(result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })));
  }
  const envIssues: DataMapError['issues'] = [];
  const data = interpolateEnv(result.data, env, [], envIssues) as DataMap;
  if (envIssues.length) throw new DataMapError(envIssues);
  return data;
}

export interface CollectionEntry {
  store: string;
  collection: string;
  spec: PostgresCollection;
  table: string;
  schema: string;
}

/** Every collection of the map in declaration order. */
export function listCollections(map: DataMap): CollectionEntry[] {
  const out: CollectionEntry[] = [];
  for (const [store, s] of Object.entries(map.stores)) {
    for (const [collection, spec] of Object.entries(s.collections)) {
      out.push({ store, collection, spec, table: spec.table ?? collection, schema: spec.schema ?? 'public' });
    }
  }
  return out;
}
