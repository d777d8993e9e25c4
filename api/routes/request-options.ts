// GET /v1/requests/options: what the self-service pages need from the data map, public and
// read-only — the fields a subject may correct, the purposes a subject may object to, and per place
// the words a person reads (its `label:`, else a name made readable) and what a deletion does there
// (kept: on what basis). Each is named by an opaque key (api/option-keys.ts), never by a store,
// table or column name; never row data, never connection details.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { categoryLabel, defaultLabel } from '../../schemas/labels';
import type { CompiledDataMap } from '../../schemas/datamap-graph';
import { DIRECT_MARKETING } from '../../schemas/processing';
import type { RoutesOptions } from '../deps';
import { errorResponses } from '../errors';
import { optionKey, placeKey } from '../option-keys';
import { objectablePurposes } from '../processing-intake';
import { correctableFields } from '../views';

const OptionKey = z.string().regex(/^k_[0-9a-f]{16}$/);

export const RequestOptions = z.object({
  /** `key` goes into `corrections` of POST /v1/requests in place of the field's name. */
  correctable: z.array(z.object({ key: OptionKey, label: z.string() })),
  /** `key` goes into `purpose` of an objection; direct marketing is always honoured (GDPR Art. 21(3)). */
  purposes: z.array(z.object({ key: OptionKey, label: z.string(), alwaysHonoured: z.boolean() })),
  /** The largest signed permission document an authorized agent may upload (AGENT_PERMISSION_MAX_BYTES). */
  limits: z.object({ agentPermissionMaxBytes: z.number().int().positive() }),
  places: z.array(
    z.object({
      /** The same key as `place` in the progress of the request's full status view. */
      key: OptionKey,
      label: z.string(),
      /** What a deletion does here: delete, mask, retain, purge; null: the store decides (a processor, a person). */
      onDeletion: z.string().nullable(),
      /** retain: the legal basis in the map's words. */
      keptBecause: z.string().nullable(),
    }),
  ),
});
export type RequestOptions = z.infer<typeof RequestOptions>;

interface SpecWords {
  label?: string;
  description?: string;
  onErasure?: { action: string };
  retention?: { basis?: string };
}

/** The words for a correctable field: a column's `label:`, else its category in plain words. */
function fieldLabel(map: CompiledDataMap, field: string): string {
  for (const c of map.collections) {
    const spec = c.spec.fields[field];
    if (spec) return spec.label ?? categoryLabel(spec.category);
  }
  return categoryLabel(field);
}

/** The words for a purpose: its `description:` in the map, else its name made readable. */
function purposeLabel(map: CompiledDataMap, purpose: string): string {
  const spec = map.source.purposes[purpose] as { description?: string } | undefined;
  if (spec?.description) return spec.description;
  return purpose === DIRECT_MARKETING ? 'Direct marketing' : defaultLabel(purpose);
}

export interface OptionSources {
  correctable: Set<string>;
  purposes: string[];
  secret: string;
  agentPermissionMaxBytes: number;
}

export function requestOptions(
  map: CompiledDataMap,
  { correctable, purposes, secret, agentPermissionMaxBytes }: OptionSources,
): RequestOptions {
  // Two names may stand for one thing (a column's name and its category's last part): offer it once,
  // by the category's name, which corrects it in every column of that category.
  const categoryNames = new Set(map.collections.flatMap((c) => Object.values(c.spec.fields).map((f) => f.category.split('.').pop()!)));
  const byCategoryFirst = [...correctable].sort(
    (a, b) => Number(categoryNames.has(b)) - Number(categoryNames.has(a)) || a.localeCompare(b),
  );
  const fields = new Map<string, string>();
  for (const field of byCategoryFirst) {
    const label = fieldLabel(map, field);
    if (![...fields.values()].includes(label)) fields.set(field, label);
  }
  return {
    correctable: [...fields]
      .sort((a, b) => a[1].localeCompare(b[1]))
      .map(([field, label]) => ({ key: optionKey(secret, 'field', field), label })),
    limits: { agentPermissionMaxBytes },
    purposes: purposes.map((p) => ({
      key: optionKey(secret, 'purpose', p),
      label: purposeLabel(map, p),
      alwaysHonoured: p === DIRECT_MARKETING,
    })),
    places: map.nodes.map((n) => {
      const spec = n.spec as SpecWords;
      const store = map.source.stores[n.store] as SpecWords | undefined;
      const isWholeStore = !('fields' in n.spec);
      const label = isWholeStore ? (spec.label ?? store?.description ?? defaultLabel(n.store)) : (spec.label ?? defaultLabel(n.collection));
      const action = spec.onErasure?.action ?? null;
      return {
        key: placeKey(secret, n.store, n.collection),
        label,
        onDeletion: action,
        keptBecause: action === 'retain' ? (spec.retention?.basis ?? null) : null,
      };
    }),
  };
}

export const requestOptionRoutes: FastifyPluginAsyncZod<RoutesOptions> = async (r, { deps }) => {
  // computed once: the data map does not change while the API runs
  const options = requestOptions(deps.dataMap, {
    correctable: correctableFields(deps),
    purposes: objectablePurposes(deps),
    secret: deps.config.SIGNING_SECRET,
    agentPermissionMaxBytes: deps.config.AGENT_PERMISSION_MAX_BYTES,
  });
  r.get(
    '/options',
    {
      schema: {
        summary:
          'What the self-service pages offer: correctable fields, purposes to object to, and the places data is kept, in plain words',
        description:
          'Each is named by an opaque key (never a store, table or column name): send it as the field of `corrections` or as `purpose`.',
        tags: ['requests'],
        response: { 200: RequestOptions, ...errorResponses(400) },
      },
    },
    async () => options,
  );
};
