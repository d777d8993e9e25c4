// The work_admissions table: which requests hold a work slot (ACTIVE_REQUESTS_MAX) and which wait
// for one, in order of receipt. One advisory lock serialises the decisions, so the cap holds.
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from './db';

const ADMISSION_LOCK = 0x6473_6172; // 'dsar'

/**
 * Admits the earliest waiting requests while fewer than `max` hold a slot; returns every request
 * `by` ever admitted (besides itself), so a retried call wakes the same ones again.
 */
async function admitWaiting(client: PoolClient, max: number, by: string): Promise<string[]> {
  await client.query(
    `WITH free AS (
       SELECT greatest(0, $1::int - count(*))::int AS n FROM work_admissions WHERE admitted_at IS NOT NULL AND released_at IS NULL
     ), next AS (
       SELECT request_id FROM work_admissions WHERE admitted_at IS NULL ORDER BY received_at, request_id LIMIT (SELECT n FROM free)
     ), at AS (SELECT clock_timestamp() AS t)
     -- one instant for the whole call, taken under the lock: admission instants follow the order of admission
     UPDATE work_admissions w SET admitted_at = (SELECT t FROM at), admitted_by = $2 FROM next WHERE w.request_id = next.request_id`,
    [max, by],
  );
  const { rows } = await client.query<{ request_id: string }>(
    `SELECT request_id FROM work_admissions WHERE admitted_by = $1 AND request_id <> $1 ORDER BY received_at`,
    [by],
  );
  return rows.map((r) => r.request_id);
}

/** Queues the request (once per wait: a retried call keeps its place) and admits in order; whether it holds a slot, and the others admitted now. */
export function queueForAdmission(db: Pool, requestId: string, max: number): Promise<{ admitted: boolean; others: string[] }> {
  return inTransaction(db, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADMISSION_LOCK]);
    await client.query(
      `INSERT INTO work_admissions (request_id, received_at, queued_at)
       SELECT id, received_at, clock_timestamp() FROM requests WHERE id = $1
       -- a request that gave its slot back (it waited for a person) queues again by its receipt
       ON CONFLICT (request_id) DO UPDATE SET queued_at = excluded.queued_at, admitted_at = NULL, admitted_by = NULL, released_at = NULL
       WHERE work_admissions.released_at IS NOT NULL`,
      [requestId],
    );
    const others = await admitWaiting(client, max, requestId);
    const { rows } = await client.query<{ admitted: boolean }>(
      `SELECT admitted_at IS NOT NULL AS admitted FROM work_admissions WHERE request_id = $1`,
      [requestId],
    );
    if (!rows[0]) throw new Error(`request ${requestId} is not stored`);
    return { admitted: rows[0].admitted, others };
  });
}

/** Gives the request's slot back (a request that never held one leaves the queue); the requests admitted in its place. */
export function releaseSlot(db: Pool, requestId: string, max: number): Promise<string[]> {
  return inTransaction(db, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADMISSION_LOCK]);
    await client.query(
      `UPDATE work_admissions SET admitted_at = coalesce(admitted_at, clock_timestamp()), released_at = clock_timestamp()
       WHERE request_id = $1 AND released_at IS NULL`,
      [requestId],
    );
    return admitWaiting(client, max, requestId);
  });
}

/** How many hold a slot and how many wait (for tests and the dashboard). */
export async function admissionCounts(db: Pool): Promise<{ active: number; waiting: number }> {
  const { rows } = await db.query<{ active: string; waiting: string }>(
    `SELECT count(*) FILTER (WHERE admitted_at IS NOT NULL AND released_at IS NULL) AS active,
            count(*) FILTER (WHERE admitted_at IS NULL) AS waiting FROM work_admissions`,
  );
  return { active: Number(rows[0].active), waiting: Number(rows[0].waiting) };
}
