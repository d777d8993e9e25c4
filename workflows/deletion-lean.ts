// A deletion in the lean step code (LEAN_STEPS_PATCH): the same lifecycle as workflows/deletion.ts
// in fewer steps. One erasure step per store and level; a legal hold is found by that step itself
// (it erases nothing under a hold) rather than by a separate check first; the deactivation or
// completion is recorded inside the step that mails the subject, and the purge's closing writes
// inside the step that mails "purged".
import { sleep } from '@temporalio/workflow';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { Target } from '../schemas/datamap-graph';
import type { CollectionProgress } from '../schemas/request';
import type { DsarRequestState, ErasureOutcome, RequestWork } from '../schemas/workflow';
import type { AdmissionGate } from './admission';
import {
  ERASE_ATTEMPTS,
  eraseOne,
  PURGE_MARGIN_DAYS_DEFAULT,
  purgeInstant,
  rowsTouched,
  waitWhileHeld,
  type DeletionContext,
} from './deletion';
import { dataSteps, notIncludedProgress, pending, type RecordSteps } from './request-steps';

type LeanContext = DeletionContext & { record: RecordSteps; gate: AdmissionGate };

export async function runLeanDeletion(requestId: string, work: RequestWork, state: DsarRequestState, ctx: LeanContext): Promise<void> {
  const targets = work.levels.flat();
  state.progress = [...targets.map(pending), ...notIncludedProgress(work)];
  const progressOf = (t: Target) => state.progress[targets.indexOf(t)];
  const outcomes: ErasureOutcome[] = (state.outcomes = []);
  // a map with manual stores checks for a hold first: nobody is asked to delete by hand what a hold keeps
  if (targets.some((t) => t.kind === 'manual')) await waitWhileHeld(requestId, state, ctx);
  for (;;) {
    outcomes.length = 0;
    // Children before the collections they reference; a level under a hold stops the pass.
    for (const level of work.levels) {
      outcomes.push(...(await eraseLevel(requestId, level, progressOf, ctx)));
      if (outcomes.some((o) => o.action === 'held')) break;
    }
    if (!outcomes.some((o) => o.action === 'held')) break;
    await waitWhileHeld(requestId, state, ctx);
  }
  const summary = {
    deleted: outcomes.reduce((n, o) => n + o.deleted, 0),
    masked: outcomes.reduce((n, o) => n + o.masked, 0),
    retained: outcomes.reduce((n, o) => n + o.retained, 0),
    remainingDue: outcomes.reduce((n, o) => n + o.remainingDue, 0),
    notIncluded: work.notIncluded.map((n) => `${n.store}.${n.collection}`),
  };
  const purges = outcomes.filter((o) => o.action === 'purge' && o.purgeAfter && o.softDeleted > 0);
  if (!purges.length) {
    ctx.answer();
    const { wake } = await ctx.guard.run(() =>
      dataSteps.finishErasure(requestId, outcomes, {
        completed: {
          status: 'completed',
          action: AUDIT_ACTIONS.requestCompleted,
          completed: true,
          progress: state.progress,
          details: { ...summary, overdue: state.overdue },
        },
      }),
    );
    state.status = 'completed';
    await ctx.gate.released(wake);
    return;
  }

  const margin = ctx.purgeMarginDays ?? PURGE_MARGIN_DAYS_DEFAULT;
  const purgeAt = new Date(
    purgeInstant(
      Date.now(),
      purges.map((o) => o.purgeAfter!),
      state.dueAt!,
      margin,
    ),
  ).toISOString();
  ctx.answer();
  // visible before the step that records it and tells the subject: whoever reads the mail finds it in the status
  state.purgeAt = purgeAt;
  const { wake } = await ctx.guard.run(() =>
    dataSteps.finishErasure(requestId, outcomes, {
      purgeAt,
      deactivated: {
        status: state.status,
        action: AUDIT_ACTIONS.requestDeactivated,
        progress: state.progress,
        details: { ...summary, purgeAt, purgeMarginDays: margin },
      },
    }),
  );
  // waiting for the purge is not work: the slot goes to the next request in line
  await ctx.gate.released(wake);

  await sleep(Math.max(0, Date.parse(purgeAt) - Date.now()));
  for (;;) {
    let held = false;
    for (const o of purges) {
      // under a hold the purge does nothing (held); rows left after it fail the step for good: needs_attention
      const r = await ctx.guard.run(() => dataSteps.purgeTarget(requestId, { store: o.store, collection: o.collection, kind: o.kind }));
      if (r.held) held = true;
      else {
        o.deleted += r.deleted;
        o.remainingDue = r.remaining;
      }
    }
    if (!held) break;
    await waitWhileHeld(requestId, state, ctx);
  }
  state.purgedAt = new Date(Date.now()).toISOString();
  const purgedAt = state.purgedAt;
  await ctx.guard.run(() =>
    dataSteps.finishPurge(requestId, {
      purgedAt,
      retainedKept: outcomes.some((o) => o.action === 'retain' && o.retained > 0),
      purged: {
        status: state.status,
        action: AUDIT_ACTIONS.requestPurged,
        progress: state.progress,
        details: { purged: purges.map((o) => `${o.store}.${o.collection}`), remainingDue: 0 },
      },
      completed: {
        status: 'completed',
        action: AUDIT_ACTIONS.requestCompleted,
        completed: true,
        progress: state.progress,
        details: { ...summary, deleted: outcomes.reduce((n, o) => n + o.deleted, 0), purgeAt, purgedAt, overdue: state.overdue },
      },
    }),
  );
  state.status = 'completed';
}

/** One level: a data step per store (its targets side by side, erased again while rows are due), then manual stores one by one. */
async function eraseLevel(
  requestId: string,
  level: Target[],
  progressOf: (t: Target) => CollectionProgress,
  ctx: LeanContext,
): Promise<ErasureOutcome[]> {
  const out: ErasureOutcome[] = new Array(level.length);
  const byStore = new Map<string, number[]>();
  level.forEach((t, i) => {
    if (t.kind !== 'manual') byStore.set(t.store, [...(byStore.get(t.store) ?? []), i]);
  });
  await Promise.all(
    [...byStore.values()].map(async (indexes) => {
      for (const i of indexes) progressOf(level[i]).state = 'running';
      // rows written meanwhile (the product is live): erased again, a few times at most
      let todo = indexes;
      for (let attempt = 0; todo.length && attempt < ERASE_ATTEMPTS; attempt++) {
        const batch = todo;
        const erased = await ctx.guard.run(() =>
          dataSteps.eraseStoreTargets(
            requestId,
            batch.map((i) => level[i]),
          ),
        );
        batch.forEach((i, k) => (out[i] = erased[k]));
        todo = batch.filter((i) => out[i].remainingDue > 0 && out[i].action !== 'held');
      }
      for (const i of indexes) {
        const p = progressOf(level[i]);
        p.state = out[i].action === 'held' ? 'pending' : out[i].remainingDue > 0 ? 'failed' : 'done';
        p.rows = rowsTouched(out[i]);
      }
    }),
  );
  // manual tasks open once the stores' steps found no hold
  if (out.some((o) => o?.action === 'held')) return out.filter(Boolean);
  await Promise.all(
    level.map(async (t, i) => {
      if (t.kind === 'manual') out[i] = await eraseOne(requestId, t, progressOf(t), ctx);
    }),
  );
  return out;
}
