// How the API starts and talks to request workflows (it never does the work itself).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Jurisdiction } from '../schemas/deadline';
import type { RequestType } from '../schemas/request';
import { DSAR_WORKFLOW, stateQuery } from '../schemas/contract';
import type { DsarRequestInput, DsarRequestState } from '../schemas/workflow';
import type { ApiDeps } from './deps';

/** Starts the request's workflow; starting it again is harmless (workflow ID = request ID). */
export async function ensureWorkflowStarted(
  deps: ApiDeps,
  r: { id: string; type: RequestType; received_at: Date; jurisdiction: Jurisdiction; pre_verified?: boolean },
): Promise<void> {
  const requestId = r.id;
  const input: DsarRequestInput = {
    requestId,
    type: r.type,
    receivedAt: r.received_at.toISOString(),
    jurisdiction: r.jurisdiction,
    policyDays: deps.config.RESPONSE_DAYS,
    verificationTimeout: `${deps.config.VERIFICATION_TTL_HOURS} hours` as const,
    preVerified: r.pre_verified === true,
  };
  try {
    await deps.temporal.workflow.start(DSAR_WORKFLOW, {
      workflowId: requestId,
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

export async function queryState(deps: ApiDeps, requestId: string): Promise<DsarRequestState | null> {
  try {
    return await deps.temporal.workflow.getHandle(requestId).query(stateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

/**
 * Requests accepted while Temporal was unreachable are still `received` with no workflow:
 * start them now. Safe to run from any number of API instances.
 */
export async function startPendingWorkflows(deps: ApiDeps, db: Pool, olderThanSeconds = 30): Promise<number> {
  const { rows } = await db.query<{ id: string; type: RequestType; received_at: Date; jurisdiction: Jurisdiction; pre_verified: boolean }>(
    `SELECT id, type, received_at, jurisdiction, pre_verified FROM requests WHERE status = 'received' AND received_at < now() - make_interval(secs => $1) LIMIT 100`,
    [olderThanSeconds],
  );
  for (const r of rows) await ensureWorkflowStarted(deps, r);
  return rows.length;
}
