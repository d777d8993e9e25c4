// What placing and releasing a legal hold asks of Temporal: resolve the held subject's identities
// (so the hold keeps covering rows after the account is gone), and wake every request of that
// subject waiting on_hold. Both within a deadline: an unreachable Temporal never fails the hold —
// the daily sweep resolves held subjects again, and a waiting request re-checks its holds daily.
import { WorkflowNotFoundError } from '@temporalio/client';
import { onHoldRequestsOf } from '../records/legal-holds';
import { HOLD_IDENTITIES_WORKFLOW, holdReleasedSignal } from '../schemas/contract';
import type { ApiDeps } from './deps';
import { withinDeadline } from './workflows';

/** How long the hold route waits for the held subject's resolution before answering anyway. */
const RESOLVE_TIMEOUT_MS = 10_000;
const SIGNAL_TIMEOUT_MS = 3_000;

interface WarnLog {
  warn(details: object, message: string): void;
}

/** Resolves the hold's subject through the data map in the worker and stores what it found with the hold. */
export async function resolveHeldSubject(deps: ApiDeps, holdId: string, log: WarnLog): Promise<boolean> {
  try {
    await withinDeadline(deps, 'legal hold resolution', RESOLVE_TIMEOUT_MS, async () => {
      const handle = await deps.temporal.workflow.start(HOLD_IDENTITIES_WORKFLOW, {
        workflowId: `legal-hold:${holdId}`,
        taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
        args: [holdId],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      await handle.result();
    });
    return true;
  } catch (err) {
    log.warn({ holdId, err: (err as Error).message }, 'legal hold identities not resolved now; the retention sweep resolves them');
    return false;
  }
}

/** Signals each request this hold kept waiting: it checks its holds and resumes if none is left. Returns how many were told. */
export async function signalHoldReleased(deps: ApiDeps, holdId: string, log: WarnLog): Promise<number> {
  let told = 0;
  for (const requestId of await onHoldRequestsOf(deps.engineDb, holdId)) {
    try {
      await withinDeadline(deps, 'hold release signal', SIGNAL_TIMEOUT_MS, () =>
        deps.temporal.workflow.getHandle(requestId).signal(holdReleasedSignal, { holdId }),
      );
      told++;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) continue;
      log.warn({ requestId, holdId, err: (err as Error).message }, 'hold release not signalled; the request re-checks its holds daily');
    }
  }
  return told;
}
