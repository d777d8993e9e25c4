// A subject's rows deleted one index range per statement (postgres-erase.ts runs it in lanes):
// the cheapest batched DELETE PostgreSQL offers, one pass over the rows like a single DELETE.
import { escapeIdentifier as q, type Pool } from 'pg';
import { ERASE_BATCH, measuredBatch, noBatches, timed, type BatchStats, type OnBatch } from './batches';
import { tableRef, type PgCollection } from './sql';

/** Whether the planner's statistics say `column` holds at least one distinct value in ten rows. */
export async function mostlyDistinct(pool: Pool, entry: PgCollection, column: string): Promise<boolean> {
  const { rows } = await pool.query<{ d: number }>(
    'SELECT n_distinct AS d FROM pg_stats WHERE schemaname = $1 AND tablename = $2 AND attname = $3',
    [entry.schema ?? 'public', entry.table, column],
  );
  return rows.length > 0 && rows[0].d <= -0.1;
}

/**
 * Deletes every row matching `where` along the indexed column `along`, one index range per
 * statement: the range's end is read first (the `batch`-th row from where the last range ended,
 * an index-only read while the pages are all-visible), then the range is deleted as a plain
 * `DELETE … WHERE along BETWEEN` — one pass over the rows, as a single DELETE makes. Rows equal to
 * the end go with their range, so a range may hold a few more than `batch`. Batches grow by
 * measurement (batches.ts measuredBatch) unless `batch` is given. Rows whose `along` is NULL are
 * left (the last statement deletes them).
 */
export async function deleteInRanges(
  pool: Pool,
  entry: PgCollection,
  where: string,
  params: unknown[],
  along: string,
  opts: { batch?: number; onBatch?: OnBatch } = {},
): Promise<BatchStats> {
  let batch = opts.batch ?? ERASE_BATCH;
  const stats = noBatches();
  const col = `t.${q(along)}`;
  const k = params.length;
  let from: unknown = null;
  for (;;) {
    const after = from === null ? '' : ` AND ${col} > $${k + 1}`;
    const bound = from === null ? params : [...params, from];
    const { rows: ends } = await timed(
      stats,
      () =>
        pool.query(
          `SELECT ${col}::text AS c FROM ${tableRef(entry)} t WHERE ${where}${after} ORDER BY ${col} OFFSET ${batch - 1} LIMIT 1`,
          bound,
        ),
      false,
    );
    // as text, so the bound keeps the column's full precision (a JS Date would cut microseconds and could stall on ties)
    const end: string | null = ends[0]?.c ?? null;
    const upTo = end === null ? ` AND ${col} IS NOT NULL` : ` AND ${col} <= $${bound.length + 1}`;
    const t0 = performance.now();
    const r = await timed(stats, () =>
      pool.query(`DELETE FROM ${tableRef(entry)} t WHERE ${where}${after}${upTo}`, end === null ? bound : [...bound, end]),
    );
    const n = r.rowCount ?? 0;
    stats.rows += n;
    await opts.onBatch?.(n);
    if (end === null) return stats;
    from = end;
    if (opts.batch === undefined) batch = measuredBatch(batch, performance.now() - t0);
  }
}
