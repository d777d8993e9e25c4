// MySQL erasure: deletes and masks in batches of at most ERASE_BATCH rows, so no statement holds
// its locks for long (MySQL refuses `DELETE … WHERE key IN (SELECT … LIMIT n)` on the same table,
// so each batch is bounded first and then acted on); soft delete, restriction of retained rows,
// and the counts that prove it. Every function is safe to run again.
import type { MaskSpec } from '../../schemas/datamap';
import { durationSteps } from '../../schemas/duration';
import { ERASE_BATCH, ERASE_LANES, noBatches, sumBatches, timed, type BatchStats, type OnBatch } from './batches';
import type { ColumnCorrection, CorrectionGuard } from './correction-guard';
import { MASK_PREFIX, REDACTED, type MaskOptions } from './masking';
import { and, marks, select, subjectWhere, write, type MysqlTable, type Sql } from './mysql';
import type { Predicate } from './selector';

const TRUE: Sql = { sql: 'TRUE', params: [] };

/** `expr + duration`, calendar months first, then seconds (as addIsoDuration and PostgreSQL do). */
export function plusDuration(expr: string, duration: string): Sql {
  const { months, seconds } = durationSteps(duration);
  return { sql: `DATE_ADD(DATE_ADD(${expr}, INTERVAL ? MONTH), INTERVAL ? SECOND)`, params: [months, seconds] };
}

/** Text of a column's value as UTF-8, compared byte for byte (whatever the column's collation). */
export const exactText = (col: string) => `CONVERT(${col} USING utf8mb4) COLLATE utf8mb4_bin`;

const limitOf = (batch?: number) => Math.max(1, Math.floor(batch ?? ERASE_BATCH));

/**
 * Rows in `order` (columns, the key last) after or up to a row's values: `(a, k) > (?, ?)`
 * written out, so the optimizer reads it as a range of an index on (…, a).
 */
function tuple(table: MysqlTable, order: string[], values: unknown[], op: '>' | '<='): Sql {
  const [first, ...rest] = order;
  const c = table.col(first);
  const m = marks(table.column(first), 1);
  if (!rest.length) return { sql: `${c} ${op} ${m}`, params: [values[0]] };
  const inner = tuple(table, rest, values.slice(1), op);
  return {
    sql: `(${c} ${op === '>' ? '>' : '<'} ${m} OR (${c} = ${m} AND ${inner.sql}))`,
    params: [values[0], values[0], ...inner.params],
  };
}

/**
 * Deletes every row matching `where` along an index, in ranges of at most `batch` rows: the last
 * row of the next range is read (its `order` values), then the range is deleted with one
 * statement that touches only it. `order` ends with the key, so ranges never overlap.
 */
async function deleteInRanges(table: MysqlTable, where: Sql, order: string[], batch?: number, onBatch?: OnBatch): Promise<BatchStats> {
  const stats = noBatches();
  const limit = limitOf(batch);
  const columns = order.map((c) => table.col(c));
  let after = TRUE;
  for (;;) {
    const w = and(where, after);
    const [last] = await timed(
      stats,
      () =>
        select<Record<string, unknown>>(
          table,
          `SELECT ${columns.map((c, i) => `${c} AS o${i}`).join(', ')} FROM ${table.ref} WHERE ${w.sql} ORDER BY ${columns.join(', ')} LIMIT 1 OFFSET ${limit - 1}`,
          w.params,
        ),
      false,
    );
    const values = last ? order.map((_, i) => last[`o${i}`]) : null;
    const range = values ? and(w, tuple(table, order, values, '<=')) : w;
    const deleted = await timed(stats, () => write(table, `DELETE FROM ${table.ref} WHERE ${range.sql}`, range.params));
    stats.rows += deleted;
    await onBatch?.(deleted);
    if (!values) return stats;
    after = tuple(table, order, values, '>');
  }
}

/**
 * Calls `act` with the keys of the rows matching `where`, at most `batch` at a time, in key order:
 * for rows no index range holds (several values, an address compared case-insensitively) and
 * for masks. Only the picked rows are touched, never a neighbour's.
 */
async function inKeyBatches(
  table: MysqlTable,
  where: Sql,
  act: (byKeys: Sql) => Promise<number>,
  batch?: number,
  onBatch?: OnBatch,
): Promise<BatchStats> {
  const stats = noBatches();
  const limit = limitOf(batch);
  const keyName = table.entry.spec.key;
  const key = table.col(keyName);
  let after = TRUE;
  for (;;) {
    const w = and(where, after);
    const rows = await timed(
      stats,
      () => select<{ k: unknown }>(table, `SELECT ${key} AS k FROM ${table.ref} WHERE ${w.sql} ORDER BY ${key} LIMIT ${limit}`, w.params),
      false,
    );
    if (!rows.length) return stats;
    const keys = rows.map((r) => r.k);
    // the picked rows, if they still match (a row re-assigned meanwhile is left alone)
    const picked = and({ sql: `${key} IN (${marks(table.column(keyName), keys.length)})`, params: keys }, where);
    const changed = await timed(stats, () => act(picked));
    stats.rows += changed;
    await onBatch?.(changed);
    if (keys.length < limit) return stats;
    after = { sql: `${key} > ${marks(table.column(keyName), 1)}`, params: [keys[keys.length - 1]] };
  }
}

/** deleteInRanges over ERASE_LANES slices of equal row counts side by side, when there are rows enough for each. */
async function deleteInLanes(table: MysqlTable, where: Sql, order: string[], batch?: number, onBatch?: OnBatch): Promise<BatchStats> {
  const limit = limitOf(batch);
  const [{ n }] = await select<{ n: number | string }>(table, `SELECT COUNT(*) AS n FROM ${table.ref} WHERE ${where.sql}`, where.params);
  if (Number(n) <= limit * ERASE_LANES) return deleteInRanges(table, where, order, batch, onBatch);
  const columns = order.map((c) => table.col(c));
  const edges: unknown[][] = [];
  for (let i = 1; i < ERASE_LANES; i++) {
    const [row] = await select<Record<string, unknown>>(
      table,
      `SELECT ${columns.map((c, j) => `${c} AS o${j}`).join(', ')} FROM ${table.ref} WHERE ${where.sql} ORDER BY ${columns.join(', ')} LIMIT 1 OFFSET ${Math.floor((Number(n) * i) / ERASE_LANES)}`,
      where.params,
    );
    if (!row) return deleteInRanges(table, where, order, batch, onBatch); // fewer rows than counted: one stream will do
    edges.push(order.map((_, j) => row[`o${j}`]));
  }
  const lanes = await Promise.all(
    Array.from({ length: ERASE_LANES }, (_, i) => {
      const from = i === 0 ? TRUE : tuple(table, order, edges[i - 1], '>');
      const to = i === ERASE_LANES - 1 ? TRUE : tuple(table, order, edges[i], '<=');
      return deleteInRanges(table, and(where, from, to), order, batch, onBatch);
    }),
  );
  return sumBatches(lanes);
}

const deleteByKeys = (table: MysqlTable, where: Sql, batch?: number, onBatch?: OnBatch) =>
  inKeyBatches(table, where, (picked) => write(table, `DELETE FROM ${table.ref} WHERE ${picked.sql}`, picked.params), batch, onBatch);

/** Deletes every row matching `where` along an indexed column (then the key), in batches (the sweep). */
export function deleteAlong(table: MysqlTable, where: Sql, column: string, batch?: number): Promise<BatchStats> {
  return deleteInRanges(table, where, column === table.entry.spec.key ? [column] : [column, table.entry.spec.key], batch);
}

/**
 * Deletes a subject's rows in batches. A subject found by one value of one indexed column is
 * deleted in index ranges (along the index's second column, then the key), in ERASE_LANES
 * slices side by side; rows where that column is NULL lie in no range and are deleted by key.
 * Any other subject is deleted by key lists. `onBatch` is told each batch's rows once it has committed.
 */
export async function deleteSubjectRows(table: MysqlTable, preds: Predicate[], batch?: number, onBatch?: OnBatch): Promise<BatchStats> {
  if (!preds.length) return noBatches();
  const where = subjectWhere(table, preds);
  const single = preds.length === 1 && preds[0].values.length === 1 && !preds[0].caseInsensitive;
  const along = single ? table.indexOrder(preds[0].column) : null;
  if (!along) return deleteByKeys(table, where, batch, onBatch);
  const ranged = await deleteInLanes(table, where, [...along, table.entry.spec.key], batch, onBatch);
  if (!along.length) return ranged;
  const nulls = await deleteByKeys(table, and(where, { sql: `${table.col(along[0])} IS NULL`, params: [] }), batch, onBatch);
  return {
    rows: ranged.rows + nulls.rows,
    statements: ranged.statements + nulls.statements,
    longestStatementMs: Math.max(ranged.longestStatementMs, nulls.longestStatementMs),
  };
}

function maskExpr(table: MysqlTable, column: string, how: 'hash' | 'null' | 'redact', salt: string): Sql {
  const c = table.col(column);
  if (how === 'null') return { sql: 'NULL', params: [] };
  if (how === 'redact') return { sql: `CASE WHEN ${c} IS NULL THEN NULL ELSE '${REDACTED}' END`, params: [] };
  // Already-masked values are left alone, so a retried batch does not hash a hash.
  return {
    sql: `CASE WHEN ${c} IS NULL OR CAST(${c} AS BINARY) LIKE '${MASK_PREFIX}%' THEN ${c} ELSE CONCAT('${MASK_PREFIX}', SHA2(CONCAT(?, CONVERT(${c} USING utf8mb4)), 256)) END`,
    params: [salt],
  };
}

/** Rewrites masked fields (and the restriction column) of a subject's rows, in key-ordered batches. */
export async function maskSubjectRows(table: MysqlTable, preds: Predicate[], opts: MaskOptions, batch?: number): Promise<BatchStats> {
  // MySQL assigns left to right, each seeing the ones before: the expiry comes first, from the
  // timestamp as it is; each mask reads only its own column.
  const sets: Sql[] = [];
  if (opts.restrict) {
    const until = plusDuration(table.col(opts.restrict.timestampColumn), opts.restrict.maxAge);
    sets.push({ sql: `${table.col(opts.restrict.column)} = ${until.sql}`, params: until.params });
  }
  for (const [column, how] of Object.entries(opts.mask ?? {})) {
    const m = maskExpr(table, column, how, opts.salt);
    sets.push({ sql: `${table.col(column)} = ${m.sql}`, params: m.params });
  }
  if (!sets.length || !preds.length) return noBatches();
  return inKeyBatches(
    table,
    subjectWhere(table, preds),
    (picked) =>
      write(table, `UPDATE ${table.ref} SET ${sets.map((s) => s.sql).join(', ')} WHERE ${picked.sql}`, [
        ...sets.flatMap((s) => s.params),
        ...picked.params,
      ]),
    batch,
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
  const assignments = cols.map((c) => `${table.col(c)} = ?`);
  // keep the first deactivation time on a retry, so the grace period is not extended
  if (timestampColumn) assignments.push(`${table.col(timestampColumn)} = COALESCE(${table.col(timestampColumn)}, NOW(6))`);
  const w = subjectWhere(table, preds);
  const values = cols.map((c) => (typeof set[c] === 'boolean' ? Number(set[c]) : set[c]));
  return write(table, `UPDATE ${table.ref} SET ${assignments.join(', ')} WHERE ${w.sql}`, [...values, ...w.params]);
}

export async function countSubjectRows(table: MysqlTable, preds: Predicate[], extra = 'TRUE'): Promise<number> {
  if (!preds.length) return 0;
  const w = subjectWhere(table, preds);
  const [row] = await select<{ n: number | string }>(table, `SELECT COUNT(*) AS n FROM ${table.ref} WHERE ${w.sql} AND ${extra}`, w.params);
  return Number(row.n);
}

/** Subject rows whose masked fields still hold a value that is not masked (must be 0). */
export function countUnmasked(table: MysqlTable, preds: Predicate[], mask: MaskSpec | undefined): Promise<number> {
  const checks = Object.entries(mask ?? {}).map(([column, how]) => {
    const c = table.col(column);
    if (how === 'null') return `${c} IS NOT NULL`;
    if (how === 'redact') return `CAST(${c} AS BINARY) <> '${REDACTED}'`;
    return `CAST(${c} AS BINARY) NOT LIKE '${MASK_PREFIX}%'`;
  });
  if (!checks.length) return Promise.resolve(0);
  return countSubjectRows(table, preds, `(${checks.join(' OR ')})`);
}

/** A DATE/DATETIME/TIMESTAMP value as the server writes it (UTC sessions) → a Date; null for NULL and zero dates. */
export function fromSqlTime(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  const [date, time = '00:00:00'] = String(v).split(' ');
  const [hms, fraction = ''] = time.split('.');
  const d = new Date(`${date}T${hms}.${fraction.padEnd(3, '0').slice(0, 3)}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The latest value of a subject's `column` (the expiry of restricted rows). */
export async function latestOf(table: MysqlTable, preds: Predicate[], column: string): Promise<Date | null> {
  if (!preds.length) return null;
  const w = subjectWhere(table, preds);
  const [row] = await select<{ v: unknown }>(table, `SELECT MAX(${table.col(column)}) AS v FROM ${table.ref} WHERE ${w.sql}`, w.params);
  return fromSqlTime(row.v);
}

/** When the last of a subject's rows would expire under a retention rule (for plans). */
export async function latestExpiry(table: MysqlTable, preds: Predicate[], timestampColumn: string, maxAge: string): Promise<Date | null> {
  if (!preds.length) return null;
  const until = plusDuration(`MAX(${table.col(timestampColumn)})`, maxAge);
  const w = subjectWhere(table, preds);
  const [row] = await select<{ v: unknown }>(table, `SELECT ${until.sql} AS v FROM ${table.ref} WHERE ${w.sql}`, [
    ...until.params,
    ...w.params,
  ]);
  return fromSqlTime(row.v);
}

/** SQL true where `guard` protects a row's `column` (a masked value, a restricted row). */
function protectedSql(table: MysqlTable, column: string, guard: CorrectionGuard): { masked: string; restricted: string } {
  const c = table.col(column);
  const masked =
    guard.mask === 'hash'
      ? `COALESCE(CAST(${c} AS BINARY) LIKE '${MASK_PREFIX}%', FALSE)`
      : guard.mask === 'redact'
        ? `COALESCE(CAST(${c} AS BINARY) = '${REDACTED}', FALSE)`
        : guard.mask === 'null'
          ? `${c} IS NULL`
          : 'FALSE';
  const restricted = guard.restrictColumn ? `${table.col(guard.restrictColumn)} IS NOT NULL` : 'FALSE';
  return { masked, restricted };
}

/**
 * Sets `column` to `value` in the subject's rows where it differs (byte for byte), except masked
 * values and restricted rows, which get `guard.rewriteAs` when set and are otherwise counted.
 */
export async function correctColumn(
  table: MysqlTable,
  preds: Predicate[],
  column: string,
  value: string,
  guard: CorrectionGuard,
): Promise<ColumnCorrection> {
  const c = table.col(column);
  const { masked, restricted } = protectedSql(table, column, guard);
  const isProtected = `(${masked} OR ${restricted})`;
  const rewrite = async (scope: string, to: string | null) => {
    const w = and(subjectWhere(table, preds), { sql: `${scope} AND NOT (${exactText(c)} <=> ?)`, params: [to] });
    const old = await select<{ v: string | null }>(
      table,
      `SELECT DISTINCT CAST(${c} AS CHAR) AS v FROM ${table.ref} WHERE ${w.sql}`,
      w.params,
    );
    const rows = await write(table, `UPDATE ${table.ref} SET ${c} = ? WHERE ${w.sql}`, [to, ...w.params]);
    return { rows, old: old.map((o) => o.v ?? '') };
  };
  const clear = await rewrite(`NOT ${isProtected}`, value);
  if (guard.rewriteAs !== undefined) {
    const remasked = await rewrite(isProtected, guard.rewriteAs);
    return { rows: clear.rows + remasked.rows, old: [...new Set([...clear.old, ...remasked.old])], skipped: { masked: 0, restricted: 0 } };
  }
  const w = subjectWhere(table, preds);
  const [counts] = await select<{ masked: number | string; restricted: number | string }>(
    table,
    `SELECT COALESCE(SUM(${restricted}), 0) AS restricted, COALESCE(SUM(${masked} AND NOT ${restricted}), 0) AS masked FROM ${table.ref} WHERE ${w.sql}`,
    w.params,
  );
  return { ...clear, skipped: { masked: Number(counts.masked), restricted: Number(counts.restricted) } };
}
