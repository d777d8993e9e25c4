// The retention sweep on a MySQL collection: rows older than a cutoff deleted oldest first, in
// batches along the timestamp's index, in SWEEP_LANES time slices side by side; rows of subjects
// under a legal hold are skipped and counted.
import { sumBatches, SWEEP_LANES } from './batches';
import { and, notHeldWhere, openTable, select, subjectWhere, type MyCollection, type Sql } from './mysql';
import { deleteAlong, fromSqlTime } from './mysql-erase';
import type { Predicate } from './selector';
import type { SweepStats } from './sql-connector';
import { durationSteps } from '../../schemas/duration';

/** A Date as a DATETIME literal's text (UTC sessions). */
const toSqlTime = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

export async function sweepExpiredRows(entry: MyCollection, held: Predicate[], column: string, age: string): Promise<SweepStats> {
  const table = await openTable(entry);
  const col = table.col(column);
  const { months, seconds } = durationSteps(age);
  // One cutoff for the whole run, from the server's clock, so every batch applies the same rule.
  const [bounds] = await select<{ cutoff: string; lo: string | null }>(
    table,
    `SELECT DATE_SUB(DATE_SUB(NOW(6), INTERVAL ? MONTH), INTERVAL ? SECOND) AS cutoff, (SELECT MIN(${col}) FROM ${table.ref}) AS lo`,
    [months, seconds],
  );
  const before: Sql = { sql: `${col} < ?`, params: [bounds.cutoff] };
  let heldSkipped = 0;
  if (held.length) {
    const h = subjectWhere(table, held);
    const w = and(before, { sql: `COALESCE(${h.sql}, FALSE)`, params: h.params });
    const [row] = await select<{ n: number | string }>(table, `SELECT COUNT(*) AS n FROM ${table.ref} WHERE ${w.sql}`, w.params);
    heldSkipped = Number(row.n);
  }
  const lo = fromSqlTime(bounds.lo);
  const cutoff = fromSqlTime(bounds.cutoff)!;
  if (!lo || lo >= cutoff) return { rows: 0, statements: 0, longestStatementMs: 0, heldSkipped };
  // Time slices between the oldest row and the cutoff, swept side by side; the first is open
  // below and the last ends at the exact cutoff, so together they hold every expired row.
  const span = cutoff.getTime() - lo.getTime();
  const inner = Array.from({ length: SWEEP_LANES - 1 }, (_, i) =>
    toSqlTime(new Date(lo.getTime() + Math.floor((span * (i + 1)) / SWEEP_LANES))),
  );
  const notHeld = notHeldWhere(table, held);
  const lanes = await Promise.all(
    Array.from({ length: SWEEP_LANES }, (_, i) => {
      const from: Sql = i === 0 ? { sql: 'TRUE', params: [] } : { sql: `${col} >= ?`, params: [inner[i - 1]] };
      const to: Sql = i === SWEEP_LANES - 1 ? before : { sql: `${col} < ?`, params: [inner[i]] };
      return deleteAlong(table, and(from, to, notHeld), column);
    }),
  );
  return { ...sumBatches(lanes), heldSkipped };
}
