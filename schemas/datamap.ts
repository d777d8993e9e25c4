// The data map: platform engineers describe each store once; `datamap-graph.ts` compiles it.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Identifier, IsoDuration, MaxConcurrency, placeholders as placeholdersOf } from './datamap-common';
import { HttpStore, httpStoreIssues } from './datamap-http';
import { CategoryPattern } from './disclosure';
export { S3ErasureSpec, S3Store } from './datamap-s3';
export { placeholders as placeholdersOf } from './datamap-common';
import { S3Store } from './datamap-s3';
import { PurposeSpec, SqlCollection } from './datamap-sql';
export {
  ErasureSpec,
  FieldSpec,
  FlagChange,
  PurposeSpec,
  RetentionSpec,
  SqlCollection,
  fieldHolds,
  type ErasureAction,
  type MaskSpec,
} from './datamap-sql';
import { AutomatedDecisions, ReaderWords, Transfer } from './datamap-art15';
import { StepUp } from './step-up';
import { RequestType } from './request';

export {
  AbsentWhen,
  HttpCall,
  HttpCorrectCall,
  HttpExportCall,
  HttpLookup,
  HttpPagination,
  HttpStore,
  httpExportCalls,
} from './datamap-http';

export const PostgresStore = z
  .object({
    kind: z.literal('postgres'),
    url: z.string().min(1),
    description: z.string().optional(),
    maxConcurrency: MaxConcurrency,
    collections: z.record(Identifier, SqlCollection),
  })
  .strict();
export type PostgresStore = z.infer<typeof PostgresStore>;

/** A MySQL or MariaDB database: the same collections as PostgreSQL, reached at `mysql://user:password@host:3306/database`. */
export const MysqlStore = z
  .object({
    kind: z.literal('mysql'),
    url: z
      .string()
      .regex(/^mysql:\/\/[^/]+\/[^/?]+/, 'must be a mysql:// URL naming a database (mysql://user:password@host:3306/database)'),
    description: z.string().optional(),
    maxConcurrency: MaxConcurrency,
    collections: z.record(Identifier, SqlCollection),
  })
  .strict();
export type MysqlStore = z.infer<typeof MysqlStore>;

/** Keys in a Redis instance, by pattern per identity: `chart:{account_id}:*`. Removed on erasure. */
export const RedisStore = z
  .object({
    kind: z.literal('redis'),
    url: z.string().min(1),
    description: z.string().optional(),
    maxConcurrency: MaxConcurrency,
    ...ReaderWords,
    keys: z.array(z.string().regex(/\{[A-Za-z_][A-Za-z0-9_]*\}/, 'must contain an {identity} placeholder')).min(1),
    categories: z.array(z.string().min(1)).default([]),
    purposes: z.array(z.string().min(1)).default([]),
    recipients: z.array(z.string().min(1)).default([]),
    retention: z.object({ maxAge: IsoDuration }).strict().optional(),
  })
  .strict();
export type RedisStore = z.infer<typeof RedisStore>;

/** A store no API reaches: the privacy team acts by hand and marks the task done. */
export const ManualStore = z
  .object({
    kind: z.literal('manual'),
    description: z.string().min(1),
    ...ReaderWords,
    instructions: z.string().min(1),
    for: z.array(RequestType).min(1),
    /** Kept by a service provider the team asks by hand: completing its task tells it (GDPR Art. 19), and notices say so. */
    processor: z.boolean().default(false),
    categories: z.array(z.string().min(1)).default([]),
    purposes: z.array(z.string().min(1)).default([]),
    recipients: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type ManualStore = z.infer<typeof ManualStore>;

export const Store = z.discriminatedUnion('kind', [PostgresStore, MysqlStore, RedisStore, HttpStore, ManualStore, S3Store]);
export type Store = z.infer<typeof Store>;
export type StoreKind = Store['kind'];

/** Every store kind, once (the record's type makes the compiler ask for a new kind here). */
const KINDS: Record<StoreKind, true> = { postgres: true, mysql: true, redis: true, http: true, manual: true, s3: true };
export const STORE_KINDS = Object.keys(KINDS) as [StoreKind, ...StoreKind[]];

/** Stores made of SQL tables (collections); each table is a node of the compiled graph. */
export type SqlStore = Extract<Store, { collections: unknown }>;
export type SqlKind = SqlStore['kind'];
const SQL_KINDS: Record<SqlKind, true> = { postgres: true, mysql: true };
export const isSqlStore = (s: Store): s is SqlStore => s.kind in SQL_KINDS;
export const isSqlKind = (kind: StoreKind): kind is SqlKind => kind in SQL_KINDS;

export const DataMap = z
  .object({
    identities: z.array(Identifier).min(1),
    /** Categories never disclosed in an archive, besides the defaults (credentials, secrets, security questions). */
    neverDisclosed: z.array(CategoryPattern).default([]),
    stores: z.record(Identifier, Store),
    /** The column of a SQL collection that holds where the subject lives (DE, US-CA, EU…): it adds the law that applies. */
    jurisdictionFrom: z.object({ store: Identifier, collection: Identifier, column: Identifier }).strict().optional(),
    /** Decisions made by automated means alone, with their logic (GDPR Art. 15(1)(h)); `none` or empty: none. */
    automatedDecisions: AutomatedDecisions,
    /** Transfers to third countries and their safeguards (GDPR Art. 15(2)). */
    transfers: z.array(Transfer).default([]),
    /** CCPA §7062: a fact from the account the subject confirms for the request types in STEP_UP_FOR. */
    stepUp: StepUp.optional(),
    /** Purposes a subject may object to (GDPR Art. 21) and what stops each; `direct_marketing` is always honoured. */
    purposes: z.record(Identifier, PurposeSpec).default({}),
  })
  .strict()
  .superRefine((map, ctx) => {
    const known = new Set(map.identities);
    for (const [purpose, spec] of Object.entries(map.purposes)) {
      spec.stop.forEach((stop, i) => {
        const s = map.stores[stop.store];
        if (!s || !isSqlStore(s) || !s.collections[stop.collection])
          ctx.addIssue({
            code: 'custom',
            path: ['purposes', purpose, 'stop', i],
            message: `must name a collection of a PostgreSQL or MySQL store; ${stop.store}.${stop.collection} is none`,
          });
      });
    }
    if (map.jurisdictionFrom) {
      const { store, collection } = map.jurisdictionFrom;
      const s = map.stores[store];
      if (!s || !isSqlStore(s) || !s.collections[collection])
        ctx.addIssue({
          code: 'custom',
          path: ['jurisdictionFrom'],
          message: `must name a collection of a PostgreSQL or MySQL store; ${store}.${collection} is none`,
        });
    }
    if (map.stepUp) {
      const s = map.stores[map.stepUp.store];
      const c = s && isSqlStore(s) ? s.collections[map.stepUp.collection] : undefined;
      if (!c || !Object.keys(c.identity ?? {}).length)
        ctx.addIssue({
          code: 'custom',
          path: ['stepUp'],
          message: `must name a collection of a PostgreSQL or MySQL store where the subject is found by an identity; ${map.stepUp.store}.${map.stepUp.collection} is none`,
        });
    }
    for (const [storeName, store] of Object.entries(map.stores)) {
      const unknownIdentities = (templates: string[], path: (string | number)[]) =>
        templates.forEach((t, i) => {
          for (const id of placeholdersOf(t)) {
            if (!known.has(id))
              ctx.addIssue({ code: 'custom', path: [...path, i], message: `unknown identity "${id}"; declare it in identities` });
          }
        });
      if (store.kind === 'redis') unknownIdentities(store.keys, ['stores', storeName, 'keys']);
      if (store.kind === 's3') {
        unknownIdentities(store.prefixes, ['stores', storeName, 'prefixes']);
        if (store.onErasure.action === 'retain' && store.onErasure.prefixes) {
          const at = ['stores', storeName, 'onErasure', 'prefixes'];
          unknownIdentities(store.onErasure.prefixes, at);
          store.onErasure.prefixes.forEach((p, i) => {
            if (!store.prefixes.some((outer) => p.startsWith(outer)))
              ctx.addIssue({ code: 'custom', path: [...at, i], message: "must lie inside one of the store's prefixes" });
          });
        }
      }
      if (store.kind === 'http') {
        for (const issue of httpStoreIssues(store, known))
          ctx.addIssue({ code: 'custom', path: ['stores', storeName, ...issue.path], message: issue.message });
      }
      if (!isSqlStore(store)) continue;
      for (const [name, coll] of Object.entries(store.collections)) {
        const at = ['stores', storeName, 'collections', name];
        if (!coll.identity && !coll.references) {
          ctx.addIssue({ code: 'custom', path: at, message: 'needs `identity` or `references` so a subject can be found in it' });
        }
        for (const [field, target] of Object.entries({ ...coll.identity, ...coll.provides })) {
          if (!known.has(field)) {
            ctx.addIssue({
              code: 'custom',
              path: [...at, coll.identity?.[field] === target ? 'identity' : 'provides', field],
              message: `unknown identity "${field}"; declare it in identities`,
            });
          }
        }
        for (const [column, target] of Object.entries(coll.references ?? {})) {
          const [refColl, refCol] = target.split('.');
          const referenced = store.collections[refColl];
          if (!referenced) {
            ctx.addIssue({
              code: 'custom',
              path: [...at, 'references', column],
              message: `references unknown collection "${refColl}" in store ${storeName}`,
            });
          } else if (refColl === name) {
            ctx.addIssue({ code: 'custom', path: [...at, 'references', column], message: 'a collection cannot reference itself' });
          } else if (!refCol) {
            ctx.addIssue({ code: 'custom', path: [...at, 'references', column], message: 'must name a column' });
          }
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

/**
 * Replaces ${VAR} with the environment's value, and ${VAR:-default} with the default when VAR is
 * unset or empty; a missing variable without a default is an error naming it and where.
 */
function interpolateEnv(value: unknown, env: Record<string, string | undefined>, path: string[], issues: DataMapError['issues']): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (fallback !== undefined) return fallback;
      issues.push({ path: path.join('.'), message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, [...path, String(i)], issues));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, [...path, k], issues)]));
  }
  return value;
}

/** One file of a data map: its name (for errors) and its text. */
export interface DataMapSource {
  name: string;
  text: string;
}

const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * A data map in several files (the product's map, then e.g. `examples/processors/stripe.yml`):
 * `identities` are joined, `stores` gathered; a store named in two files is an error naming both.
 */
function mergeDocuments(docs: { name: string; raw: unknown }[], issues: DataMapError['issues']): unknown {
  if (docs.length === 1) return docs[0].raw;
  const merged: Record<string, unknown> = {};
  const storeFrom = new Map<string, string>();
  for (const { name, raw } of docs) {
    if (!isMapping(raw)) {
      issues.push({ path: `(document ${name})`, message: 'must be a mapping with identities and stores' });
      continue;
    }
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'identities' && Array.isArray(value) && Array.isArray(merged.identities)) {
        merged.identities = [...new Set([...(merged.identities as unknown[]), ...value])];
      } else if (key === 'stores' && isMapping(value) && isMapping(merged.stores)) {
        for (const [store, spec] of Object.entries(value)) {
          if (store in merged.stores) {
            issues.push({ path: `stores.${store}`, message: `defined in both ${storeFrom.get(store)} and ${name}` });
            continue;
          }
          merged.stores[store] = spec;
          storeFrom.set(store, name);
        }
      } else if (!(key in merged)) {
        merged[key] = value;
        if (key === 'stores' && isMapping(value)) Object.keys(value).forEach((s) => storeFrom.set(s, name));
      } else {
        issues.push({ path: key, message: `given in both an earlier file and ${name}; only identities and stores may be in several` });
      }
    }
  }
  return merged;
}

/** Parses and validates a data map from one or more YAML or JSON files. Errors name the path of each problem. */
export function parseDataMaps(sources: DataMapSource[], env: Record<string, string | undefined> = {}): DataMap {
  return validateDataMapContent(dataMapContent(sources), env);
}

/** The map as written (files parsed and merged, `${VAR}`s not yet filled in): what its version is a hash of. */
export function dataMapContent(sources: DataMapSource[]): unknown {
  const docs: { name: string; raw: unknown }[] = [];
  for (const { name, text } of sources) {
    try {
      docs.push({ name, raw: parseYaml(text) });
    } catch (err) {
      const where = sources.length > 1 ? `(document ${name})` : '(document)';
      throw new DataMapError([{ path: where, message: `not valid YAML/JSON: ${(err as Error).message}` }]);
    }
  }
  const mergeIssues: DataMapError['issues'] = [];
  const raw = mergeDocuments(docs, mergeIssues);
  if (mergeIssues.length) throw new DataMapError(mergeIssues);
  return raw;
}

/** Fills in the `${VAR}`s of a map's content and validates it. */
export function validateDataMapContent(raw: unknown, env: Record<string, string | undefined> = {}): DataMap {
  const envIssues: DataMapError['issues'] = [];
  const interpolated = interpolateEnv(raw, env, [], envIssues);
  if (envIssues.length) throw new DataMapError(envIssues);
  const result = DataMap.safeParse(interpolated);
  if (!result.success) {
    throw new DataMapError(result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })));
  }
  return result.data;
}

/** Parses and validates a data map from YAML or JSON text. Errors name the path of each problem. */
export function parseDataMap(text: string, env: Record<string, string | undefined> = {}): DataMap {
  return parseDataMaps([{ name: 'data map', text }], env);
}
