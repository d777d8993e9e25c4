// The request workflow (DESIGN §6). Deterministic: no I/O, no clocks but the SDK's, no
// randomness here; every side effect is an activity.
import { condition, defineQuery, defineUpdate, proxyActivities, setHandler, sleep, type RetryPolicy } from '@temporalio/workflow';
import type { DsarActivities } from '../activities';
import type { Target } from '../schemas/datamap';
import { addIsoDuration } from '../schemas/duration';
import type { CollectionProgress } from '../schemas/request';
import {
  QUERY_STATE,
  UPDATE_COMPLETE_MANUAL_TASK,
  UPDATE_VERIFY,
  type CollectionExportResult,
  type DsarRequestInput,
  type DsarRequestState,
  type ErasureOutcome,
  type ManualTaskCompletion,
} from '../schemas/workflow';

const retry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' };

const steps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 minutes', retry });
// Reads, erasure and packaging move large data: long budget, but heartbeats reveal a dead worker fast.
const dataSteps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '10 seconds', retry });

export const stateQuery = defineQuery<DsarRequestState>(QUERY_STATE);
export const verifyUpdate = defineUpdate<{ status: DsarRequestState['status'] }>(UPDATE_VERIFY);
export const completeManualTaskUpdate = defineUpdate<{ store: string; completed: boolean }, [ManualTaskCompletion]>(UPDATE_COMPLETE_MANUAL_TASK);

const CLOSED_TO_VERIFICATION = new Set(['expired_unverified', 'denied', 'failed']);
/** A store that still has rows due after erasure is erased again, at most this often. */
const ERASE_ATTEMPTS = 3;

export async function dsarRequest(input: DsarRequestInput): Promise<DsarRequestState> {
  const { requestId } = input;
  const state: DsarRequestState = { requestId, type: input.type, status: 'received', progress: [] };
  let verified = input.preVerified === true;
  const manualDone = new Map<string, ManualTaskCompletion>();
  const openManualTasks = new Set<string>();

  setHandler(stateQuery, () => state);
  setHandler(
    verifyUpdate,
    () => {
      verified = true;
      return { status: state.status };
    },
    {
      validator: () => {
        if (CLOSED_TO_VERIFICATION.has(state.status)) throw new Error(`request is ${state.status} and can no longer be verified`);
      },
    },
  );
  setHandler(
    completeManualTaskUpdate,
    (done) => {
      manualDone.set(done.store, done);
      return { store: done.store, completed: true };
    },
    {
      validator: (done) => {
        if (!openManualTasks.has(done.store) && !manualDone.has(done.store)) throw new Error(`no open manual task for store ${done.store}`);
      },
    },
  );

  await steps.recordStep({ requestId, status: 'received', action: 'request.received', details: { type: input.type } });

  if (!verified) {
    state.status = 'awaiting_verification';
    await steps.sendVerification(requestId);
    await steps.recordStep({ requestId, status: state.status, action: 'verification.requested' });
    if (!(await condition(() => verified, input.verificationTimeout))) {
      state.status = 'expired_unverified';
      await steps.sendUnverifiedNotice(requestId);
      await steps.recordStep({ requestId, status: state.status, action: 'request.expired_unverified', completed: true });
      return state;
    }
  }

  state.status = 'in_progress';
  await steps.recordStep({ requestId, status: state.status, action: 'request.verified', verified: true, details: { preVerified: input.preVerified === true } });
  const targets = await steps.resolveSubject(requestId);

  if (input.type === 'deletion') {
    await runDeletion(requestId, targets, state, {
      open: (store) => openManualTasks.add(store),
      wait: async (store) => {
        await condition(() => manualDone.has(store));
        return manualDone.get(store)!;
      },
    });
    return state;
  }

  const readable = targets.filter((t) => t.kind === 'postgres');
  state.progress = readable.map((t): CollectionProgress => ({ store: t.store, collection: t.collection, state: 'pending' }));
  const results = await Promise.all(state.progress.map((p) => exportOne(requestId, p)));
  const pkg = await dataSteps.packageExport(requestId, results);
  state.exportId = pkg.exportId;
  await steps.sendExportLink(requestId);

  state.status = 'completed';
  await steps.recordStep({
    requestId,
    status: state.status,
    action: 'request.completed',
    completed: true,
    progress: state.progress,
    details: { collections: pkg.collections, rows: pkg.rows, archiveSha256: pkg.sha256 },
  });
  return state;
}

async function exportOne(requestId: string, p: CollectionProgress): Promise<CollectionExportResult> {
  p.state = 'running';
  const result = await dataSteps.exportCollection(requestId, p.store, p.collection);
  p.state = 'done';
  p.rows = result.rows;
  return result;
}

interface ManualTasks {
  open(store: string): void;
  wait(store: string): Promise<ManualTaskCompletion>;
}

async function runDeletion(requestId: string, targets: Target[], state: DsarRequestState, manual: ManualTasks): Promise<void> {
  state.progress = targets.map((t): CollectionProgress => ({ store: t.store, collection: t.collection, state: 'pending' }));
  const outcomes = await Promise.all(targets.map((t, i) => eraseOne(requestId, t, state.progress[i], manual)));
  state.outcomes = outcomes;

  const purges = outcomes.filter((o) => o.action === 'purge' && o.purgeAfter);
  const now = new Date(Date.now()); // workflow time: deterministic
  const purgeAt = purges.length ? new Date(Math.max(...purges.map((o) => addIsoDuration(now, o.purgeAfter!).getTime()))) : undefined;
  state.purgeAt = purgeAt?.toISOString();

  await steps.sendDeletionNotice(requestId, outcomes, state.purgeAt);
  state.status = 'completed';
  await steps.recordStep({
    requestId,
    status: state.status,
    action: 'request.completed',
    completed: true,
    progress: state.progress,
    details: {
      deleted: outcomes.reduce((n, o) => n + o.deleted, 0),
      masked: outcomes.reduce((n, o) => n + o.masked, 0),
      retained: outcomes.reduce((n, o) => n + o.retained, 0),
      remainingDue: outcomes.reduce((n, o) => n + o.remainingDue, 0),
      purgeAt: state.purgeAt,
    },
  });

  if (!purgeAt) return;
  await sleep(purgeAt.getTime() - now.getTime()); // the grace period: a durable timer
  for (const o of purges) {
    const r = await dataSteps.purgeCollection(requestId, o.store, o.collection);
    o.deleted += r.deleted;
    o.remainingDue = r.remaining;
  }
  state.purgedAt = new Date(Date.now()).toISOString();
  await steps.recordStep({
    requestId,
    status: state.status,
    action: 'request.purged',
    progress: state.progress,
    details: { purged: purges.map((o) => `${o.store}.${o.collection}`), remainingDue: purges.reduce((n, o) => n + o.remainingDue, 0) },
  });
}

async function eraseOne(requestId: string, t: Target, p: CollectionProgress, manual: ManualTasks): Promise<ErasureOutcome> {
  p.state = 'running';
  let outcome: ErasureOutcome;
  if (t.kind === 'postgres') {
    outcome = await dataSteps.eraseCollection(requestId, t.store, t.collection);
    for (let attempt = 1; outcome.remainingDue > 0 && attempt < ERASE_ATTEMPTS; attempt++) {
      outcome = await dataSteps.eraseCollection(requestId, t.store, t.collection);
    }
  } else if (t.kind === 'redis') {
    outcome = await steps.eraseRedisKeys(requestId, t.store);
  } else if (t.kind === 'http') {
    outcome = await steps.eraseAtProcessor(requestId, t.store);
  } else {
    await steps.openManualTask(requestId, t.store);
    manual.open(t.store);
    p.state = 'waiting';
    const done = await manual.wait(t.store);
    outcome = await steps.recordManualTaskDone(requestId, t.store, done.by, done.note);
  }
  p.state = outcome.remainingDue > 0 ? 'failed' : 'done';
  p.rows = outcome.deleted + outcome.masked + outcome.retained + outcome.softDeleted;
  return outcome;
}
