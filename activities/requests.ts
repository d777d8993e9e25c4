import type { Pool } from 'pg';
import type { RequestStatus, RequestType } from '../schemas/request';

export interface RequestRecord {
  id: string;
  type: RequestType;
  status: RequestStatus;
  subjectEmail: string;
  receivedAt: Date;
  dueAt: Date;
}

export async function loadRequest(db: Pool, requestId: string): Promise<RequestRecord> {
  const { rows } = await db.query('SELECT id, type, status, subject_email, received_at, due_at FROM requests WHERE id = $1', [requestId]);
  if (!rows[0]) throw new Error(`request ${requestId} is not in the engine database`);
  const r = rows[0];
  return { id: r.id, type: r.type, status: r.status, subjectEmail: r.subject_email, receivedAt: r.received_at, dueAt: r.due_at };
}

export async function updateProjection(
  db: Pool,
  requestId: string,
  patch: { status: RequestStatus; verified?: boolean; completed?: boolean; progress?: unknown },
): Promise<void> {
  await db.query(
    `UPDATE requests SET status = $2,
        verified_at = CASE WHEN $3 THEN coalesce(verified_at, now()) ELSE verified_at END,
        completed_at = CASE WHEN $4 THEN coalesce(completed_at, now()) ELSE completed_at END,
        progress = coalesce($5::jsonb, progress),
        updated_at = now()
      WHERE id = $1`,
    [
      requestId,
      patch.status,
      patch.verified ?? false,
      patch.completed ?? false,
      patch.progress === undefined ? null : JSON.stringify(patch.progress),
    ],
  );
}
