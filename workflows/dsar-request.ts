// The request workflow. Deterministic: no I/O, no clocks but the SDK's, no randomness here;
// every side effect is an activity. What a request touches, and in which order, comes from the
// compiled data map through the `resolveSubject` activity.
import { CancellationScope, condition, isCancellation, patched, setHandler } from '@temporalio/workflow';
import { checkExtension, reminderAt } from '../schemas/deadline';
import {
  acceptObjectionUpdate,
  completeManualTaskUpdate,
  denyUpdate,
  extendUpdate,
  holdReleasedSignal,
  stateQuery,
  verifyUpdate,
} from '../schemas/contract';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { admissionGate, type AdmissionGate } from './admission';
import { attentionGuard, type AttentionGuard } from './attention';
import { deadlineKeeper, type DeadlineKeeper } from './deadline-laws';
import { runDeletion } from './deletion';
import { runLeanDeletion } from './deletion-lean';
import { runProcessing } from './processing';
import { readByStore, readOne, type ManualOperation, type ManualTasks } from './export-reads';
import { DIRECT_MARKETING, isProcessingType } from '../schemas/processing';
import {
  complete,
  dataSteps,
  LEAN_STEPS_PATCH,
  localSteps,
  lookupSteps,
  mailSteps,
  notIncludedProgress,
  pending,
  steps,
  type RecordSteps,
} from './request-steps';
import { CLOSED_TO_VERIFICATION, TERMINAL_STATUSES } from '../schemas/status';
import { DENIAL_REASONS, type DsarRequestInput, type DsarRequestState, type ManualTaskCompletion } from '../schemas/workflow';

export async function dsarRequest(input: DsarRequestInput): Promise<DsarRequestState> {
  const { requestId } = input;
  // decided once, at the start: a request keeps the step code it was started with
  const lean = patched(LEAN_STEPS_PATCH);
  const record: RecordSteps = lean ? localSteps : steps;
  const state: DsarRequestState = { requestId, type: input.type, status: 'received', progress: [], extensions: 0, overdue: false };
  let clockVersion = 0;
  const deadline = deadlineKeeper(input, state, { steps, mailSteps }, () => clockVersion++);
  let verified = input.preVerified === true;
  let answering = false;
  const manualDone = new Map<string, ManualTaskCompletion>();
  const openManualTasks = new Map<string, ManualOperation>();
  const work = new CancellationScope();
  let holdReleases = 0;
  let objectionAccepted = input.type !== 'objection' || input.purpose === DIRECT_MARKETING;
  let acceptedBy: string | undefined;

  setHandler(stateQuery, () => state);
  setHandler(holdReleasedSignal, () => void holdReleases++);
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
        if (denial.reason === 'compelling_legitimate_grounds' && (input.type !== 'objection' || input.purpose === DIRECT_MARKETING))
          throw new Error(
            'compelling legitimate grounds can refuse only an objection to a purpose other than direct marketing (GDPR Art. 21)',
          );
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
          throw new Error(
            `a task to ${operation === 'erase' ? 'delete' : operation === 'process' ? 'apply the request' : 'correct'} is completed as done`,
          );
      },
    },
  );

  setHandler(
    acceptObjectionUpdate,
    (decision: { by: string }) => {
      objectionAccepted = true;
      acceptedBy = decision.by;
      return { status: state.status };
    },
    {
      validator: (_decision: { by: string }) => {
        if (objectionAccepted || TERMINAL_STATUSES.has(state.status) || state.denial)
          throw new Error('no objection waits for a decision on this request');
      },
    },
  );

  const gate = admissionGate(requestId, localSteps);
  const guard = attentionGuard(requestId, state, steps, lean ? gate : undefined);

  // The deadline clock runs from receipt, beside the work, until the request is finished.
  const clock = deadlineClock(requestId, state, () => clockVersion);
  try {
    await work.run(() =>
      handle(input, state, {
        isVerified: () => verified,
        manualDone,
        openManualTasks,
        answer: () => (answering = true),
        guard,
        holdReleases: () => holdReleases,
        deadline,
        objectionAccepted: () => objectionAccepted,
        acceptedBy: () => acceptedBy,
        lean,
        record,
        gate,
      }),
    );
  } catch (err) {
    if (!(state.denial && isCancellation(err))) throw err;
  }
  if (state.denial) {
    state.status = 'denied';
    if (lean) await gate.leave();
    await mailSteps.sendDenialNotice(requestId, state.denial);
    await record.recordStep({
      requestId,
      status: 'denied',
      action: AUDIT_ACTIONS.requestDenied,
      actor: `admin:${state.denial.by}`,
      completed: true,
      details: { reason: state.denial.reason },
    });
  }
  await clock; // finished: the clock's timers are cancelled
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
  /** How many hold-release signals arrived (a deletion on_hold re-checks its holds on each). */
  holdReleases(): number;
  /** The deadline under every law that applies (laws found in the subject's records tighten it). */
  deadline: DeadlineKeeper;
  /** An objection may proceed: to direct marketing at once, to another purpose once the privacy team accepts it. */
  objectionAccepted(): boolean;
  acceptedBy(): string | undefined;
  /** Started by the lean step code (LEAN_STEPS_PATCH). */
  lean: boolean;
  /** Engine writes: local activities in the lean step code. */
  record: RecordSteps;
  /** The work slot an export, access or deletion takes before its data steps (lean step code only). */
  gate: AdmissionGate;
}

/** The request's work, until it is answered (a deletion: until its purge is proven). */
async function handle(input: DsarRequestInput, state: DsarRequestState, signals: Signals): Promise<void> {
  const { requestId } = input;
  const { guard, record } = signals;
  await record.recordStep({
    requestId,
    status: 'received',
    action: AUDIT_ACTIONS.requestReceived,
    details: { type: input.type, jurisdiction: input.jurisdiction ?? 'policy', jurisdictions: input.jurisdictions, dueAt: state.dueAt },
  });
  await signals.deadline.acknowledgeReceipt(guard);

  if (!signals.isVerified()) {
    state.status = 'awaiting_verification';
    await guard.run(() => mailSteps.sendVerification(requestId));
    await record.recordStep({ requestId, status: state.status, action: AUDIT_ACTIONS.verificationRequested });
    if (!(await condition(signals.isVerified, input.verificationTimeout))) {
      state.status = 'expired_unverified';
      await guard.run(() => mailSteps.sendUnverifiedNotice(requestId));
      await record.recordStep({ requestId, status: state.status, action: AUDIT_ACTIONS.requestExpiredUnverified, completed: true });
      return;
    }
  }

  state.status = 'in_progress';
  await record.recordStep({
    requestId,
    status: state.status,
    action: AUDIT_ACTIONS.requestVerified,
    verified: true,
    details: { preVerified: input.preVerified === true },
  });
  const gated = signals.lean && (input.type === 'deletion' || input.type === 'export' || input.type === 'access');
  if (gated) await signals.gate.enter();
  const work = await guard.run(() => lookupSteps.resolveSubject(requestId));
  state.notIncluded = work.notIncluded;
  if (work.jurisdictions?.length) await signals.deadline.tighten(work.jurisdictions, guard);
  const manual = manualTasks(requestId, signals);

  if (input.type === 'deletion')
    return (signals.lean ? runLeanDeletion : runDeletion)(requestId, work, state, {
      jurisdiction: input.jurisdiction ?? 'policy',
      purgeMarginDays: input.purgeMarginDays,
      manual,
      answer: signals.answer,
      guard,
      holdReleases: signals.holdReleases,
      record,
      gate: signals.gate,
    });

  if (!signals.objectionAccepted()) {
    state.awaitingDecision = true;
    await condition(signals.objectionAccepted);
    state.awaitingDecision = false;
    await record.recordStep({
      requestId,
      status: state.status,
      action: AUDIT_ACTIONS.objectionAccepted,
      actor: `admin:${signals.acceptedBy()}`,
      details: { purpose: input.purpose },
    });
  }
  if (isProcessingType(input.type))
    return runProcessing(requestId, input.type, work, state, { manual, answer: signals.answer, guard, purpose: input.purpose });

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
    await complete(
      state,
      {
        fields: [...new Set(state.corrections.flatMap((o) => o.changes.map((c) => c.field)))],
        notIncluded: work.notIncluded.length,
      },
      record,
    );
    return;
  }

  const targets = work.levels.flat();
  state.progress = [...targets.map(pending), ...notIncludedProgress(work)];
  if (signals.lean) {
    const read = await readByStore(requestId, targets, state.progress, manual, guard);
    signals.answer();
    const { pkg, wake } = await guard.run(() =>
      dataSteps.deliverExport(requestId, read, {
        status: 'completed',
        action: AUDIT_ACTIONS.requestCompleted,
        completed: true,
        progress: state.progress,
        details: { notIncluded: work.notIncluded.map((n) => `${n.store}.${n.collection}`), overdue: state.overdue },
      }),
    );
    state.exportId = pkg.exportId;
    state.status = 'completed';
    await signals.gate.released(wake);
    return;
  }
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

function manualTasks(requestId: string, signals: Signals): ManualTasks {
  return {
    async run(t, operation, p) {
      if (t.kind !== 'manual') return undefined;
      await signals.record.openManualTask(requestId, t.store, operation);
      signals.openManualTasks.set(t.store, operation);
      p.state = 'waiting';
      await condition(() => signals.manualDone.has(t.store));
      const done = signals.manualDone.get(t.store)!;
      await signals.record.recordManualTaskDone(requestId, done);
      return done;
    },
  };
}
