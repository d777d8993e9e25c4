// How a subject's rows are picked out of each collection: pure planning from the data map.
import { addressKey, type CollectionEntry } from '../../schemas/datamap-graph';

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

/** The identity-based predicates of a collection given the identity values known so far. */
export function identityPredicates(entry: CollectionEntry, identities: IdentityValues): Predicate[] {
  return Object.entries(entry.identity)
    .filter(([identity]) => identities[identity]?.length)
    .map(([identity, column]) => ({
      column,
      caseInsensitive: CASE_INSENSITIVE_IDENTITIES.has(identity),
      values: identities[identity].map((v) => (CASE_INSENSITIVE_IDENTITIES.has(identity) ? v.toLowerCase() : v)),
    }));
}

/** The reference-based predicates of a collection given the referenced columns' values. */
export function referencePredicates(entry: CollectionEntry, columnValues: Map<string, string[]>): Predicate[] {
  return entry.references
    .map(({ column, target }) => ({
      column,
      caseInsensitive: false,
      values: columnValues.get(`${addressKey(target)}.${target.field}`) ?? [],
    }))
    .filter((p) => p.values.length > 0);
}
