// The manual_tasks table: work in stores no API reaches, opened by a request and marked done
// by an admin.
import type { Queryable } from './db';

/** What the task asks: provide the store's data (access, export), delete, or correct. */
export type ManualTaskOperation = 'read' | 'erase' | 'correct' | 'process';
export type ManualTaskOutcome = 'done' | 'uploaded' | 'nothing_held';

export interface OpenManualTask {
  requestId: string;
  store: string;
  operation: ManualTaskOperation;
  instructions: string;
  createdAt: Date;
}

/** Opens the task once; false when it was already open (or done). */
export async function insertManualTask(
  db: Queryable,
  t: { requestId: string; store: string; operation: ManualTaskOperation; instructions: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO manual_tasks (request_id, store, instructions, operation) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [t.requestId, t.store, t.instructions, t.operation],
  );
  return !!rowCount;
}

/** Marks the task done; the first completion (who, when, note, outcome) is kept. */
export async function completeManualTask(
  db: Queryable,
  t: { requestId: string; store: string; by: string; note: string; outcome: ManualTaskOutcome },
): Promise<void> {
  await db.query(
    `UPDATE manual_tasks SET completed_at = coalesce(completed_at, now()), completed_by = coalesce(completed_by, $3),
            note = coalesce(note, $4), outcome = coalesce(outcome, $5) WHERE request_id = $1 AND store = $2`,
    [t.requestId, t.store, t.by, t.note, t.outcome],
  );
}

interface ManualTaskRow {
  request_id: string;
  store: string;
  operation: ManualTaskOperation;
  instructions: string;
  created_at: Date;
}
const TASK_COLUMNS = 'request_id, store, operation, instructions, created_at';
const toOpenManualTask = (t: ManualTaskRow): OpenManualTask => ({
  requestId: t.request_id,
  store: t.store,
  operation: t.operation,
  instructions: t.instructions,
  createdAt: t.created_at,
});

/** The open task of a request for a store, if any (what an upload is for). */
export async function findOpenManualTask(db: Queryable, requestId: string, store: string): Promise<OpenManualTask | null> {
  const { rows } = await db.query<ManualTaskRow>(
    `SELECT ${TASK_COLUMNS} FROM manual_tasks WHERE request_id = $1 AND store = $2 AND completed_at IS NULL`,
    [requestId, store],
  );
  return rows[0] ? toOpenManualTask(rows[0]) : null;
}

/** Open tasks, oldest first. */
export async function listOpenManualTasks(db: Queryable): Promise<OpenManualTask[]> {
  const { rows } = await db.query<ManualTaskRow>(`SELECT ${TASK_COLUMNS} FROM manual_tasks WHERE completed_at IS NULL ORDER BY created_at`);
  return rows.map(toOpenManualTask);
}
