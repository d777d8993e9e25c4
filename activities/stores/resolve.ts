// Resolves a subject across the data map: from the identities given, breadth-first through
// `provides` and `references` (the compiled map's resolution order), then the processors'
// lookups (an identity a processor knows the subject by, found from one already known), pass
// after pass until nothing new is learned.
import { addressKey, type CollectionEntry, type CompiledDataMap, type LookupEntry } from '../../schemas/datamap-graph';
import type { ActivityDeps } from '../deps';
import { withPlace } from '../failures';
import { operationOf } from './registry';
import { identityPredicates, referencePredicates, type CollectionSelector, type IdentityValues, type Predicate } from './selector';

const MAX_PASSES = 10;
const sameValues = (a: Predicate[] = [], b: Predicate[]) =>
  JSON.stringify(a.map((p) => [p.column, p.values.slice().sort()])) === JSON.stringify(b.map((p) => [p.column, p.values.slice().sort()]));

function addValues(target: string[] | undefined, values: string[]): { merged: string[]; grew: boolean } {
  const set = new Set(target ?? []);
  const before = set.size;
  values.forEach((v) => set.add(v));
  return { merged: [...set], grew: set.size > before };
}

export interface ResolvedSubject {
  selectors: CollectionSelector[];
  identities: IdentityValues;
  /** Per processor with a lookup (`store.processor`): how many identity values it provided. */
  lookups: Record<string, number>;
}

export async function resolveSubject(deps: ActivityDeps, start: IdentityValues): Promise<ResolvedSubject> {
  const map = deps.dataMap;
  const identities: IdentityValues = { ...start };
  const columnValues = new Map<string, string[]>();
  const selectors = new Map<string, CollectionSelector>();
  const order = map.resolutionOrder.flat();
  const lookedUp = new Map<string, string>();
  const lookups: Record<string, number> = {};

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let learned = false;
    for (const entry of order) {
      const preds = [...identityPredicates(entry, identities), ...referencePredicates(entry, columnValues)];
      if (!preds.length || sameValues(selectors.get(addressKey(entry))?.predicates, preds)) continue;
      selectors.set(addressKey(entry), { store: entry.store, collection: entry.collection, predicates: preds });
      learned = (await learnFrom(deps, map, entry, preds, identities, columnValues)) || learned;
    }
    for (const lookup of map.lookups) {
      const values = identities[lookup.needs] ?? [];
      const key = JSON.stringify(values.slice().sort());
      if (!values.length || lookedUp.get(addressKey(lookup.node)) === key) continue;
      lookedUp.set(addressKey(lookup.node), key);
      const found = await lookUp(deps, lookup, values, identities);
      lookups[addressKey(lookup.node)] = found.count;
      learned = found.grew || learned;
    }
    if (!learned) break;
  }
  return {
    selectors: order.filter((e) => selectors.has(addressKey(e))).map((e) => selectors.get(addressKey(e))!),
    identities,
    lookups,
  };
}

/** Asks a processor for the identities its lookup provides; `grew` when any is new. */
async function lookUp(
  deps: ActivityDeps,
  lookup: LookupEntry,
  values: string[],
  identities: IdentityValues,
): Promise<{ grew: boolean; count: number }> {
  const fields = [...new Set(Object.values(lookup.provides))];
  const found = await operationOf(lookup.node, 'resolve')(
    { deps, node: lookup.node, subject: NO_SUBJECT },
    [{ column: lookup.needs, caseInsensitive: false, values }],
    fields,
  ).catch((err: unknown) => Promise.reject(withPlace(err, lookup.node)));
  let grew = false;
  let count = 0;
  for (const [identity, field] of Object.entries(lookup.provides)) {
    const r = addValues(identities[identity], found[field] ?? []);
    identities[identity] = r.merged;
    grew ||= r.grew;
    count += (found[field] ?? []).length;
  }
  return { grew, count };
}

/** Reads provided identities and referenced columns from a subject's records; true if anything new. */
async function learnFrom(
  deps: ActivityDeps,
  map: CompiledDataMap,
  entry: CollectionEntry,
  preds: Predicate[],
  identities: IdentityValues,
  columnValues: Map<string, string[]>,
): Promise<boolean> {
  const referenced = map.referencedColumns(entry);
  const columns = [...new Set([...Object.values(entry.provides), ...referenced])];
  if (!columns.length) return false;
  const values = await operationOf(entry, 'resolve')({ deps, node: entry, subject: NO_SUBJECT }, preds, columns).catch((err: unknown) =>
    Promise.reject(withPlace(err, entry)),
  );
  let grew = false;
  for (const [identity, column] of Object.entries(entry.provides)) {
    const r = addValues(identities[identity], values[column] ?? []);
    identities[identity] = r.merged;
    grew ||= r.grew;
  }
  for (const column of referenced) {
    const k = `${addressKey(entry)}.${column}`;
    const r = addValues(columnValues.get(k), values[column] ?? []);
    columnValues.set(k, r.merged);
    grew ||= r.grew;
  }
  return grew;
}

/** For reads by the predicates given (resolution, the address on record), never by a stored subject. */
export const NO_SUBJECT = {
  predicates: () => Promise.reject(new Error('resolution reads by the predicates it is given')),
  identities: () => Promise.reject(new Error('resolution reads by the predicates it is given')),
};
