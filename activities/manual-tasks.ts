// Manual tasks: stores no API reaches. The workflow opens one and waits for an admin.
import type { ManualStore } from '../schemas/datamap';
import type { ErasureOutcome } from '../schemas/workflow';
import { appendAudit } from './audit';
import type { ActivityDeps } from './deps';
import { NOTHING_DONE } from './stores/connector';

export async function openManualTask(deps: ActivityDeps, requestId: string, store: string): Promise<void> {
  const spec = deps.dataMap.stores[store] as ManualStore;
  const r = await deps.engineDb.query(
    'INSERT INTO manual_tasks (request_id, store, instructions) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [requestId, store, spec.instructions],
  );
  if (r.rowCount) {
    await appendAudit(deps.engineDb, {
      eventKey: `${requestId}:manual.opened:${store}`,
      requestId,
      actor: 'worker',
      action: 'manual_task.opened',
      store,
    });
  }
}

export async function recordManualTaskDone(
  deps: ActivityDeps,
  requestId: string,
  store: string,
  by: string,
  note: string,
): Promise<ErasureOutcome> {
  await deps.engineDb.query(
    'UPDATE manual_tasks SET completed_at = coalesce(completed_at, now()), completed_by = coalesce(completed_by, $3), note = coalesce(note, $4) WHERE request_id = $1 AND store = $2',
    [requestId, store, by, note],
  );
  const outcome: ErasureOutcome = {
    ...NOTHING_DONE,
    store,
    collection: 'manual_task',
    kind: 'manual',
    action: 'manual',
    note: `completed by ${by}`,
  };
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:erase:${store}.manual_task`,
    requestId,
    actor: `admin:${by}`,
    action: 'collection.erased',
    store,
    collection: 'manual_task',
    details: { ...outcome, store: undefined, collection: undefined },
  });
  return outcome;
}
