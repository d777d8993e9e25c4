// MySQL: the columns a processing request sets on a subject's rows (opt-out, limit, restriction,
// objection), and the re-query proving every row holds them. Values are bound.
import { isNow, type FlagValue, type FlagValues } from './flag-values';
import { select, subjectWhere, write, type MysqlTable } from './mysql';
import type { Predicate } from './selector';

const bound = (v: Exclude<FlagValue, { now: true }>) => (typeof v === 'boolean' ? Number(v) : v);

export async function setSubjectFlags(table: MysqlTable, preds: Predicate[], set: FlagValues): Promise<number> {
  const cols = Object.keys(set);
  if (!cols.length || !preds.length) return 0;
  const params: unknown[] = [];
  const assignments = cols.map((c) => {
    const v = set[c];
    if (isNow(v)) return `${table.col(c)} = COALESCE(${table.col(c)}, NOW(6))`;
    params.push(bound(v));
    return `${table.col(c)} = ?`;
  });
  const w = subjectWhere(table, preds);
  return write(table, `UPDATE ${table.ref} SET ${assignments.join(', ')} WHERE ${w.sql}`, [...params, ...w.params]);
}

export async function countFlagsUnset(table: MysqlTable, preds: Predicate[], set: FlagValues): Promise<number> {
  const cols = Object.keys(set);
  if (!cols.length || !preds.length) return 0;
  const params: unknown[] = [];
  const differs = cols.map((c) => {
    const v = set[c];
    if (isNow(v)) return `${table.col(c)} IS NULL`;
    params.push(bound(v));
    return `NOT (${table.col(c)} <=> ?)`;
  });
  const w = subjectWhere(table, preds);
  const [row] = await select<{ n: number | string }>(
    table,
    `SELECT COUNT(*) AS n FROM ${table.ref} WHERE ${w.sql} AND (${differs.join(' OR ')})`,
    [...params, ...w.params],
  );
  return Number(row.n);
}
