// GET /v1/requests/options: what the self-service pages need from the data map, public and
// read-only — the fields a subject may correct, and per place the words a person reads (its
// `label:`, else a name made readable) and what a deletion does there (kept: on what basis).
// Never row data, never connection details.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { categoryLabel, defaultLabel } from '../../schemas/labels';
import type { CompiledDataMap } from '../../schemas/datamap-graph';
import type { RoutesOptions } from '../deps';
import { errorResponses } from '../errors';
import { correctableFields } from '../views';

export const RequestOptions = z.object({
  correctable: z.array(z.object({ field: z.string(), label: z.string() })),
  places: z.array(
    z.object({
      store: z.string(),
      collection: z.string(),
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

export function requestOptions(map: CompiledDataMap, correctable: Set<string>): RequestOptions {
  return {
    correctable: [...correctable].sort().map((field) => ({ field, label: fieldLabel(map, field) })),
    places: map.nodes.map((n) => {
      const spec = n.spec as SpecWords;
      const store = map.source.stores[n.store] as SpecWords | undefined;
      const isWholeStore = !('fields' in n.spec);
      const label = isWholeStore ? (spec.label ?? store?.description ?? defaultLabel(n.store)) : (spec.label ?? defaultLabel(n.collection));
      const action = spec.onErasure?.action ?? null;
      return {
        store: n.store,
        collection: n.collection,
        label,
        onDeletion: action,
        keptBecause: action === 'retain' ? (spec.retention?.basis ?? null) : null,
      };
    }),
  };
}

export const requestOptionRoutes: FastifyPluginAsyncZod<RoutesOptions> = async (r, { deps }) => {
  // computed once: the data map does not change while the API runs
  const options = requestOptions(deps.dataMap, correctableFields(deps));
  r.get(
    '/options',
    {
      schema: {
        summary: 'What the self-service pages offer: correctable fields, and the places data is kept in plain words',
        tags: ['requests'],
        response: { 200: RequestOptions, ...errorResponses(400) },
      },
    },
    async () => options,
  );
};
