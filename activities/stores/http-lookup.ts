// A processor's lookup: the identity it knows the subject by (a Stripe customer id), found from
// one the subject has (their address). Run while the subject is resolved, so the values found
// are stored with the subject's other identities and every later step — reading, erasing, the
// proof that re-reads after erasure, a retried activity — acts on the same records, even once a
// search would no longer find them.
import type { HttpStore } from '../../schemas/datamap';
import { atPath } from './http';
import { pagedRecords } from './http-pagination';
import { CASE_INSENSITIVE_IDENTITIES } from './selector';

const scalar = (v: unknown): string | null =>
  typeof v === 'string' && v !== '' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null;

/**
 * For each value of the identity the lookup needs (`identity`), its records' values at each of
 * `fields` (the lookup's `provides` fields). A record whose `match` field is not the value looked
 * up is skipped.
 */
export async function lookupValues(
  store: HttpStore,
  identity: string,
  values: string[],
  fields: string[],
): Promise<Record<string, string[]>> {
  const lookup = store.lookup;
  if (!lookup) throw new Error('the data map gives this processor no lookup');
  const ci = CASE_INSENSITIVE_IDENTITIES.has(identity);
  const same = (a: string, b: string) => (ci ? a.toLowerCase() === b.toLowerCase() : a === b);
  const found = new Map<string, Set<string>>(fields.map((f) => [f, new Set()]));
  for (const value of new Set(values)) {
    for await (const record of pagedRecords(store, 'lookup', lookup, identity, value)) {
      if (lookup.match) {
        const held = scalar(atPath(record, lookup.match));
        if (held === null || !same(held, value)) continue;
      }
      for (const field of fields) {
        const v = scalar(atPath(record, field));
        if (v !== null) found.get(field)!.add(v);
      }
    }
  }
  return Object.fromEntries([...found].map(([f, s]) => [f, [...s]]));
}
