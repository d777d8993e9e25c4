// Resolves a subject across the data map: from the identities given, breadth-first through
// `provides` and `references`, until nothing new is learned.
import type { Pool } from 'pg';
import type { CollectionEntry, DataMap } from '../../schemas/datamap';
import { distinctValues, storePool } from './postgres';
import {
  identityPredicates,
  referencedColumns,
  referencePredicates,
  resolutionOrder,
  type CollectionSelector,
  type IdentityValues,
  type Predicate,
} from './selector';

const MAX_PASSES = 10;
const key = (e: { store: string; collection: string }) => `${e.store}.${e.collection}`;
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
}

export async function resolveSubject(map: DataMap, start: IdentityValues): Promise<ResolvedSubject> {
  const identities: IdentityValues = { ...start };
  const columnValues = new Map<string, string[]>();
  const selectors = new Map<string, CollectionSelector>();
  const order = resolutionOrder(map).flat();

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let learned = false;
    for (const entry of order) {
      const preds = [...identityPredicates(entry, identities), ...referencePredicates(entry, columnValues)];
      if (!preds.length || sameValues(selectors.get(key(entry))?.predicates, preds)) continue;
      selectors.set(key(entry), { store: entry.store, collection: entry.collection, predicates: preds });
      learned = (await learnFrom(map, entry, preds, identities, columnValues)) || learned;
    }
    if (!learned) break;
  }
  return { selectors: order.filter((e) => selectors.has(key(e))).map((e) => selectors.get(key(e))!), identities };
}

/** Reads provided identities and referenced columns from a subject's rows; true if anything new. */
async function learnFrom(
  map: DataMap,
  entry: CollectionEntry,
  preds: Predicate[],
  identities: IdentityValues,
  columnValues: Map<string, string[]>,
): Promise<boolean> {
  const pool: Pool = storePool(entry.url);
  const provides = entry.spec.provides ?? {};
  const columns = [...new Set([...Object.values(provides), ...referencedColumns(map, entry)])];
  if (!columns.length) return false;
  const values = await distinctValues(pool, entry, preds, columns);
  let grew = false;
  for (const [identity, column] of Object.entries(provides)) {
    const r = addValues(identities[identity], values[column] ?? []);
    identities[identity] = r.merged;
    grew ||= r.grew;
  }
  for (const column of referencedColumns(map, entry)) {
    const k = `${entry.store}.${entry.collection}.${column}`;
    const r = addValues(columnValues.get(k), values[column] ?? []);
    columnValues.set(k, r.merged);
    grew ||= r.grew;
  }
  return grew;
}
