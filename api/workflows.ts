// How the API starts and talks to request workflows (it never does the work itself). Every call
// that intake waits on has a short deadline: an unreachable Temporal must not hold an answer.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { listRequestsWithoutWorkflow, markWorkflowStarted, type StoredRequest } from '../records/requests';
import { DSAR_WORKFLOW, stateQuery } from '../schemas/contract';
import type { DsarRequestInput, DsarRequestState } from '../schemas/workflow';
import type { ApiDeps } from './deps';

type StartableRequest = Pick<
  StoredRequest,
  'id' | 'type' | 'receivedAt' | 'jurisdiction' | 'jurisdictions' | 'preVerified' | 'objectionPurpose'
>;

/** The sweep is not answering anyone, so its calls may wait longer than intake's. */
const SWEEP_CALL_TIMEOUT_MS = 5_000;
/** Requests younger than this are left to the intake that is starting them. */
export const SWEEP_GRACE_MS = 2_000;
const SWEEP_PAGE_SIZE = 100;
const SWEEP_DESCRIBE_CONCURRENCY = 10;
/** Status reads answer from the projection rather than wait longer for a live state. */
const QUERY_TIMEOUT_MS = 3_000;

class TemporalTimeout extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: Temporal did not answer within ${ms} ms`);
    this.name = 'TemporalTimeout';
  }
}

/**
 * Runs one Temporal call with a deadline: the gRPC deadline and an abort end the call itself,
 * and the timer answers even while the client is still backing off between retries.
 */
export async function withinDeadline<T>(deps: ApiDeps, what: string, ms: number, call: () => Promise<T>): Promise<T> {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new TemporalTimeout(what, ms));
    }, ms);
  });
  try {
    const attempt = deps.temporal.withDeadline(Date.now() + ms, () => deps.temporal.withAbortSignal(abort.signal, call));
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts the request's workflow within `timeoutMs` and records that it exists. Starting it again
 * is harmless (workflow ID = request ID, conflict policy USE_EXISTING).
 */
export async function ensureWorkflowStarted(
  deps: ApiDeps,
  r: StartableRequest,
  timeoutMs = deps.config.WORKFLOW_START_TIMEOUT_MS,
): Promise<void> {
  const requestId = r.id;
  const input: DsarRequestInput = {
    requestId,
    type: r.type,
    receivedAt: r.receivedAt.toISOString(),
    jurisdiction: r.jurisdiction,
    jurisdictions: r.jurisdictions,
    policyDays: deps.config.RESPONSE_DAYS,
    verificationTimeout: `${deps.config.VERIFICATION_TTL_HOURS} hours` as const,
    preVerified: r.preVerified,
    purgeMarginDays: deps.config.PURGE_SAFETY_MARGIN_DAYS,
  };
  if (r.type === 'objection') input.purpose = r.objectionPurpose ?? undefined;
  try {
    await withinDeadline(deps, 'workflow start', timeoutMs, () =>
      deps.temporal.workflow.start(DSAR_WORKFLOW, {
        workflowId: requestId,
        taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  await markWorkflowStarted(deps.engineDb, requestId);
}

interface WarnLog {
  warn(details: object, message: string): void;
}

/**
 * The start every intake path uses once the request is stored: a timeout or an unreachable
 * Temporal leaves the request to the pending-workflow sweep instead of failing the intake.
 * Returns whether the workflow is known to be started.
 */
export async function startWorkflowAtIntake(deps: ApiDeps, r: StartableRequest, log?: WarnLog): Promise<boolean> {
  try {
    await ensureWorkflowStarted(deps, r);
    return true;
  } catch (err) {
    log?.warn({ requestId: r.id, err: (err as Error).message }, 'workflow start deferred to the pending-workflow sweep');
    return false;
  }
}

/** The live state; a status read falls back to the stored projection when this fails or is slow. */
export async function queryState(deps: ApiDeps, requestId: string): Promise<DsarRequestState | null> {
  try {
    return await withinDeadline(deps, 'workflow query', QUERY_TIMEOUT_MS, () =>
      deps.temporal.workflow.getHandle(requestId).query(stateQuery),
    );
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return null;
    throw err;
  }
}

async function workflowExists(deps: ApiDeps, requestId: string): Promise<boolean> {
  try {
    await withinDeadline(deps, 'workflow describe', SWEEP_CALL_TIMEOUT_MS, () => deps.temporal.workflow.getHandle(requestId).describe());
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export interface SweepResult {
  /** Workflows this run started. */
  started: number;
  /** Requests whose workflow already existed (started but not recorded): now recorded. */
  alreadyStarted: number;
  /** Why the run stopped early (Temporal or the database failed), or null when none are left. */
  interrupted: string | null;
}

/**
 * Starts every stored request that has no workflow yet, oldest first (received_at, then id), page
 * by page until none is left or a call fails. Each is checked with Temporal first, so a request
 * whose start succeeded but was not recorded is only recorded, never started twice. Safe to run
 * from any number of API instances: a concurrent start of the same request meets USE_EXISTING.
 */
export async function startPendingWorkflows(deps: ApiDeps, opts: { pageSize?: number } = {}): Promise<SweepResult> {
  const result: SweepResult = { started: 0, alreadyStarted: 0, interrupted: null };
  const receivedBefore = new Date(Date.now() - SWEEP_GRACE_MS);
  let after: { receivedAt: Date; id: string } | undefined;
  for (;;) {
    const page = await listRequestsWithoutWorkflow(deps.engineDb, { receivedBefore, after, limit: opts.pageSize ?? SWEEP_PAGE_SIZE });
    if (!page.length) return result;
    const existing = await describeAll(
      deps,
      page.map((r) => r.id),
    );
    for (const [i, r] of page.entries()) {
      try {
        const exists = existing[i] as PromiseSettledResult<boolean> | undefined;
        if (!exists) throw new Error('workflow describe: not asked after an earlier failure');
        if (exists.status === 'rejected') throw exists.reason;
        if (exists.value) {
          await markWorkflowStarted(deps.engineDb, r.id);
          result.alreadyStarted++;
        } else {
          await ensureWorkflowStarted(deps, r, SWEEP_CALL_TIMEOUT_MS);
          result.started++;
        }
      } catch (err) {
        // stop here rather than skip ahead: the next run resumes with this one, keeping the order
        return { ...result, interrupted: (err as Error).message };
      }
      after = { receivedAt: r.receivedAt, id: r.id };
    }
  }
}

/**
 * Whether each workflow exists, asked a few at a time (the starts that follow stay one by one, in
 * order). Stops after the first batch with a failure: the sweep stops there anyway.
 */
async function describeAll(deps: ApiDeps, ids: string[]): Promise<PromiseSettledResult<boolean>[]> {
  const results: PromiseSettledResult<boolean>[] = [];
  for (let i = 0; i < ids.length; i += SWEEP_DESCRIBE_CONCURRENCY) {
    const batch = await Promise.allSettled(ids.slice(i, i + SWEEP_DESCRIBE_CONCURRENCY).map((id) => workflowExists(deps, id)));
    results.push(...batch);
    if (batch.some((b) => b.status === 'rejected')) break;
  }
  return results;
}

/**
 * Runs the sweep now and then every `intervalMs`, one run at a time (a long run delays the next
 * instead of overlapping it). `stop()` waits for a run in progress.
 */
export function schedulePendingWorkflowSweep(
  deps: ApiDeps,
  opts: { intervalMs: number; log: WarnLog & { info(details: object, message: string): void } },
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const runOnce = async () => {
    try {
      const r = await startPendingWorkflows(deps);
      if (r.started || r.alreadyStarted) opts.log.info({ ...r }, 'pending workflows started');
      if (r.interrupted) opts.log.warn({ ...r }, 'pending workflow sweep stopped early; the next run resumes');
    } catch (err) {
      opts.log.warn({ err: (err as Error).message }, 'pending workflow sweep failed');
    }
  };
  const tick = () => {
    running = runOnce().finally(() => {
      if (!stopped) timer = setTimeout(tick, opts.intervalMs).unref();
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
