// PostgreSQL erasure: batched deletes (sized by measurement; the last statement carries the
// re-query proof) and masks (≤ ERASE_BATCH rows per statement), so no statement holds its locks
// for long; soft-delete, restriction of retained rows, and the re-queries that prove them. Every
// function is safe to run again after a crash.
import { escapeIdentifier as q, type Pool, type QueryResult } from 'pg';
import type { MaskSpec } from '../../schemas/datamap';
import {
  ERASE_BATCH,
  ERASE_LANES,
  measuredBatch,
  noBatches,
  sumBatches,
  timed,
  type BatchStats,
  type DeletedRows,
  type OnBatch,
  type OnStart,
} from './batches';
import type { ColumnCorrection, CorrectionGuard } from './correction-guard';
import { MASK_PREFIX, REDACTED, type MaskOptions } from './masking';
import { deleteInRanges, mostlyDistinct } from './postgres-ranges';
import type { Predicate } from './selector';
import { subjectWhere, tableRef, type PgCollection } from './sql';

/**
 * Deletes every row matching `where` in batches of at most `batch` rows, each its own statement
 * (with `sized`, batches grow by measurement: batches.ts measuredBatch). With `advance` (an
 * indexed column), batches go in that column's order and each starts where the last ended, so
 * an index scan does not wade through the dead entries of earlier batches. `onBatch` is told
 * each batch's rows once it has committed.
 */
export async function deleteWhere(
  pool: Pool,
  entry: PgCollection,
  where: string,
  params: unknown[],
  opts: { batch?: number; advance?: string; onBatch?: OnBatch; sized?: boolean } = {},
): Promise<BatchStats> {
  let batch = opts.batch ?? ERASE_BATCH;
  const stats = noBatches();
  const measured = async <T>(run: () => Promise<T>) => {
    const t0 = performance.now();
    const r = await timed(stats, run);
    return { r, ms: performance.now() - t0 };
  };
  if (!opts.advance) {
    const sql = (n: number) =>
      `DELETE FROM ${tableRef(entry)} WHERE ctid = ANY(ARRAY(SELECT t.ctid FROM ${tableRef(entry)} t WHERE ${where} LIMIT ${n}))`;
    for (;;) {
      const { r, ms } = await measured(() => pool.query(sql(batch), params));
      stats.rows += r.rowCount ?? 0;
      await opts.onBatch?.(r.rowCount ?? 0);
      if ((r.rowCount ?? 0) < batch) return stats;
      if (opts.sized) batch = measuredBatch(batch, ms);
    }
  }
  const col = `t.${q(opts.advance)}`;
  const step = (
    from: string,
    n: number,
  ) => `WITH batch AS (SELECT t.ctid, ${col} AS c FROM ${tableRef(entry)} t WHERE ${where}${from} ORDER BY ${col} LIMIT ${n}),
    gone AS (DELETE FROM ${tableRef(entry)} WHERE ctid = ANY(ARRAY(SELECT ctid FROM batch)) RETURNING 1)
    SELECT (SELECT count(*) FROM gone)::int AS n, (SELECT max(c) FROM batch) AS last`;
  const next = ` AND ${col} >= $${params.length + 1}`;
  let last: unknown = null;
  for (;;) {
    const { r, ms } = await measured(() =>
      last === null ? pool.query(step('', batch), params) : pool.query(step(next, batch), [...params, last]),
    );
    const { n, last: reached } = r.rows[0] as { n: number; last: unknown };
    stats.rows += n;
    await opts.onBatch?.(n);
    if (n < batch) return stats;
    last = reached;
    if (opts.sized) batch = measuredBatch(batch, ms);
  }
}

/**
 * The last statement of a subject's deletion, carrying the proof: deletes the rows of `rest` (rows
 * no batch covered; in batches while a full one is found) and counts, in its own snapshot, the
 * subject's rows (`where`) that remain once it commits.
 */
async function deleteRestWithProof(
  pool: Pool,
  entry: PgCollection,
  where: string,
  rest: string | undefined,
  params: unknown[],
  stats: BatchStats,
  onBatch?: OnBatch,
): Promise<{ remaining: number; proofMs: number }> {
  const sql = `WITH gone AS (DELETE FROM ${tableRef(entry)} WHERE ctid = ANY(ARRAY(SELECT t.ctid FROM ${tableRef(entry)} t WHERE ${rest ?? 'false'} LIMIT ${ERASE_BATCH})) RETURNING 1)
    SELECT (SELECT count(*) FROM gone)::int AS n, ((SELECT count(*) FROM ${tableRef(entry)} t WHERE ${where}) - (SELECT count(*) FROM gone))::int AS remaining`;
  for (;;) {
    const t0 = performance.now();
    const r = await timed(stats, () => pool.query<{ n: number; remaining: number }>(sql, params));
    const { n, remaining } = r.rows[0];
    stats.rows += n;
    if (n) await onBatch?.(n);
    if (n < ERASE_BATCH) return { remaining, proofMs: performance.now() - t0 };
  }
}

/**
 * The second column of an index that starts with `column`, if any: with it a subject's rows
 * can be deleted in that column's order, each batch starting where the last ended.
 */
export async function orderingColumn(pool: Pool, entry: PgCollection, column: string): Promise<string | null> {
  const { rows } = await pool.query<{ col: string }>(
    `SELECT a2.attname AS col
       FROM pg_index i
       JOIN pg_attribute a1 ON a1.attrelid = i.indrelid AND a1.attnum = i.indkey[0]
       JOIN pg_attribute a2 ON a2.attrelid = i.indrelid AND a2.attnum = i.indkey[1]
      WHERE i.indrelid = to_regclass($1) AND a1.attname = $2 AND i.indnatts >= 2 AND i.indpred IS NULL
      LIMIT 1`,
    [tableRef(entry), column],
  );
  return rows[0]?.col ?? null;
}

/**
 * Deletes a subject's rows in batches sized by measurement, and proves it in the last statement.
 * A subject found by one value of one column, with an index on (that column, X), is deleted
 * along X in ERASE_LANES ranges side by side; otherwise in plain batches. `onStart` is told the
 * rows due before the first batch (counted with the lanes' range, one scan).
 */
export async function deleteSubjectRows(
  pool: Pool,
  entry: PgCollection,
  preds: Predicate[],
  opts: { batch?: number; onBatch?: OnBatch; onStart?: OnStart } = {},
): Promise<DeletedRows> {
  const w = subjectWhere(preds, 1);
  const { onBatch } = opts;
  const single = preds.length === 1 && preds[0].values.length === 1 && !preds[0].caseInsensitive;
  const along = single ? await orderingColumn(pool, entry, preds[0].column) : null;
  const finish = async (batches: BatchStats[], rest?: string): Promise<DeletedRows> => {
    const stats = sumBatches(batches);
    const proof = await deleteRestWithProof(pool, entry, w.sql, rest, w.params, stats, onBatch);
    return { ...stats, ...proof };
  };
  const plain = { batch: opts.batch, onBatch, sized: opts.batch === undefined };
  if (!preds.length) {
    await opts.onStart?.(0);
    return { ...noBatches(), remaining: 0, proofMs: 0 };
  }
  if (!along) {
    await opts.onStart?.(await countSubjectRows(pool, entry, preds));
    return finish([await deleteWhere(pool, entry, w.sql, w.params, plain)]);
  }
  const col = `t.${q(along)}`;
  const {
    rows: [range],
  } = await pool.query(
    `SELECT min(${col}) AS lo, max(${col}) AS hi, pg_typeof(min(${col}))::text AS type, count(*)::bigint AS due FROM ${tableRef(entry)} t WHERE ${w.sql}`,
    w.params,
  );
  await opts.onStart?.(Number(range.due));
  const numericOrTime = /^(timestamp|date|bigint|integer|smallint|numeric)/.test(range.type ?? '');
  // ranges need a column of mostly distinct values (ties go with their range); else keyset batches of ctids
  const distinct = await mostlyDistinct(pool, entry, along);
  const ranged = { batch: opts.batch, onBatch };
  const laneOf = (where: string, params: unknown[]) =>
    distinct
      ? deleteInRanges(pool, entry, where, params, along, ranged)
      : deleteWhere(pool, entry, where, params, { ...plain, advance: along });
  // rows whose ordering column is NULL are in no range: the last statement deletes them, and proves
  const rest = `${w.sql} AND ${col} IS NULL`;
  if (range.lo === null || !numericOrTime) return finish([await laneOf(w.sql, w.params)], rest);
  const lo = Number(range.lo instanceof Date ? range.lo.getTime() : range.lo);
  const hi = Number(range.hi instanceof Date ? range.hi.getTime() : range.hi);
  const asValue = (v: number) => (range.lo instanceof Date ? new Date(v) : String(Math.floor(v)));
  const edges = Array.from({ length: ERASE_LANES + 1 }, (_, i) => lo + ((hi - lo) * i) / ERASE_LANES);
  const p = w.params.length;
  const lanes = await Promise.all(
    edges.slice(0, -1).map((from, i) => {
      const last = i === ERASE_LANES - 1;
      const range = last ? `${col} >= $${p + 1}` : `${col} >= $${p + 1} AND ${col} < $${p + 2}`;
      const bounds = last ? [asValue(from)] : [asValue(from), asValue(edges[i + 1])];
      return laneOf(`${w.sql} AND ${range}`, [...w.params, ...bounds]);
    }),
  );
  return finish(lanes, rest);
}

function maskExpr(column: string, how: 'hash' | 'null' | 'redact', saltParam: string): string {
  const c = q(column);
  if (how === 'null') return 'NULL';
  if (how === 'redact') return `CASE WHEN ${c} IS NULL THEN NULL ELSE '${REDACTED}' END`;
  // Already-masked values are left alone, so a retried batch does not hash a hash.
  return `CASE WHEN ${c} IS NULL OR ${c}::text LIKE '${MASK_PREFIX}%' THEN ${c} ELSE '${MASK_PREFIX}' || encode(sha256(convert_to(${saltParam} || ${c}::text, 'UTF8')), 'hex') END`;
}

/** Rewrites masked fields (and the restriction column) of a subject's rows, keyset-batched. */
export async function maskSubjectRows(
  pool: Pool,
  entry: PgCollection,
  preds: Predicate[],
  opts: MaskOptions,
  batch = ERASE_BATCH,
): Promise<BatchStats> {
  const stats = noBatches();
  const sets = Object.entries(opts.mask ?? {}).map(([col, how]) => `${q(col)} = ${maskExpr(col, how, '$2::text')}`);
  if (opts.restrict) {
    sets.push(`${q(opts.restrict.column)} = ${q(opts.restrict.timestampColumn)} + $3::interval`);
  }
  if (!sets.length || !preds.length) return stats;
  const key = q(entry.spec.key);
  const w = subjectWhere(preds, 3);
  let last: string | null = null;
  for (;;) {
    const page: QueryResult<{ k: string }> = await pool.query<{ k: string }>(
      `SELECT t.${key}::text AS k FROM ${tableRef(entry)} t WHERE ${w.sql} AND ($1::text IS NULL OR t.${key} > $2) ORDER BY t.${key} LIMIT ${batch}`,
      [last, last, ...w.params],
    );
    if (!page.rows.length) return stats;
    const keys: string[] = page.rows.map((r) => r.k);
    const r = await timed(stats, () =>
      pool.query(`UPDATE ${tableRef(entry)} SET ${sets.join(', ')} WHERE ${key} = ANY($1)`, [
        keys,
        opts.salt,
        opts.restrict?.maxAge ?? null,
      ]),
    );
    stats.rows += r.rowCount ?? 0;
    last = keys[keys.length - 1];
    if (keys.length < batch) return stats;
  }
}

/** Deactivates a subject's rows at once (e.g. status = 'deleted') before the hard purge. */
export async function softDeleteSubjectRows(
  pool: Pool,
  entry: PgCollection,
  preds: Predicate[],
  set: Record<string, unknown>,
  timestampColumn?: string,
): Promise<number> {
  const cols = Object.keys(set);
  if (!cols.length || !preds.length) return 0;
  const w = subjectWhere(preds, cols.length + 1);
  const assignments = cols.map((c, i) => `${q(c)} = $${i + 1}`);
  // keep the first deactivation time on a retry, so the grace period is not extended
  if (timestampColumn) assignments.push(`${q(timestampColumn)} = coalesce(${q(timestampColumn)}, now())`);
  const r = await pool.query(`UPDATE ${tableRef(entry)} t SET ${assignments.join(', ')} WHERE ${w.sql}`, [
    ...cols.map((c) => set[c]),
    ...w.params,
  ]);
  return r.rowCount ?? 0;
}

export async function countSubjectRows(pool: Pool, entry: PgCollection, preds: Predicate[], extra = 'true'): Promise<number> {
  if (!preds.length) return 0;
  const w = subjectWhere(preds, 1);
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${tableRef(entry)} t WHERE ${w.sql} AND ${extra}`, w.params);
  return Number(rows[0].n);
}

/** Subject rows whose masked fields still hold a value that is not masked (must be 0). */
export async function countUnmasked(pool: Pool, entry: PgCollection, preds: Predicate[], mask: MaskSpec | undefined): Promise<number> {
  const checks = Object.entries(mask ?? {}).map(([col, how]) =>
    how === 'null'
      ? `t.${q(col)} IS NOT NULL`
      : how === 'redact'
        ? `t.${q(col)}::text <> '${REDACTED}'`
        : `t.${q(col)}::text NOT LIKE '${MASK_PREFIX}%'`,
  );
  if (!checks.length) return 0;
  return countSubjectRows(pool, entry, preds, `(${checks.join(' OR ')})`);
}

/** The earliest and latest expiry among a subject's restricted rows. */
export async function restrictedUntil(
  pool: Pool,
  entry: PgCollection,
  preds: Predicate[],
  column: string,
): Promise<{ earliest: Date | null; latest: Date | null }> {
  if (!preds.length) return { earliest: null, latest: null };
  const w = subjectWhere(preds, 1);
  const { rows } = await pool.query(
    `SELECT min(t.${q(column)}) AS earliest, max(t.${q(column)}) AS latest FROM ${tableRef(entry)} t WHERE ${w.sql}`,
    w.params,
  );
  return rows[0];
}

/** When the last of a subject's rows would expire under a retention rule (for plans). */
export async function latestExpiry(
  pool: Pool,
  entry: PgCollection,
  preds: Predicate[],
  timestampColumn: string,
  maxAge: string,
): Promise<Date | null> {
  if (!preds.length) return null;
  const w = subjectWhere(preds, 2);
  const { rows } = await pool.query(
    `SELECT max(t.${q(timestampColumn)}) + $1::interval AS until FROM ${tableRef(entry)} t WHERE ${w.sql}`,
    [maxAge, ...w.params],
  );
  return rows[0].until;
}

/** SQL true where `guard` protects a row's `column` (a masked value, a restricted row); `false` when nothing does. */
function protectedSql(column: string, guard: CorrectionGuard): { masked: string; restricted: string } {
  const c = `t.${q(column)}`;
  const masked =
    guard.mask === 'hash'
      ? `coalesce(${c}::text LIKE '${MASK_PREFIX}%', false)`
      : guard.mask === 'redact'
        ? `coalesce(${c}::text = '${REDACTED}', false)`
        : guard.mask === 'null'
          ? `${c} IS NULL`
          : 'false';
  const restricted = guard.restrictColumn ? `t.${q(guard.restrictColumn)} IS NOT NULL` : 'false';
  return { masked, restricted };
}

/** A correction of one column: clear rows get `value`; masked values and restricted rows as `guard` says. */
export async function correctSubjectColumn(
  pool: Pool,
  entry: PgCollection,
  preds: Predicate[],
  column: string,
  value: string,
  guard: CorrectionGuard,
): Promise<ColumnCorrection> {
  const table = tableRef(entry);
  const w = subjectWhere(preds, 2);
  const col = `t.${q(column)}`;
  const { masked, restricted } = protectedSql(column, guard);
  const isProtected = `(${masked} OR ${restricted})`;
  const rewrite = async (scope: string, to: string | null) => {
    const where = `${w.sql} AND ${scope} AND ${col} IS DISTINCT FROM $1`;
    const old = await pool.query<{ v: string | null }>(`SELECT DISTINCT ${col}::text AS v FROM ${table} t WHERE ${where}`, [
      to,
      ...w.params,
    ]);
    const r = await pool.query(`UPDATE ${table} t SET ${q(column)} = $1 WHERE ${where}`, [to, ...w.params]);
    return { rows: r.rowCount ?? 0, old: old.rows.map((o) => o.v ?? '') };
  };
  const clear = await rewrite(`NOT ${isProtected}`, value);
  if (guard.rewriteAs !== undefined) {
    const remasked = await rewrite(isProtected, guard.rewriteAs);
    return { rows: clear.rows + remasked.rows, old: [...new Set([...clear.old, ...remasked.old])], skipped: { masked: 0, restricted: 0 } };
  }
  const all = subjectWhere(preds, 1);
  const { rows } = await pool.query<{ restricted: number; masked: number }>(
    `SELECT count(*) FILTER (WHERE ${restricted})::int AS restricted, count(*) FILTER (WHERE ${masked} AND NOT ${restricted})::int AS masked
       FROM ${table} t WHERE ${all.sql}`,
    all.params,
  );
  return { ...clear, skipped: { masked: rows[0].masked, restricted: rows[0].restricted } };
}
