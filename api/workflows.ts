// How the API starts and talks to request workflows (it never does the work itself).
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { Pool } from 'pg';
import { listUnstartedRequests, type StoredRequest } from '../records/requests';
import { DSAR_WORKFLOW, stateQuery } from '../schemas/contract';
import type { DsarRequestInput, DsarRequestState } from '../schemas/workflow';
import type { ApiDeps } from './deps';

/** Starts the request's workflow; starting it again is harmless (workflow ID = request ID). */
export async function ensureWorkflowStarted(
  deps: ApiDeps,
  r: Pick<StoredRequest, 'id' | 'type' | 'receivedAt' | 'jurisdiction' | 'preVerified'>,
): Promise<void> {
  const requestId = r.id;
  const input: DsarRequestInput = {
    requestId,
    type: r.type,
    receivedAt: r.receivedAt.toISOString(),
    jurisdiction: r.jurisdiction,
    policyDays: deps.config.RESPONSE_DAYS,
    verificationTimeout: `${deps.config.VERIFICATION_TTL_HOURS} hours` as const,
    preVerified: r.preVerified,
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
  const unstarted = await listUnstartedRequests(db, olderThanSeconds);
  for (const r of unstarted) await ensureWorkflowStarted(deps, r);
  return unstarted.length;
}
