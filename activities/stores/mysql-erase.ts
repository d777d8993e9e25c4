// MySQL erasure: deletes and masks in batches of at most ERASE_BATCH rows along an index (the
// next keys are selected, then acted on by key: MySQL refuses `DELETE … WHERE key IN (SELECT …
// LIMIT n)` on the same table), so no statement holds its locks for long; soft delete,
// restriction of retained rows, and the counts that prove it. Every function is safe to run again.
import type { MaskSpec } from '../../schemas/datamap';
import { durationSteps } from '../../schemas/duration';
import { ERASE_BATCH, noBatches, timed, type BatchStats } from './batches';
import { MASK_PREFIX, REDACTED, type MaskOptions } from './masking';
import { and, marks, q, select, subjectWhere, write, type MysqlTable, type Sql } from './mysql';
import type { Predicate } from './selector';

/** `expr + duration`, calendar months first, then seconds (as addIsoDuration and PostgreSQL do). */
export function plusDuration(expr: string, duration: string): Sql {
  const { months, seconds } = durationSteps(duration);
  return { sql: `DATE_ADD(DATE_ADD(${expr}, INTERVAL ? MONTH), INTERVAL ? SECOND)`, params: [months, seconds] };
}

/** Text of a column's value as UTF-8, compared byte for byte (whatever the column's collation). */
export const exactText = (col: string) => `CONVERT(${col} USING utf8mb4) COLLATE utf8mb4_bin`;

/**
 * Calls `act` with the keys of the rows matching `where`, ≤ `batch` at a time, in key order — or,
 * with `along` (an indexed column, for deletes only), in that column's order, each batch starting
 * where the last ended, so the index scan does not wade through the entries of earlier batches.
 */
async function inKeyBatches(
  table: MysqlTable,
  where: Sql,
  act: (keys: unknown[]) => Promise<number>,
  opts: { batch?: number; along?: string } = {},
): Promise<BatchStats> {
  const stats = noBatches();
  const limit = Math.max(1, Math.floor(opts.batch ?? ERASE_BATCH));
  const key = `t.${table.key}`;
  const order = opts.along ? `t.${q(opts.along)}` : key;
  const orderColumn = table.column(opts.along ?? table.entry.spec.key);
  // along the key: strictly after the last key; along another column: from its last value on
  const from = opts.along ? '>=' : '>';
  const picked = opts.along ? `${key} AS k, ${order} AS o` : `${key} AS k, ${key} AS o`;
  let last: unknown = undefined;
  for (;;) {
    const after: Sql =
      last === undefined ? { sql: 'TRUE', params: [] } : { sql: `${order} ${from} ${marks(orderColumn, 1)}`, params: [last] };
    const w = and(where, after);
    const sql = `SELECT ${picked} FROM ${table.ref} t WHERE ${w.sql} ORDER BY ${order}${opts.along ? `, ${key}` : ''} LIMIT ${limit}`;
    const rows = await timed(stats, () => select<{ k: unknown; o: unknown }>(table, sql, w.params), false);
    if (!rows.length) return stats;
    const done = await timed(stats, () => act(rows.map((r) => r.k)));
    stats.rows += done;
    // along a column, a batch that changed nothing would be picked again: stop (the re-query tells)
    if (rows.length < limit || (opts.along && done === 0)) return stats;
    last = rows[rows.length - 1].o;
  }
}

/** The rows with these keys that still match `where` (a row re-assigned meanwhile is left alone). */
const byKeys = (table: MysqlTable, keys: unknown[], where: Sql): Sql =>
  and({ sql: `t.${table.key} IN (${marks(table.column(table.entry.spec.key), keys.length)})`, params: keys }, where);

/** Deletes every row matching `where` in batches, in key order or `along` an indexed column. */
export function deleteWhere(table: MysqlTable, where: Sql, opts: { batch?: number; along?: string } = {}): Promise<BatchStats> {
  return inKeyBatches(
    table,
    where,
    (keys) => {
      const w = byKeys(table, keys, where);
      return write(table, `DELETE t FROM ${table.ref} t WHERE ${w.sql}`, w.params);
    },
    opts,
  );
}

export function deleteSubjectRows(table: MysqlTable, preds: Predicate[], batch = ERASE_BATCH): Promise<BatchStats> {
  if (!preds.length) return Promise.resolve(noBatches());
  return deleteWhere(table, subjectWhere(table, preds), { batch });
}

function maskExpr(column: string, how: 'hash' | 'null' | 'redact', salt: string): Sql {
  const c = `t.${q(column)}`;
  if (how === 'null') return { sql: 'NULL', params: [] };
  if (how === 'redact') return { sql: `CASE WHEN ${c} IS NULL THEN NULL ELSE '${REDACTED}' END`, params: [] };
  // Already-masked values are left alone, so a retried batch does not hash a hash.
  return {
    sql: `CASE WHEN ${c} IS NULL OR CAST(${c} AS BINARY) LIKE '${MASK_PREFIX}%' THEN ${c} ELSE CONCAT('${MASK_PREFIX}', SHA2(CONCAT(?, CONVERT(${c} USING utf8mb4)), 256)) END`,
    params: [salt],
  };
}

/** Rewrites masked fields (and the restriction column) of a subject's rows, in key-ordered batches. */
export async function maskSubjectRows(table: MysqlTable, preds: Predicate[], opts: MaskOptions, batch = ERASE_BATCH): Promise<BatchStats> {
  // MySQL assigns left to right, each seeing the ones before: the expiry comes first, from the
  // timestamp as it is; each mask reads only its own column.
  const sets: Sql[] = [];
  if (opts.restrict) {
    const until = plusDuration(`t.${q(opts.restrict.timestampColumn)}`, opts.restrict.maxAge);
    sets.push({ sql: `t.${q(opts.restrict.column)} = ${until.sql}`, params: until.params });
  }
  for (const [column, how] of Object.entries(opts.mask ?? {})) {
    const m = maskExpr(column, how, opts.salt);
    sets.push({ sql: `t.${q(column)} = ${m.sql}`, params: m.params });
  }
  if (!sets.length || !preds.length) return noBatches();
  const where = subjectWhere(table, preds);
  return inKeyBatches(
    table,
    where,
    (keys) => {
      const w = byKeys(table, keys, where);
      return write(table, `UPDATE ${table.ref} t SET ${sets.map((s) => s.sql).join(', ')} WHERE ${w.sql}`, [
        ...sets.flatMap((s) => s.params),
        ...w.params,
      ]);
    },
    { batch },
  );
}

/** Deactivates a subject's rows at once (e.g. status = 'deleted') before the hard purge. */
export async function softDeleteSubjectRows(
  table: MysqlTable,
  preds: Predicate[],
  set: Record<string, unknown>,
  timestampColumn?: string,
): Promise<number> {
  const cols = Object.keys(set);
  if (!cols.length || !preds.length) return 0;
  const assignments = cols.map((c) => `t.${q(c)} = ?`);
  // keep the first deactivation time on a retry, so the grace period is not extended
  if (timestampColumn) assignments.push(`t.${q(timestampColumn)} = COALESCE(t.${q(timestampColumn)}, NOW(6))`);
  const w = subjectWhere(table, preds);
  const values = cols.map((c) => (typeof set[c] === 'boolean' ? Number(set[c]) : set[c]));
  return write(table, `UPDATE ${table.ref} t SET ${assignments.join(', ')} WHERE ${w.sql}`, [...values, ...w.params]);
}

export async function countSubjectRows(table: MysqlTable, preds: Predicate[], extra = 'TRUE'): Promise<number> {
  if (!preds.length) return 0;
  const w = subjectWhere(table, preds);
  const [row] = await select<{ n: number | string }>(
    table,
    `SELECT COUNT(*) AS n FROM ${table.ref} t WHERE ${w.sql} AND ${extra}`,
    w.params,
  );
  return Number(row.n);
}

/** Subject rows whose masked fields still hold a value that is not masked (must be 0). */
export function countUnmasked(table: MysqlTable, preds: Predicate[], mask: MaskSpec | undefined): Promise<number> {
  const checks = Object.entries(mask ?? {}).map(([column, how]) => {
    const c = `t.${q(column)}`;
    if (how === 'null') return `${c} IS NOT NULL`;
    if (how === 'redact') return `CAST(${c} AS BINARY) <> '${REDACTED}'`;
    return `CAST(${c} AS BINARY) NOT LIKE '${MASK_PREFIX}%'`;
  });
  if (!checks.length) return Promise.resolve(0);
  return countSubjectRows(table, preds, `(${checks.join(' OR ')})`);
}

/** A DATE/DATETIME/TIMESTAMP value as the server writes it (UTC sessions) → a Date. */
export function fromSqlTime(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  const [date, time = '00:00:00'] = String(v).split(' ');
  const [hms, fraction = ''] = time.split('.');
  return new Date(`${date}T${hms}.${fraction.padEnd(3, '0').slice(0, 3)}Z`);
}

/** The latest value of a subject's `column` (the expiry of restricted rows). */
export async function latestOf(table: MysqlTable, preds: Predicate[], column: string): Promise<Date | null> {
  if (!preds.length) return null;
  const w = subjectWhere(table, preds);
  const [row] = await select<{ v: unknown }>(table, `SELECT MAX(t.${q(column)}) AS v FROM ${table.ref} t WHERE ${w.sql}`, w.params);
  return fromSqlTime(row.v);
}

/** When the last of a subject's rows would expire under a retention rule (for plans). */
export async function latestExpiry(table: MysqlTable, preds: Predicate[], timestampColumn: string, maxAge: string): Promise<Date | null> {
  if (!preds.length) return null;
  const until = plusDuration(`MAX(t.${q(timestampColumn)})`, maxAge);
  const w = subjectWhere(table, preds);
  const [row] = await select<{ v: unknown }>(table, `SELECT ${until.sql} AS v FROM ${table.ref} t WHERE ${w.sql}`, [
    ...until.params,
    ...w.params,
  ]);
  return fromSqlTime(row.v);
}

/** Sets `column` to `value` in the subject's rows where it differs (byte for byte); the old values as text. */
export async function correctColumn(
  table: MysqlTable,
  preds: Predicate[],
  column: string,
  value: string,
): Promise<{ rows: number; old: string[] }> {
  const c = `t.${q(column)}`;
  const w = and(subjectWhere(table, preds), { sql: `NOT (${exactText(c)} <=> ?)`, params: [value] });
  const old = await select<{ v: string | null }>(
    table,
    `SELECT DISTINCT CAST(${c} AS CHAR) AS v FROM ${table.ref} t WHERE ${w.sql}`,
    w.params,
  );
  const rows = await write(table, `UPDATE ${table.ref} t SET ${c} = ? WHERE ${w.sql}`, [value, ...w.params]);
  return { rows, old: old.map((o) => o.v ?? '') };
}
