// The verification_attempts table: failed verification attempts, shared by every API instance.
import type { Queryable } from './db';

export async function recordFailedVerification(db: Queryable, a: { requestId: string; clientKey: string }): Promise<void> {
  await db.query('INSERT INTO verification_attempts (request_id, client_key) VALUES ($1, $2)', [a.requestId, a.clientKey]);
}

/** Failed attempts at this request since its newest verification code was issued (all of them if it has none). */
export async function failuresForRequest(db: Queryable, requestId: string): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM verification_attempts
      WHERE request_id = $1
        AND at >= coalesce((SELECT max(created_at) FROM verification_tokens WHERE request_id = $1), '-infinity'::timestamptz)`,
    [requestId],
  );
  return Number(rows[0].n);
}

/** Failed attempts from one client address in the last `windowSeconds`. */
export async function failuresFromClient(db: Queryable, clientKey: string, windowSeconds: number): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM verification_attempts WHERE client_key = $1 AND at > now() - make_interval(secs => $2)`,
    [clientKey, windowSeconds],
  );
  return Number(rows[0].n);
}

/** Removes attempts older than `hours`: they no longer count towards any limit. Returns how many. */
export async function deleteVerificationAttemptsBefore(db: Queryable, hours: number): Promise<number> {
  const { rowCount } = await db.query('DELETE FROM verification_attempts WHERE at < now() - make_interval(hours => $1)', [hours]);
  return rowCount ?? 0;
}
