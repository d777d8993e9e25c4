// How a subject's rows are picked out of each collection: pure planning from the data map.
import type { CollectionEntry, DataMap } from '../../schemas/datamap';
import { listCollections } from '../../schemas/datamap';

/** Identities compared case-insensitively (addresses are not case-sensitive in practice). */
export const CASE_INSENSITIVE_IDENTITIES = new Set(['email']);

/** A subject's rows in a collection are those where `column` (lower-cased if ci) is in `values`. */
export interface Predicate {
  column: string;
  caseInsensitive: boolean;
  values: string[];
}

export interface CollectionSelector {
  store: string;
  collection: string;
  predicates: Predicate[];
}

export type IdentityValues = Record<string, string[]>;

/**
 * The order in which collections can be resolved: a breadth-first walk from the collections
 * that hold an identity directly, through `provides` and `references`.
 */
export function resolutionOrder(map: DataMap): CollectionEntry[][] {
  const all = listCollections(map);
  const byName = (store: string, coll: string) => all.find((c) => c.store === store && c.collection === coll);
  const levels: CollectionEntry[][] = [];
  const placed = new Set<string>();
  const id = (c: CollectionEntry) => `${c.store}.${c.collection}`;
  let frontier = all.filter((c) => c.spec.identity);
  while (frontier.length) {
    levels.push(frontier);
    frontier.forEach((c) => placed.add(id(c)));
    frontier = all.filter(
      (c) =>
        !placed.has(id(c)) &&
        Object.values(c.spec.references ?? {}).some((target) => {
          const ref = byName(c.store, target.split('.')[0]);
          return ref && placed.has(id(ref));
        }),
    );
  }
  return levels;
}

/** Collections that no identity or reference chain reaches: worth a warning at start. */
export function unreachableCollections(map: DataMap): string[] {
  const reached = new Set(
    resolutionOrder(map)
      .flat()
      .map((c) => `${c.store}.${c.collection}`),
  );
  return listCollections(map)
    .map((c) => `${c.store}.${c.collection}`)
    .filter((n) => !reached.has(n));
}

/** The identity-based predicates of a collection given the identity values known so far. */
export function identityPredicates(entry: CollectionEntry, identities: IdentityValues): Predicate[] {
  return Object.entries(entry.spec.identity ?? {})
    .filter(([identity]) => identities[identity]?.length)
    .map(([identity, column]) => ({
      column,
      caseInsensitive: CASE_INSENSITIVE_IDENTITIES.has(identity),
      values: identities[identity].map((v) => (CASE_INSENSITIVE_IDENTITIES.has(identity) ? v.toLowerCase() : v)),
    }));
}

/** The reference-based predicates of a collection given the referenced columns' values. */
export function referencePredicates(entry: CollectionEntry, columnValues: Map<string, string[]>): Predicate[] {
  return Object.entries(entry.spec.references ?? {})
    .map(([column, target]) => ({ column, caseInsensitive: false, values: columnValues.get(`${entry.store}.${target}`) ?? [] }))
    .filter((p) => p.values.length > 0);
}

/** Columns of a collection that other collections reference (their values must be collected). */
export function referencedColumns(map: DataMap, entry: CollectionEntry): string[] {
  const cols = new Set<string>();
  for (const other of listCollections(map)) {
    if (other.store !== entry.store) continue;
    for (const target of Object.values(other.spec.references ?? {})) {
      const [coll, col] = target.split('.');
      if (coll === entry.collection) cols.add(col);
    }
  }
  return [...cols];
}
