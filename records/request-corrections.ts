// The request_corrections table: the new values a correction request asks for. They are
// personal data and stay here, never in Temporal or the audit trail.
import type { Queryable } from './db';

export async function saveCorrections(db: Queryable, requestId: string, corrections: Record<string, string>): Promise<void> {
  for (const [field, value] of Object.entries(corrections)) {
    await db.query('INSERT INTO request_corrections (request_id, field, new_value) VALUES ($1, $2, $3)', [requestId, field, value]);
  }
}

/** field → new value */
export async function loadCorrections(db: Queryable, requestId: string): Promise<Record<string, string>> {
  const { rows } = await db.query<{ field: string; new_value: string }>(
    'SELECT field, new_value FROM request_corrections WHERE request_id = $1',
    [requestId],
  );
  return Object.fromEntries(rows.map((r) => [r.field, r.new_value]));
}
