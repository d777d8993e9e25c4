// PostgreSQL: the columns a processing request sets on a subject's rows (opt-out, limit,
// restriction, objection), and the re-query proving every row holds them. Values are bound.
import { escapeIdentifier as q, type Pool } from 'pg';
import { isNow, type FlagValues } from './flag-values';
import type { Predicate } from './selector';
import { subjectWhere, tableRef, type PgCollection } from './sql';

export async function setSubjectFlags(pool: Pool, entry: PgCollection, preds: Predicate[], set: FlagValues): Promise<number> {
  const cols = Object.keys(set);
  if (!cols.length || !preds.length) return 0;
  const params: unknown[] = [];
  const assignments = cols.map((c) => {
    const v = set[c];
    if (isNow(v)) return `${q(c)} = coalesce(t.${q(c)}, now())`;
    params.push(v);
    return `${q(c)} = $${params.length}`;
  });
  const w = subjectWhere(preds, params.length + 1);
  const r = await pool.query(`UPDATE ${tableRef(entry)} t SET ${assignments.join(', ')} WHERE ${w.sql}`, [...params, ...w.params]);
  return r.rowCount ?? 0;
}

/** The subject's rows where some column does not hold what `set` asks (0: the change is in place). */
export async function countFlagsUnset(pool: Pool, entry: PgCollection, preds: Predicate[], set: FlagValues): Promise<number> {
  const cols = Object.keys(set);
  if (!cols.length || !preds.length) return 0;
  const params: unknown[] = [];
  const differs = cols.map((c) => {
    const v = set[c];
    if (isNow(v)) return `t.${q(c)} IS NULL`;
    if (v === null) return `t.${q(c)} IS NOT NULL`;
    params.push(v);
    return `t.${q(c)} IS DISTINCT FROM $${params.length}`;
  });
  const w = subjectWhere(preds, params.length + 1);
  const { rows } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${tableRef(entry)} t WHERE ${w.sql} AND (${differs.join(' OR ')})`,
    [...params, ...w.params],
  );
  return Number(rows[0].n);
}
