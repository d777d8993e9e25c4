// A deletion request's lifecycle (GDPR Art. 17, CCPA delete), inside the request workflow:
//   on_hold      a legal hold on the subject: nothing is deleted; the subject is told what is
//                postponed, why and on what basis; a release signal (or the daily re-check) resumes it
//   in_progress  erasure per the data map; an account to purge is deactivated and the subject told
//                "deactivated, purged on D", D no later than the due date less a safety margin
//   completed    only once the purge ran and its re-query proved 0 rows ("purged" is the last mail);
//                rows left after the purge stop it in needs_attention for the privacy team
import { condition, sleep } from '@temporalio/workflow';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { Target } from '../schemas/datamap-graph';
import type { Jurisdiction } from '../schemas/deadline';
import { addIsoDuration } from '../schemas/duration';
import type { CollectionProgress } from '../schemas/request';
import type { DsarRequestState, ErasureOutcome, ManualTaskCompletion, RequestWork } from '../schemas/workflow';
import type { AdmissionGate } from './admission';
import type { AttentionGuard } from './attention';
import { complete, dataSteps, mailSteps, notIncludedProgress, pending, steps, type RecordSteps } from './request-steps';

/** A store that still has rows due after erasure is erased again, at most this often. */
export const ERASE_ATTEMPTS = 3;
const DAY_MS = 86_400_000;
/** A request waiting on_hold checks its holds this often even without a release signal (a lost signal only delays it). */
const HOLD_RECHECK = '1 day';
export const PURGE_MARGIN_DAYS_DEFAULT = 2;

export interface DeletionContext {
  jurisdiction: Jurisdiction;
  purgeMarginDays?: number;
  manual: { run(t: Target, operation: 'erase', p: CollectionProgress): Promise<ManualTaskCompletion | undefined> };
  /** The work is done and the subject is being told: from here a denial would contradict the answer. */
  answer(): void;
  guard: AttentionGuard;
  /** How many hold-release signals arrived so far. */
  holdReleases(): number;
  /** Engine writes (local activities in the lean step code, workflows/deletion-lean.ts). */
  record?: RecordSteps;
  gate?: AdmissionGate;
}

/** The latest purge instant: the map's grace period from now, but no later than the due date less the margin (never in the past). */
export function purgeInstant(now: number, graces: string[], dueAt: string, marginDays: number): number {
  const byMap = Math.max(...graces.map((g) => addIsoDuration(new Date(now), g).getTime()));
  return Math.max(now, Math.min(byMap, Date.parse(dueAt) - marginDays * DAY_MS));
}

/** Rows an outcome touched, each once: a retained row is also masked, it is still one row. */
export const rowsTouched = (o: ErasureOutcome): number => o.deleted + o.softDeleted + Math.max(o.masked, o.retained);

export async function runDeletion(requestId: string, work: RequestWork, state: DsarRequestState, ctx: DeletionContext): Promise<void> {
  const targets = work.levels.flat();
  state.progress = [...targets.map(pending), ...notIncludedProgress(work)];
  const progressOf = (t: Target) => state.progress[targets.indexOf(t)];
  // shared with the state as it grows: a query (or a denial) sees what finished so far
  const outcomes: ErasureOutcome[] = (state.outcomes = []);
  for (;;) {
    await waitWhileHeld(requestId, state, ctx);
    outcomes.length = 0;
    // Children before the collections they reference: a level starts when the one before is done.
    for (const level of work.levels) outcomes.push(...(await Promise.all(level.map((t) => eraseOne(requestId, t, progressOf(t), ctx)))));
    // a hold placed while erasing: nothing of it was done; wait for its release and erase again
    if (!outcomes.some((o) => o.action === 'held')) break;
  }
  // the subject's mail to privacy@ is personal data too: its raw body goes, its record stays
  await steps.eraseSubjectInboxMail(requestId);
  const summary = {
    deleted: outcomes.reduce((n, o) => n + o.deleted, 0),
    masked: outcomes.reduce((n, o) => n + o.masked, 0),
    retained: outcomes.reduce((n, o) => n + o.retained, 0),
    remainingDue: outcomes.reduce((n, o) => n + o.remainingDue, 0),
    notIncluded: work.notIncluded.map((n) => `${n.store}.${n.collection}`),
  };

  // only what was deactivated waits for a purge: a subject with no account has nothing to purge
  const purges = outcomes.filter((o) => o.action === 'purge' && o.purgeAfter && o.softDeleted > 0);
  if (!purges.length) {
    ctx.answer();
    await ctx.guard.run(() => mailSteps.sendDeletionNotice(requestId, outcomes, undefined));
    await complete(state, summary);
    return;
  }

  const now = Date.now(); // workflow time: deterministic
  const margin = ctx.purgeMarginDays ?? PURGE_MARGIN_DAYS_DEFAULT;
  const purgeAt = purgeInstant(
    now,
    purges.map((o) => o.purgeAfter!),
    state.dueAt!,
    margin,
  );
  ctx.answer();
  await steps.recordStep({
    requestId,
    status: state.status,
    action: AUDIT_ACTIONS.requestDeactivated,
    progress: state.progress,
    details: { ...summary, purgeAt: new Date(purgeAt).toISOString(), purgeMarginDays: margin },
  });
  // visible once the deactivation is recorded; then the first notice: what is deleted now, that the account is deactivated, the day it is purged
  state.purgeAt = new Date(purgeAt).toISOString();
  await ctx.guard.run(() => mailSteps.sendDeletionNotice(requestId, outcomes, state.purgeAt));

  await sleep(Math.max(0, purgeAt - Date.now()));
  for (;;) {
    await waitWhileHeld(requestId, state, ctx);
    let held = false;
    for (const o of purges) {
      // rows left after the purge fail the step for good: needs_attention, the privacy team is alerted, retried by an admin
      const r = await ctx.guard.run(() => dataSteps.purgeTarget(requestId, { store: o.store, collection: o.collection, kind: o.kind }));
      if (r.held) held = true;
      else {
        o.deleted += r.deleted;
        o.remainingDue = r.remaining;
      }
    }
    if (!held) break;
  }
  state.purgedAt = new Date(Date.now()).toISOString();
  await steps.recordStep({
    requestId,
    status: state.status,
    action: AUDIT_ACTIONS.requestPurged,
    progress: state.progress,
    details: { purged: purges.map((o) => `${o.store}.${o.collection}`), remainingDue: 0 },
  });
  await ctx.guard.run(() =>
    mailSteps.sendPurgedNotice(
      requestId,
      state.purgedAt!,
      outcomes.some((o) => o.action === 'retain' && o.retained > 0),
    ),
  );
  await complete(state, {
    ...summary,
    deleted: outcomes.reduce((n, o) => n + o.deleted, 0),
    purgeAt: state.purgeAt,
    purgedAt: state.purgedAt,
  });
}

/** While the subject is under a legal hold: on_hold, the subject told once, resumed by a release. */
export async function waitWhileHeld(requestId: string, state: DsarRequestState, ctx: DeletionContext): Promise<void> {
  const record = ctx.record ?? steps;
  let hold = await record.holdOnRequest(requestId);
  if (!hold) return;
  const resumeTo = state.status;
  state.status = 'on_hold';
  state.hold = { holdId: hold.id, category: hold.category, since: new Date(Date.now()).toISOString() };
  // a held request gives its work slot to the next in line while it waits
  const left = (await ctx.gate?.leave()) ?? false;
  await record.recordStep({
    requestId,
    status: state.status,
    action: AUDIT_ACTIONS.requestOnHold,
    details: { holdId: hold.id, category: hold.category },
  });
  const told = hold;
  await ctx.guard.run(() => mailSteps.sendHoldNotice(requestId, told, ctx.jurisdiction, state.purgeAt));
  while (hold) {
    const seen = ctx.holdReleases();
    await condition(() => ctx.holdReleases() > seen, HOLD_RECHECK);
    hold = await record.holdOnRequest(requestId);
  }
  state.status = resumeTo;
  state.hold = undefined;
  await record.recordStep({ requestId, status: state.status, action: AUDIT_ACTIONS.requestHoldReleased });
  if (left) await ctx.gate?.enter();
}

export async function eraseOne(requestId: string, t: Target, p: CollectionProgress, ctx: DeletionContext): Promise<ErasureOutcome> {
  const done = await ctx.manual.run(t, 'erase', p);
  p.state = 'running';
  const erase = () => ctx.guard.run(() => dataSteps.eraseTarget(requestId, t));
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
  p.state = outcome.action === 'held' ? 'pending' : outcome.remainingDue > 0 ? 'failed' : 'done';
  p.rows = rowsTouched(outcome);
  return outcome;
}
