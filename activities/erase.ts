// Deletion (GDPR Art. 17, CCPA delete): each target's connector does what the data map says,
// then re-queries to prove it. Outcomes carry counts, field names and legal bases — no data.
import type { Target } from '../schemas/datamap';
import type { ErasureOutcome } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { activeHoldForRequest } from '../records/legal-holds';
import { loadPredicates } from '../records/subject-identities';
import type { ActivityDeps } from './deps';
import { NOTHING_DONE } from './stores/connector';
import { storePool } from './stores/postgres';
import { collectionEntry } from './stores/postgres-connector';
import { countSubjectRows, deleteSubjectRows } from './stores/postgres-erase';
import { connectorFor } from './stores/registry';
import { persistedSubject } from './subject';

export async function eraseTarget(deps: ActivityDeps, requestId: string, target: Target): Promise<ErasureOutcome> {
  const ctx = { deps, target, subject: persistedSubject(deps.engineDb, requestId) };
  const connector = connectorFor(target.kind);
  const hold = await activeHoldForRequest(deps.engineDb, requestId);
  const outcome: ErasureOutcome = hold
    ? { ...NOTHING_DONE, ...target, action: 'held', retained: (await connector.plan(ctx)).rows, basis: `legal hold ${hold.id}` }
    : await connector.erase(ctx);
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:erase:${target.store}.${target.collection}`,
    requestId,
    actor: 'worker',
    action: 'collection.erased',
    store: target.store,
    collection: target.collection,
    details: { ...outcome, store: undefined, collection: undefined },
  });
  return outcome;
}

/** The hard purge after the grace period; proves nothing of the subject is left. */
export async function purgeCollection(
  deps: ActivityDeps,
  requestId: string,
  store: string,
  collection: string,
): Promise<{ deleted: number; remaining: number }> {
  const entry = collectionEntry(deps, store, collection);
  const preds = await loadPredicates(deps.engineDb, requestId, store, collection);
  const pool = storePool(entry.url);
  if (await activeHoldForRequest(deps.engineDb, requestId)) return { deleted: 0, remaining: await countSubjectRows(pool, entry, preds) };
  const s = await deleteSubjectRows(pool, entry, preds);
  const remaining = await countSubjectRows(pool, entry, preds);
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:purge:${store}.${collection}`,
    requestId,
    actor: 'worker',
    action: 'collection.purged',
    store,
    collection,
    details: { deleted: s.rows, remainingDue: remaining, statements: s.statements, longestStatementMs: Math.round(s.longestStatementMs) },
  });
  return { deleted: s.rows, remaining };
}
