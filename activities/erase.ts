// Deletion (GDPR Art. 17, CCPA delete): each target's connector does what the data map says,
// then re-queries to prove it. Outcomes carry counts, field names and legal bases — no data.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { addressKey, type Target } from '../schemas/datamap-graph';
import { ApplicationFailure } from '@temporalio/common';
import { NEEDS_ATTENTION_FAILURE, type AttentionCause, type ErasureOutcome } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { activeHoldForRequest } from '../records/legal-holds';
import type { ActivityDeps } from './deps';
import { deletionTally } from './deletion-tally';
import { NOTHING_DONE, type PurgeOutcome } from './stores/connector';
import { connectorFor, operationOf } from './stores/registry';
import { persistedSubject } from './subject';

export async function eraseTarget(deps: ActivityDeps, requestId: string, target: Target): Promise<ErasureOutcome> {
  const node = deps.dataMap.node(target);
  const tally = deletionTally(deps, requestId, addressKey(target), 'erase');
  const ctx = { deps, node, subject: persistedSubject(deps.engineDb, requestId), requestId, tally };
  const connector = connectorFor(node);
  // a hold placed while the request was erasing: nothing is done and nothing audited; the workflow waits on_hold and erases again
  const hold = await activeHoldForRequest(deps.engineDb, requestId);
  if (hold)
    return { ...NOTHING_DONE, ...target, action: 'held', retained: (await connector.plan(ctx)).rows, basis: `legal hold ${hold.id}` };
  const attempt: ErasureOutcome = await connector.erase(ctx);
  // deletions add up across attempts; masks, retention and soft deletes rewrite every row each time
  const totals = await tally.totals();
  const outcome: ErasureOutcome = totals ? { ...attempt, deleted: totals.deleted, statements: totals.statements } : attempt;
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:erase:${addressKey(target)}`,
    requestId,
    actor: 'worker',
    action: AUDIT_ACTIONS.collectionErased,
    store: target.store,
    collection: target.collection,
    details: { ...outcome, store: undefined, collection: undefined },
  });
  return outcome;
}

/**
 * The hard purge after the grace period; proves nothing of the subject is left. Under a hold it
 * does nothing (`held`: the workflow waits on_hold); rows left after it stop the request in
 * needs_attention for the privacy team — a purge is never reported done while rows remain.
 */
export async function purgeTarget(
  deps: ActivityDeps,
  requestId: string,
  target: Target,
): Promise<{ deleted: number; remaining: number; held?: boolean }> {
  const node = deps.dataMap.node(target);
  const tally = deletionTally(deps, requestId, addressKey(target), 'purge');
  const ctx = { deps, node, subject: persistedSubject(deps.engineDb, requestId), requestId, tally };
  if (await activeHoldForRequest(deps.engineDb, requestId))
    return {
      deleted: 0,
      held: true,
      remaining: await connectorFor(node)
        .plan(ctx)
        .then((p) => p.rows),
    };
  const attempt: PurgeOutcome = await operationOf(node, 'purge')(ctx);
  const totals = await tally.totals();
  const s: PurgeOutcome = totals ? { ...attempt, ...totals } : attempt;
  // audited only once nothing is left (a retry after a fix writes the event the trail keeps)
  if (s.remaining > 0) {
    const cause: AttentionCause = {
      store: target.store,
      collection: target.collection,
      errorClass: 'purge incomplete',
      reason: `${s.remaining} of the subject's rows are still there after the purge (a trigger, rule or concurrent write may keep them)`,
    };
    throw ApplicationFailure.nonRetryable(`${target.store}.${target.collection}: ${cause.reason}`, NEEDS_ATTENTION_FAILURE, cause);
  }
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:purge:${addressKey(target)}`,
    requestId,
    actor: 'worker',
    action: AUDIT_ACTIONS.collectionPurged,
    store: target.store,
    collection: target.collection,
    details: {
      deleted: s.deleted,
      remainingDue: s.remaining,
      statements: s.statements,
      longestStatementMs: Math.round(s.longestStatementMs),
    },
  });
  return { deleted: s.deleted, remaining: s.remaining };
}
