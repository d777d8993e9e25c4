// Manual tasks: stores no API reaches. The workflow opens one and waits for an admin.
import type { ManualStore } from '../schemas/datamap';
import type { ErasureOutcome } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { completeManualTask, insertManualTask } from '../records/manual-tasks';
import type { ActivityDeps } from './deps';
import { NOTHING_DONE } from './stores/connector';

export async function openManualTask(deps: ActivityDeps, requestId: string, store: string): Promise<void> {
  const spec = deps.dataMap.stores[store] as ManualStore;
  if (await insertManualTask(deps.engineDb, requestId, store, spec.instructions)) {
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
  await completeManualTask(deps.engineDb, requestId, store, by, note);
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
