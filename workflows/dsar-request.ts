// The request workflow. Deterministic: no I/O, no clocks but the SDK's, no randomness here;
// every side effect is an activity. What a request touches, and in which order, comes from the
// compiled data map through the `resolveSubject` activity.
import { CancellationScope, condition, isCancellation, proxyActivities, setHandler, sleep, type RetryPolicy } from '@temporalio/workflow';
import { checkExtension, reminderAt } from '../schemas/deadline';
import type { DsarActivities } from '../activities';
import { completeManualTaskUpdate, denyUpdate, extendUpdate, stateQuery, verifyUpdate } from '../schemas/contract';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { Target } from '../schemas/datamap-graph';
import { attentionGuard, type AttentionGuard } from './attention';
import { deadlineKeeper, type DeadlineKeeper } from './deadline-laws';
import { addIsoDuration } from '../schemas/duration';
import type { CollectionProgress } from '../schemas/request';
import { CLOSED_TO_VERIFICATION, TERMINAL_STATUSES } from '../schemas/status';
import {
  DENIAL_REASONS,
  type CollectionExportResult,
  type DsarRequestInput,
  type DsarRequestState,
  type ErasureOutcome,
  type ManualTaskCompletion,
  type RequestWork,
} from '../schemas/workflow';

const retry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' };

// Engine-database writes (projection, audit, manual tasks): short, so a dead worker is noticed in seconds.
const steps = proxyActivities<DsarActivities>({ startToCloseTimeout: '30 seconds', retry });
// Mail goes through the outbox and heartbeats while the SMTP server is talked to; the transport's own
// timeouts (SMTP_*_TIMEOUT_MS) fail a hung server within the budget.
const mailSteps = proxyActivities<DsarActivities>({ startToCloseTimeout: '30 seconds', heartbeatTimeout: '5 seconds', retry });
// Resolving the subject asks every store and processor: the longer budget it always had.
const lookupSteps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 minutes', retry });
// Reads, erasure and packaging move large data: long budget, but heartbeats reveal a dead worker fast.
const dataSteps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '10 seconds', retry });

/** A store that still has rows due after erasure is erased again, at most this often. */
const ERASE_ATTEMPTS = 3;
type ManualOperation = 'read' | 'erase' | 'correct';

export async function dsarRequest(input: DsarRequestInput): Promise<DsarRequestState> {
  const { requestId } = input;
  const state: DsarRequestState = { requestId, type: input.type, status: 'received', progress: [], extensions: 0, overdue: false };
  let clockVersion = 0;
  const deadline = deadlineKeeper(input, state, { steps, mailSteps }, () => clockVersion++);
  let verified = input.preVerified === true;
  let answering = false;
  const manualDone = new Map<string, ManualTaskCompletion>();
  const openManualTasks = new Map<string, ManualOperation>();
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
      await mailSteps.applyExtension(requestId, ext);
      return { dueAt: state.dueAt };
    },
    {
      validator: (ext) => {
        if (TERMINAL_STATUSES.has(state.status)) throw new Error(`request is ${state.status}`);
        const current = { ...deadline.current(), dueAt: new Date(state.dueAt!) };
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
        if (TERMINAL_STATUSES.has(state.status) || state.denial)
          throw new Error(`request is ${state.denial ? 'denied' : state.status} and can no longer be denied`);
        if (answering) throw new Error('the request is being answered (its work is done) and can no longer be denied');
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
        const operation = openManualTasks.get(done.store);
        if (!operation || manualDone.has(done.store)) throw new Error(`no open manual task for store ${done.store}`);
        const outcome = done.outcome ?? 'done';
        if (operation === 'read' && outcome === 'done')
          throw new Error('a task to provide data is completed by an upload or by "nothing held"');
        if (operation !== 'read' && outcome !== 'done')
          throw new Error(`a task to ${operation === 'erase' ? 'delete' : 'correct'} is completed as done`);
      },
    },
  );

  const guard = attentionGuard(requestId, state, steps);

  // The deadline clock runs from receipt, beside the work, until the request is finished.
  const clock = deadlineClock(requestId, state, () => clockVersion);
  let afterCompletion: (() => Promise<void>) | undefined;
  try {
    afterCompletion = await work.run(() =>
      handle(input, state, { isVerified: () => verified, manualDone, openManualTasks, answer: () => (answering = true), guard, deadline }),
    );
  } catch (err) {
    if (!(state.denial && isCancellation(err))) throw err;
  }
  if (state.denial) {
    state.status = 'denied';
    await mailSteps.sendDenialNotice(requestId, state.denial);
    await steps.recordStep({
      requestId,
      status: 'denied',
      action: AUDIT_ACTIONS.requestDenied,
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
  /** The work is done and the subject is being told: from here a denial would contradict the answer. */
  answer(): void;
  manualDone: Map<string, ManualTaskCompletion>;
  openManualTasks: Map<string, ManualOperation>;
  /** Data steps run through it: one failing for good waits in needs_attention for a retry. */
  guard: AttentionGuard;
  /** The deadline under every law that applies (laws found in the subject's records tighten it). */
  deadline: DeadlineKeeper;
}

/** The request's work; may return a step to run after completion (the purge timer). */
async function handle(input: DsarRequestInput, state: DsarRequestState, signals: Signals): Promise<(() => Promise<void>) | undefined> {
  const { requestId } = input;
  const { guard } = signals;
  await steps.recordStep({
    requestId,
    status: 'received',
    action: AUDIT_ACTIONS.requestReceived,
    details: { type: input.type, jurisdiction: input.jurisdiction ?? 'policy', jurisdictions: input.jurisdictions, dueAt: state.dueAt },
  });
  await signals.deadline.acknowledgeReceipt(guard);

  if (!signals.isVerified()) {
    state.status = 'awaiting_verification';
    await guard.run(() => mailSteps.sendVerification(requestId));
    await steps.recordStep({ requestId, status: state.status, action: AUDIT_ACTIONS.verificationRequested });
    if (!(await condition(signals.isVerified, input.verificationTimeout))) {
      state.status = 'expired_unverified';
      await guard.run(() => mailSteps.sendUnverifiedNotice(requestId));
      await steps.recordStep({ requestId, status: state.status, action: AUDIT_ACTIONS.requestExpiredUnverified, completed: true });
      return undefined;
    }
  }

  state.status = 'in_progress';
  await steps.recordStep({
    requestId,
    status: state.status,
    action: AUDIT_ACTIONS.requestVerified,
    verified: true,
    details: { preVerified: input.preVerified === true },
  });
  const work = await guard.run(() => lookupSteps.resolveSubject(requestId));
  state.notIncluded = work.notIncluded;
  if (work.jurisdictions?.length) await signals.deadline.tighten(work.jurisdictions, guard);
  const manual = manualTasks(requestId, signals);

  if (input.type === 'deletion') return runDeletion(requestId, work, state, manual, signals.answer, guard);

  if (input.type === 'correction') {
    const targets = work.levels.flat();
    state.progress = [...targets.map(pending), ...notIncludedProgress(work)];
    state.corrections = await Promise.all(
      targets.map(async (t, i) => {
        const p = state.progress[i];
        await manual.run(t, 'correct', p);
        p.state = 'running';
        const o = await guard.run(() => dataSteps.correctTarget(requestId, t));
        p.state = 'done';
        p.rows = o.changes.reduce((n, c) => n + c.rows, 0);
        return o;
      }),
    );
    signals.answer();
    await guard.run(() => mailSteps.sendCorrectionNotice(requestId, state.corrections!));
    await complete(state, {
      fields: [...new Set(state.corrections.flatMap((o) => o.changes.map((c) => c.field)))],
      notIncluded: work.notIncluded.length,
    });
    return undefined;
  }

  const targets = work.levels.flat();
  state.progress = [...targets.map(pending), ...notIncludedProgress(work)];
  const results = await Promise.all(targets.map((t, i) => readOne(requestId, t, state.progress[i], manual, guard)));
  const pkg = await guard.run(() => dataSteps.packageExport(requestId, results));
  state.exportId = pkg.exportId;
  signals.answer();
  await guard.run(() => mailSteps.sendExportLink(requestId));

  await complete(state, {
    collections: pkg.collections,
    rows: pkg.rows,
    archiveSha256: pkg.sha256,
    notIncluded: work.notIncluded.map((n) => `${n.store}.${n.collection}`),
  });
  return undefined;
}

const pending = (t: Target): CollectionProgress => ({ store: t.store, collection: t.collection, state: 'pending' });
const notIncludedProgress = (work: RequestWork): CollectionProgress[] =>
  work.notIncluded.map((n) => ({ store: n.store, collection: n.collection, state: 'not_included', note: n.reason }));

/** The request is answered: status, projection and the audit event that closes it. */
async function complete(state: DsarRequestState, details: Record<string, unknown>): Promise<void> {
  state.status = 'completed';
  await steps.recordStep({
    requestId: state.requestId,
    status: state.status,
    action: AUDIT_ACTIONS.requestCompleted,
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
  const finished = () => TERMINAL_STATUSES.has(state.status) || state.denial !== undefined;
  const interrupted = (v: number) => () => finished() || version() !== v;
  for (;;) {
    if (finished()) return;
    const v = version();
    const due = Date.parse(state.dueAt!);
    const remind = reminderAt(new Date(due)).getTime();
    if (Date.now() < remind && (await condition(interrupted(v), remind - Date.now()))) continue;
    if (Date.now() < due && due - Date.now() < 7 * DAY_MS + 1000) await mailSteps.sendDeadlineReminder(requestId, state.dueAt!);
    if (finished() || version() !== v) continue;
    if (Date.now() < due && (await condition(interrupted(v), due - Date.now()))) continue;
    state.overdue = true;
    await mailSteps.escalateOverdue(requestId, state.dueAt!);
    await condition(interrupted(v));
  }
}

interface ManualTasks {
  /** For a manual store: opens its task, waits until an admin completes it, records it. Nothing for other kinds. */
  run(t: Target, operation: ManualOperation, p: CollectionProgress): Promise<ManualTaskCompletion | undefined>;
}

function manualTasks(requestId: string, signals: Signals): ManualTasks {
  return {
    async run(t, operation, p) {
      if (t.kind !== 'manual') return undefined;
      await steps.openManualTask(requestId, t.store, operation);
      signals.openManualTasks.set(t.store, operation);
      p.state = 'waiting';
      await condition(() => signals.manualDone.has(t.store));
      const done = signals.manualDone.get(t.store)!;
      await steps.recordManualTaskDone(requestId, done);
      return done;
    },
  };
}

async function readOne(
  requestId: string,
  t: Target,
  p: CollectionProgress,
  manual: ManualTasks,
  guard: AttentionGuard,
): Promise<CollectionExportResult> {
  await manual.run(t, 'read', p);
  p.state = 'running';
  const result = await guard.run(() => dataSteps.readTarget(requestId, t));
  p.state = 'done';
  p.rows = result.rows;
  return result;
}

async function runDeletion(
  requestId: string,
  work: RequestWork,
  state: DsarRequestState,
  manual: ManualTasks,
  answer: () => void,
  guard: AttentionGuard,
): Promise<(() => Promise<void>) | undefined> {
  const targets = work.levels.flat();
  state.progress = [...targets.map(pending), ...notIncludedProgress(work)];
  const progressOf = (t: Target) => state.progress[targets.indexOf(t)];
  // shared with the state as it grows: a query (or a denial) sees what finished so far
  const outcomes: ErasureOutcome[] = (state.outcomes = []);
  // Children before the collections they reference: a level starts when the one before is done.
  for (const level of work.levels)
    outcomes.push(...(await Promise.all(level.map((t) => eraseOne(requestId, t, progressOf(t), manual, guard)))));

  const purges = outcomes.filter((o) => o.action === 'purge' && o.purgeAfter);
  const now = new Date(Date.now()); // workflow time: deterministic
  const purgeAt = purges.length ? new Date(Math.max(...purges.map((o) => addIsoDuration(now, o.purgeAfter!).getTime()))) : undefined;
  state.purgeAt = purgeAt?.toISOString();

  answer();
  await guard.run(() => mailSteps.sendDeletionNotice(requestId, outcomes, state.purgeAt));
  await complete(state, {
    deleted: outcomes.reduce((n, o) => n + o.deleted, 0),
    masked: outcomes.reduce((n, o) => n + o.masked, 0),
    retained: outcomes.reduce((n, o) => n + o.retained, 0),
    remainingDue: outcomes.reduce((n, o) => n + o.remainingDue, 0),
    purgeAt: state.purgeAt,
    notIncluded: work.notIncluded.map((n) => `${n.store}.${n.collection}`),
  });

  if (!purgeAt) return undefined;
  // After completion (so a denial can no longer cancel it): the grace period, a durable timer.
  return async () => {
    await sleep(Math.max(0, purgeAt.getTime() - Date.now()));
    for (const o of purges) {
      const r = await guard.run(() => dataSteps.purgeTarget(requestId, { store: o.store, collection: o.collection, kind: o.kind }));
      o.deleted += r.deleted;
      o.remainingDue = r.remaining;
    }
    state.purgedAt = new Date(Date.now()).toISOString();
    await steps.recordStep({
      requestId,
      status: state.status,
      action: AUDIT_ACTIONS.requestPurged,
      progress: state.progress,
      details: { purged: purges.map((o) => `${o.store}.${o.collection}`), remainingDue: purges.reduce((n, o) => n + o.remainingDue, 0) },
    });
  };
}

async function eraseOne(
  requestId: string,
  t: Target,
  p: CollectionProgress,
  manual: ManualTasks,
  guard: AttentionGuard,
): Promise<ErasureOutcome> {
  const done = await manual.run(t, 'erase', p);
  p.state = 'running';
  const erase = () => guard.run(() => dataSteps.eraseTarget(requestId, t));
  let outcome: ErasureOutcome;
  if (done) {
    outcome = await erase();
    outcome = { ...outcome, note: `completed by ${done.by}` };
  } else {
    outcome = await erase();
    // rows written meanwhile (the product is live): erase again, a few times at most
    for (let attempt = 1; outcome.remainingDue > 0 && attempt < ERASE_ATTEMPTS; attempt++) {
      outcome = await erase();
    }
  }
  p.state = outcome.remainingDue > 0 ? 'failed' : 'done';
  p.rows = outcome.deleted + outcome.masked + outcome.retained + outcome.softDeleted;
  return outcome;
}
