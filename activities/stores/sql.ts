// PostgreSQL SQL fragments for a subject's rows. Values are always bound ($n); identifiers come
// from the validated data map and are quoted.
import { escapeIdentifier as q } from 'pg';
import type { CollectionOf } from '../../schemas/datamap-graph';
import type { Predicate } from './selector';

/** A collection of a PostgreSQL store. */
export type PgCollection = CollectionOf<'postgres'>;

export const tableRef = (e: PgCollection) => `${q(e.schema ?? 'public')}.${q(e.table)}`;
export const columnExpr = (p: Predicate) => (p.caseInsensitive ? `lower(t.${q(p.column)})` : `t.${q(p.column)}`);

/** A subject's rows: `(col1 = ANY($n) OR …)` with the values bound from `firstParam` on. */
export function subjectWhere(preds: Predicate[], firstParam: number): { sql: string; params: string[][] } {
  if (!preds.length) return { sql: 'false', params: [] };
  return { sql: `(${preds.map((p, i) => `${columnExpr(p)} = ANY($${firstParam + i})`).join(' OR ')})`, params: preds.map((p) => p.values) };
}

/** Rows NOT belonging to any of the held subjects; NULL-safe. */
export function notHeldWhere(held: Predicate[], firstParam: number): { sql: string; params: string[][] } {
  if (!held.length) return { sql: 'true', params: [] };
  const w = subjectWhere(held, firstParam);
  return { sql: `NOT coalesce(${w.sql}, false)`, params: w.params };
}
