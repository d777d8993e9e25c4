// The retention sweep on a PostgreSQL collection: rows older than a cutoff deleted oldest first,
// in batches along the timestamp's index, in SWEEP_LANES time slices side by side; rows of
// subjects under a legal hold are skipped and counted.
import { escapeIdentifier as q, type Pool } from 'pg';
import { sumBatches, SWEEP_LANES } from './batches';
import { deleteWhere } from './postgres-erase';
import type { Predicate } from './selector';
import type { SweepStats } from './sql-connector';
import { notHeldWhere, subjectWhere, tableRef, type PgCollection } from './sql';

export async function sweepExpiredRows(
  pool: Pool,
  entry: PgCollection,
  held: Predicate[],
  column: string,
  age: string,
): Promise<SweepStats> {
  const table = tableRef(entry);
  const col = `t.${q(column)}`;
  // One cutoff for the whole run, so every batch applies the same rule.
  const {
    rows: [bounds],
  } = await pool.query<{ cutoff: Date; lo: Date | null }>(
    `SELECT now() - $1::interval AS cutoff, (SELECT min(${col}) FROM ${table} t) AS lo`,
    [age],
  );
  const notHeld = notHeldWhere(held, 3);
  let heldSkipped = 0;
  if (held.length) {
    const h = subjectWhere(held, 2);
    const { rows } = await pool.query(`SELECT count(*)::bigint AS n FROM ${table} t WHERE ${col} < $1 AND coalesce(${h.sql}, false)`, [
      bounds.cutoff,
      ...h.params,
    ]);
    heldSkipped = Number(rows[0].n);
  }
  if (!bounds.lo || bounds.lo >= bounds.cutoff) return { rows: 0, statements: 0, longestStatementMs: 0, heldSkipped };
  // Equal time slices between the oldest row and the cutoff, swept side by side.
  const lo = bounds.lo.getTime();
  const span = bounds.cutoff.getTime() - lo;
  const edges = Array.from({ length: SWEEP_LANES + 1 }, (_, i) => new Date(lo + Math.floor((span * i) / SWEEP_LANES)));
  const lanes = await Promise.all(
    edges
      .slice(0, -1)
      .map((from, i) =>
        deleteWhere(
          pool,
          entry,
          `${col} >= $1 AND ${col} < $2 AND ${notHeld.sql}`,
          [from, i === SWEEP_LANES - 1 ? bounds.cutoff : edges[i + 1], ...notHeld.params],
          { advance: column },
        ),
      ),
  );
  return { ...sumBatches(lanes), heldSkipped };
}
