// The manual_tasks table: work in stores no API reaches, opened by a request and marked done
// by an admin.
import type { Queryable } from './db';

export interface OpenManualTask {
  requestId: string;
  store: string;
  instructions: string;
  createdAt: Date;
}

/** Opens the task once; false when it was already open (or done). */
export async function insertManualTask(db: Queryable, requestId: string, store: string, instructions: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO manual_tasks (request_id, store, instructions) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [requestId, store, instructions],
  );
  return !!rowCount;
}

/** Marks the task done; the first completion (who, when, note) is kept. */
export async function completeManualTask(db: Queryable, requestId: string, store: string, by: string, note: string): Promise<void> {
  await db.query(
    'UPDATE manual_tasks SET completed_at = coalesce(completed_at, now()), completed_by = coalesce(completed_by, $3), note = coalesce(note, $4) WHERE request_id = $1 AND store = $2',
    [requestId, store, by, note],
  );
}

/** Open tasks, oldest first. */
export async function listOpenManualTasks(db: Queryable): Promise<OpenManualTask[]> {
  const { rows } = await db.query<{ request_id: string; store: string; instructions: string; created_at: Date }>(
    'SELECT request_id, store, instructions, created_at FROM manual_tasks WHERE completed_at IS NULL ORDER BY created_at',
  );
  return rows.map((t) => ({ requestId: t.request_id, store: t.store, instructions: t.instructions, createdAt: t.created_at }));
}
