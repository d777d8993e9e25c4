// The rights that change processing: opt-out, limit, restriction, objection. Each store the data
// map names is changed and the change proven by re-query; a change not in place after three
// attempts fails the request (it is never reported as complied unless applied). Lifting a
// restriction is a workflow of its own, started by the privacy team: the subject is told first.
import type { Target } from '../schemas/datamap-graph';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { CHANGE_OF, type ProcessingChange, type ProcessingOutcome, type ProcessingType } from '../schemas/processing';
import type { CollectionProgress } from '../schemas/request';
import type { DsarRequestState, ManualTaskCompletion, RequestWork } from '../schemas/workflow';
import type { AttentionGuard } from './attention';
import { complete, dataSteps, lookupSteps, mailSteps, notIncludedProgress, pending, steps } from './request-steps';

const MAX_ATTEMPTS = 3;

interface ProcessingDeps {
  manual: { run(t: Target, operation: 'process', p: CollectionProgress): Promise<ManualTaskCompletion | undefined> };
  answer(): void;
  guard: AttentionGuard;
  purpose?: string;
}

async function applyProven(requestId: string, t: Target, change: ProcessingChange, guard: AttentionGuard): Promise<ProcessingOutcome> {
  let outcome: ProcessingOutcome | undefined;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS && (!outcome || outcome.remaining > 0); attempt++)
    outcome = await guard.run(() => dataSteps.applyProcessing(requestId, t, change));
  return outcome!;
}

export async function runProcessing(
  requestId: string,
  type: ProcessingType,
  work: RequestWork,
  state: DsarRequestState,
  deps: ProcessingDeps,
): Promise<void> {
  const change: ProcessingChange = { kind: CHANGE_OF[type], ...(deps.purpose ? { purpose: deps.purpose } : {}) };
  const targets = work.levels.flat();
  state.progress = [...targets.map(pending), ...notIncludedProgress(work)];
  const outcomes = await Promise.all(
    targets.map(async (t, i) => {
      const p = state.progress[i];
      await deps.manual.run(t, 'process', p);
      p.state = 'running';
      const o = await applyProven(requestId, t, change, deps.guard);
      p.state = o.remaining > 0 ? 'failed' : 'done';
      p.rows = o.rows;
      return o;
    }),
  );
  state.processing = outcomes;
  const unconfirmed = outcomes.filter((o) => o.remaining > 0);
  if (unconfirmed.length) {
    state.status = 'failed';
    await steps.recordStep({
      requestId,
      status: 'failed',
      action: AUDIT_ACTIONS.processingUnconfirmed,
      completed: true,
      progress: state.progress,
      details: { unconfirmed: unconfirmed.map((o) => `${o.store}.${o.collection}`) },
    });
    return;
  }
  deps.answer();
  await deps.guard.run(() => mailSteps.sendProcessingNotice(requestId, outcomes));
  await complete(state, {
    change: change.kind,
    stores: outcomes.map((o) => `${o.store}.${o.collection}`),
    rows: outcomes.reduce((n, o) => n + o.rows, 0),
    notIncluded: work.notIncluded.length,
  });
}

export interface LiftRestrictionInput {
  requestId: string;
  by: string;
  reason: string;
}

/** GDPR Art. 18(3): tells the subject, then clears the restriction marks and tells processors. */
export async function liftRestriction(input: LiftRestrictionInput): Promise<{ targets: number }> {
  const { requestId, by, reason } = input;
  await mailSteps.sendRestrictionLiftNotice(requestId, reason, by);
  const work = await lookupSteps.resolveSubject(requestId);
  const targets = work.levels.flat().filter((t) => t.kind !== 'manual');
  for (const t of targets) {
    const o = await dataSteps.applyProcessing(requestId, t, { kind: 'lift_restriction' });
    if (o.remaining > 0) throw new Error(`${t.store}.${t.collection}: restriction marks still set after lifting`);
  }
  await steps.recordRestrictionLifted(requestId, by, targets.length);
  return { targets: targets.length };
}
