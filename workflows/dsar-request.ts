// The request workflow (DESIGN §6). Deterministic: no I/O, no clocks but the SDK's, no
// randomness here; every side effect is an activity.
import {
  CancellationScope,
  condition,
  defineQuery,
  defineUpdate,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
  type RetryPolicy,
} from '@temporalio/workflow';
import { checkExtension, computeDeadline, reminderAt } from '../schemas/deadline';
import type { DsarActivities } from '../activities';
import type { Target } from '../schemas/datamap';
import { addIsoDuration } from '../schemas/duration';
import type { CollectionProgress } from '../schemas/request';
import {
  DENIAL_REASONS,
  QUERY_STATE,
  UPDATE_COMPLETE_MANUAL_TASK,
  UPDATE_DENY,
  UPDATE_EXTEND,
  UPDATE_VERIFY,
  type Denial,
  type Extension,
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
export const extendUpdate = defineUpdate<{ dueAt: string }, [Extension]>(UPDATE_EXTEND);
export const denyUpdate = defineUpdate<{ status: DsarRequestState['status'] }, [Denial]>(UPDATE_DENY);
export const completeManualTaskUpdate = defineUpdate<{ store: string; completed: boolean }, [ManualTaskCompletion]>(
  UPDATE_COMPLETE_MANUAL_TASK,
);

const CLOSED_TO_VERIFICATION = new Set(['expired_unverified', 'denied', 'failed']);
const FINISHED = new Set(['completed', 'expired_unverified', 'denied', 'failed']);
/** A store that still has rows due after erasure is erased again, at most this often. */
const ERASE_ATTEMPTS = 3;

export async function dsarRequest(input: DsarRequestInput): Promise<DsarRequestState> {
  const { requestId } = input;
  const state: DsarRequestState = { requestId, type: input.type, status: 'received', progress: [], extensions: 0, overdue: false };
  // Workflow time (deterministic); the API passes the instant it stored as received.
  const deadline = computeDeadline(new Date(input.receivedAt ?? Date.now()), input.jurisdiction ?? 'policy', input.policyDays);
  state.dueAt = deadline.dueAt.toISOString();
  let verified = input.preVerified === true;
  let clockVersion = 0;
  const manualDone = new Map<string, ManualTaskCompletion>();
  const openManualTasks = new Set<string>();
  const work = new CancellationScope();

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
    extendUpdate,
    async (ext) => {
      state.extendedDueAt = ext.newDueAt;
      state.dueAt = ext.newDueAt;
      state.extensions = (state.extensions ?? 0) + 1;
      state.overdue = false;
      clockVersion++;
      await steps.applyExtension(requestId, ext);
      return { dueAt: state.dueAt };
    },
    {
      validator: (ext) => {
        if (FINISHED.has(state.status)) throw new Error(`request is ${state.status}`);
        const current = { ...deadline, dueAt: new Date(state.dueAt!) };
        const check = checkExtension(current, new Date(Date.now()), new Date(ext.newDueAt), state.extensions ?? 0, ext.reason ?? '');
        if (!check.ok) throw new Error(check.reason);
      },
    },
  );
  setHandler(
    denyUpdate,
    (denial) => {
      state.denial = denial;
      work.cancel();
      return { status: 'denied' };
    },
    {
      validator: (denial) => {
        if (FINISHED.has(state.status) || state.denial)
          throw new Error(`request is ${state.denial ? 'denied' : state.status} and can no longer be denied`);
        if (!DENIAL_REASONS.includes(denial.reason)) throw new Error(`reason must be one of ${DENIAL_REASONS.join(', ')}`);
        if (!denial.details?.trim()) throw new Error('details are required: the subject is told why');
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

  // The deadline clock runs from receipt, beside the work, until the request is finished.
  const clock = deadlineClock(requestId, state, () => clockVersion);
  let afterCompletion: (() => Promise<void>) | undefined;
  try {
    afterCompletion = await work.run(() => handle(input, state, { isVerified: () => verified, manualDone, openManualTasks }));
  } catch (err) {
    if (!(state.denial && isCancellation(err))) throw err;
  }
  if (state.denial) {
    state.status = 'denied';
    await steps.sendDenialNotice(requestId, state.denial);
    await steps.recordStep({
      requestId,
      status: 'denied',
      action: 'request.denied',
      actor: `admin:${state.denial.by}`,
      completed: true,
      details: { reason: state.denial.reason },
    });
  }
  await clock; // finished: the clock's timers are cancelled
  if (afterCompletion && !state.denial) await afterCompletion();
  return state;
}

interface Signals {
  isVerified(): boolean;
  manualDone: Map<string, ManualTaskCompletion>;
  openManualTasks: Set<string>;
}

/** The request's work; may return a step to run after completion (the purge timer). */
async function handle(input: DsarRequestInput, state: DsarRequestState, signals: Signals): Promise<(() => Promise<void>) | undefined> {
  const { requestId } = input;
  await steps.recordStep({
    requestId,
    status: 'received',
    action: 'request.received',
    details: { type: input.type, jurisdiction: input.jurisdiction ?? 'policy', dueAt: state.dueAt },
  });

  if (!signals.isVerified()) {
    state.status = 'awaiting_verification';
    await steps.sendVerification(requestId);
    await steps.recordStep({ requestId, status: state.status, action: 'verification.requested' });
    if (!(await condition(signals.isVerified, input.verificationTimeout))) {
      state.status = 'expired_unverified';
      await steps.sendUnverifiedNotice(requestId);
      await steps.recordStep({ requestId, status: state.status, action: 'request.expired_unverified', completed: true });
      return undefined;
    }
  }

  state.status = 'in_progress';
  await steps.recordStep({
    requestId,
    status: state.status,
    action: 'request.verified',
    verified: true,
    details: { preVerified: input.preVerified === true },
  });
  const targets = await steps.resolveSubject(requestId);

  if (input.type === 'deletion') {
    return runDeletion(requestId, targets, state, {
      open: (store) => signals.openManualTasks.add(store),
      wait: async (store) => {
        await condition(() => signals.manualDone.has(store));
        return signals.manualDone.get(store)!;
      },
    });
  }

  if (input.type === 'correction') {
    const toCorrect = await steps.correctionTargets(requestId);
    state.progress = toCorrect.map((t): CollectionProgress => ({ store: t.store, collection: t.collection, state: 'pending' }));
    state.corrections = await Promise.all(
      toCorrect.map(async (t, i) => {
        state.progress[i].state = 'running';
        const o = await dataSteps.correctTarget(requestId, t);
        state.progress[i].state = 'done';
        state.progress[i].rows = o.changes.reduce((n, c) => n + c.rows, 0);
        return o;
      }),
    );
    await steps.sendCorrectionNotice(requestId, state.corrections);
    await complete(state, { fields: [...new Set(state.corrections.flatMap((o) => o.changes.map((c) => c.field)))] });
    return undefined;
  }

  const readable = targets.filter((t) => t.kind === 'postgres');
  state.progress = readable.map((t): CollectionProgress => ({ store: t.store, collection: t.collection, state: 'pending' }));
  const results = await Promise.all(state.progress.map((p) => exportOne(requestId, p)));
  const pkg = await dataSteps.packageExport(requestId, results);
  state.exportId = pkg.exportId;
  await steps.sendExportLink(requestId);

  await complete(state, { collections: pkg.collections, rows: pkg.rows, archiveSha256: pkg.sha256 });
  return undefined;
}

/** The request is answered: status, projection and the audit event that closes it. */
async function complete(state: DsarRequestState, details: Record<string, unknown>): Promise<void> {
  state.status = 'completed';
  await steps.recordStep({
    requestId: state.requestId,
    status: state.status,
    action: 'request.completed',
    completed: true,
    progress: state.progress,
    details: { ...details, overdue: state.overdue },
  });
}

const DAY_MS = 86_400_000;

/**
 * Reminds the privacy team 7 days before the due date and escalates when it passes; an
 * extension moves both (a new version restarts the loop); finishing the request ends it.
 */
async function deadlineClock(requestId: string, state: DsarRequestState, version: () => number): Promise<void> {
  const finished = () => FINISHED.has(state.status) || state.denial !== undefined;
  const interrupted = (v: number) => () => finished() || version() !== v;
  for (;;) {
    if (finished()) return;
    const v = version();
    const due = Date.parse(state.dueAt!);
    const remind = reminderAt(new Date(due)).getTime();
    if (Date.now() < remind && (await condition(interrupted(v), remind - Date.now()))) continue;
    if (Date.now() < due && due - Date.now() < 7 * DAY_MS + 1000) await steps.sendDeadlineReminder(requestId, state.dueAt!);
    if (finished() || version() !== v) continue;
    if (Date.now() < due && (await condition(interrupted(v), due - Date.now()))) continue;
    state.overdue = true;
    await steps.escalateOverdue(requestId, state.dueAt!);
    await condition(interrupted(v));
  }
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

async function runDeletion(
  requestId: string,
  targets: Target[],
  state: DsarRequestState,
  manual: ManualTasks,
): Promise<(() => Promise<void>) | undefined> {
  state.progress = targets.map((t): CollectionProgress => ({ store: t.store, collection: t.collection, state: 'pending' }));
  const outcomes = await Promise.all(targets.map((t, i) => eraseOne(requestId, t, state.progress[i], manual)));
  state.outcomes = outcomes;

  const purges = outcomes.filter((o) => o.action === 'purge' && o.purgeAfter);
  const now = new Date(Date.now()); // workflow time: deterministic
  const purgeAt = purges.length ? new Date(Math.max(...purges.map((o) => addIsoDuration(now, o.purgeAfter!).getTime()))) : undefined;
  state.purgeAt = purgeAt?.toISOString();

  await steps.sendDeletionNotice(requestId, outcomes, state.purgeAt);
  await complete(state, {
    deleted: outcomes.reduce((n, o) => n + o.deleted, 0),
    masked: outcomes.reduce((n, o) => n + o.masked, 0),
    retained: outcomes.reduce((n, o) => n + o.retained, 0),
    remainingDue: outcomes.reduce((n, o) => n + o.remainingDue, 0),
    purgeAt: state.purgeAt,
  });

  if (!purgeAt) return undefined;
  // After completion (so a denial can no longer cancel it): the grace period, a durable timer.
  return async () => {
    await sleep(Math.max(0, purgeAt.getTime() - Date.now()));
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
  };
}

async function eraseOne(requestId: string, t: Target, p: CollectionProgress, manual: ManualTasks): Promise<ErasureOutcome> {
  p.state = 'running';
  let outcome: ErasureOutcome;
  if (t.kind !== 'manual') {
    outcome = await dataSteps.eraseTarget(requestId, t);
    // rows written meanwhile (the product is live): erase again, a few times at most
    for (let attempt = 1; outcome.remainingDue > 0 && attempt < ERASE_ATTEMPTS; attempt++) {
      outcome = await dataSteps.eraseTarget(requestId, t);
    }
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
