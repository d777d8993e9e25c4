// The erasure_progress table: rows deleted for one request and target (store.collection) across
// every attempt of its erase or purge, so a retry reports the total, not only what it deleted.
import type { Queryable } from './db';

export type ErasureOperation = 'erase' | 'purge';

export interface ProgressKey {
  requestId: string;
  /** `store.collection` (addressKey). */
  address: string;
  operation: ErasureOperation;
}

export interface ErasureProgress {
  deleted: number;
  statements: number;
  attempts: number;
}

/**
 * An attempt starts with `dueNow` rows due. On a later attempt, rows the previous one deleted
 * beyond what its batches recorded (due then − due now − recorded) are added: a batch that
 * committed in the product store just before its worker died.
 */
export async function startAttempt(db: Queryable, key: ProgressKey, dueNow: number): Promise<void> {
  // exact while only the engine changes the subject's rows; rows the product adds meanwhile make it a lower bound
  await db.query(
    `INSERT INTO erasure_progress (request_id, address, operation, due_at_mark) VALUES ($1, $2, $3, $4)
     ON CONFLICT (request_id, address, operation) DO UPDATE SET
       deleted = erasure_progress.deleted
         + greatest(0, erasure_progress.due_at_mark - EXCLUDED.due_at_mark - erasure_progress.recorded_since_mark),
       due_at_mark = EXCLUDED.due_at_mark,
       recorded_since_mark = 0,
       attempts = erasure_progress.attempts + 1,
       updated_at = now()`,
    [key.requestId, key.address, key.operation, dueNow],
  );
}

/** One batch committed in the product store: `rows` deleted by one statement. */
export async function recordBatch(db: Queryable, key: ProgressKey, rows: number): Promise<void> {
  await db.query(
    `UPDATE erasure_progress SET deleted = deleted + $4, recorded_since_mark = recorded_since_mark + $4,
            statements = statements + 1, updated_at = now()
      WHERE request_id = $1 AND address = $2 AND operation = $3`,
    [key.requestId, key.address, key.operation, rows],
  );
}

export async function erasureProgress(db: Queryable, key: ProgressKey): Promise<ErasureProgress | null> {
  const { rows } = await db.query<{ deleted: string; statements: string; attempts: number }>(
    'SELECT deleted, statements, attempts FROM erasure_progress WHERE request_id = $1 AND address = $2 AND operation = $3',
    [key.requestId, key.address, key.operation],
  );
  return rows[0] ? { deleted: Number(rows[0].deleted), statements: Number(rows[0].statements), attempts: rows[0].attempts } : null;
}
