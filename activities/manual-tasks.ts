// Manual tasks: stores no API reaches. The workflow opens one and waits for an admin: to delete
// or correct by hand, or to provide what the store holds (an upload, or "nothing held").
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { Operation } from '../schemas/store-kinds';
import type { ErasureOutcome, ManualTaskCompletion } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { completeManualTask, insertManualTask } from '../records/manual-tasks';
import type { ActivityDeps } from './deps';
import { NOTHING_DONE } from './stores/connector';

export type ManualOperation = Extract<Operation, 'read' | 'erase' | 'correct' | 'process'>;

const WHAT_TO_DO: Record<ManualOperation, string> = {
  read: 'Provide what this store holds about the subject: upload it (one or more files), or record that nothing is held. Then: ',
  erase: 'Delete what this store holds about the subject, then mark the task done. ',
  correct: "Correct the subject's data in this store as the request asks, then mark the task done. ",
  process: 'Apply the request (opt-out, limit, restriction or objection, see its type) in this store, then mark the task done. ',
};

export async function openManualTask(
  deps: ActivityDeps,
  requestId: string,
  store: string,
  operation: ManualOperation = 'erase',
): Promise<void> {
  const node = deps.dataMap.node({ store, collection: 'manual_task' });
  if (node.kind !== 'manual') throw new Error(`${store} is not a manual store`);
  if (
    await insertManualTask(deps.engineDb, { requestId, store, operation, instructions: WHAT_TO_DO[operation] + node.spec.instructions })
  ) {
    await appendAudit(deps.engineDb, {
      eventKey: `${requestId}:manual.opened:${store}`,
      requestId,
      actor: 'worker',
      action: AUDIT_ACTIONS.manualTaskOpened,
      store,
      details: { operation },
    });
  }
}

/** Closes the task as the admin completed it; for a deletion, its outcome (counts are the team's, not re-queried). */
export async function recordManualTaskDone(deps: ActivityDeps, requestId: string, done: ManualTaskCompletion): Promise<ErasureOutcome> {
  const outcome = done.outcome ?? 'done';
  await completeManualTask(deps.engineDb, { requestId, store: done.store, by: done.by, note: done.note, outcome });
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:manual.completed:${done.store}`,
    requestId,
    actor: `admin:${done.by}`,
    action: AUDIT_ACTIONS.manualTaskCompleted,
    store: done.store,
    collection: 'manual_task',
    details: { outcome },
  });
  return {
    ...NOTHING_DONE,
    store: done.store,
    collection: 'manual_task',
    kind: 'manual',
    action: 'manual',
    note: `completed by ${done.by}`,
  };
}
