// Erasure in stores that are not PostgreSQL collections: Redis keys, processors' APIs, manual tasks.
import type { HttpStore, ManualStore, RedisStore } from '../schemas/datamap';
import type { ErasureOutcome } from '../schemas/workflow';
import { appendAudit } from './audit';
import type { ActivityDeps } from './deps';
import { activeHold } from './erase';
import { callProcessor } from './stores/http';
import { countSubjectKeys, unlinkSubjectKeys } from './stores/redis';
import { loadIdentities } from './subject';

const empty = { deleted: 0, masked: 0, retained: 0, softDeleted: 0, remainingDue: 0, longestStatementMs: 0 };

function storeOf<K extends 'redis' | 'http' | 'manual'>(deps: ActivityDeps, store: string, kind: K) {
  const s = deps.dataMap.stores[store];
  if (!s || s.kind !== kind) throw new Error(`store ${store} is not a ${kind} store in the data map`);
  return s as Extract<typeof s, { kind: K }>;
}

async function audited(deps: ActivityDeps, requestId: string, outcome: ErasureOutcome): Promise<ErasureOutcome> {
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:erase:${outcome.store}.${outcome.collection}`,
    requestId,
    actor: 'worker',
    action: 'collection.erased',
    store: outcome.store,
    collection: outcome.collection,
    details: { ...outcome, store: undefined, collection: undefined },
  });
  return outcome;
}

export async function eraseRedisKeys(deps: ActivityDeps, requestId: string, store: string): Promise<ErasureOutcome> {
  const spec: RedisStore = storeOf(deps, store, 'redis');
  const identities = await loadIdentities(deps.engineDb, requestId);
  const base = { ...empty, store, collection: 'keys', kind: 'redis' as const };
  const hold = await activeHold(deps.engineDb, requestId);
  if (hold) return audited(deps, requestId, { ...base, action: 'held', retained: await countSubjectKeys(spec, identities), basis: `legal hold ${hold.id}` });
  const r = await unlinkSubjectKeys(spec, identities);
  return audited(deps, requestId, { ...base, action: 'delete', deleted: r.removed, remainingDue: r.remaining });
}

/** Asks the processor to erase the subject (and so notifies it, GDPR Art. 19). */
export async function eraseAtProcessor(deps: ActivityDeps, requestId: string, store: string): Promise<ErasureOutcome> {
  const spec: HttpStore = storeOf(deps, store, 'http');
  const base = { ...empty, store, collection: 'processor', kind: 'http' as const };
  const hold = await activeHold(deps.engineDb, requestId);
  if (hold) return audited(deps, requestId, { ...base, action: 'held', basis: `legal hold ${hold.id}`, note: 'processor not asked to erase' });
  if (!spec.erase) return audited(deps, requestId, { ...base, action: 'notify', note: 'no erase call in the data map' });
  const identities = await loadIdentities(deps.engineDb, requestId);
  const r = await callProcessor(spec, 'erase', identities);
  return audited(deps, requestId, { ...base, action: 'notify', deleted: r.calls - r.absent, note: `HTTP ${r.statuses.join(', ') || 'none: no identity to send'}` });
}

/** Opens the manual task for a store (idempotent); the workflow then waits for an admin. */
export async function openManualTask(deps: ActivityDeps, requestId: string, store: string): Promise<void> {
  const spec: ManualStore = storeOf(deps, store, 'manual');
  const r = await deps.engineDb.query(
    'INSERT INTO manual_tasks (request_id, store, instructions) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [requestId, store, spec.instructions],
  );
  if (r.rowCount) {
    await appendAudit(deps.engineDb, { eventKey: `${requestId}:manual.opened:${store}`, requestId, actor: 'worker', action: 'manual_task.opened', store });
  }
}

export async function recordManualTaskDone(deps: ActivityDeps, requestId: string, store: string, by: string, note: string): Promise<ErasureOutcome> {
  await deps.engineDb.query(
    'UPDATE manual_tasks SET completed_at = coalesce(completed_at, now()), completed_by = coalesce(completed_by, $3), note = coalesce(note, $4) WHERE request_id = $1 AND store = $2',
    [requestId, store, by, note],
  );
  return audited(deps, requestId, { ...empty, store, collection: 'manual_task', kind: 'manual', action: 'manual', note: `completed by ${by}` });
}
