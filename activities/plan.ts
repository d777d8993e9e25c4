// Dry run of a deletion: per store and collection, the action and how many rows or keys it
// would touch. Reads only.
import { listCollections, listTargets } from '../schemas/datamap';
import type { PlanEntry } from '../schemas/workflow';
import { sha256Hex } from '../lib/hash';
import { appendAudit } from './audit';
import type { ActivityDeps } from './deps';
import { activeHoldForSubject } from './erase';
import { storePool } from './stores/postgres';
import { countSubjectRows, latestExpiry } from './stores/postgres-erase';
import { countSubjectKeys } from './stores/redis';
import { resolveSubject } from './stores/resolve';

export async function planDeletion(deps: ActivityDeps, planId: string): Promise<PlanEntry[]> {
  const { rows: [plan] } = await deps.engineDb.query<{ subject_email: string }>('SELECT subject_email FROM plans WHERE id = $1', [planId]);
  if (!plan) throw new Error(`plan ${planId} is not in the engine database`);
  const { selectors, identities } = await resolveSubject(deps.dataMap, { email: [plan.subject_email] });
  const hold = await activeHoldForSubject(deps.engineDb, sha256Hex(plan.subject_email));
  const collections = listCollections(deps.dataMap);
  const entries: PlanEntry[] = [];
  for (const t of listTargets(deps.dataMap)) {
    const store = deps.dataMap.stores[t.store];
    if (store.kind === 'postgres') {
      const entry = collections.find((c) => c.store === t.store && c.collection === t.collection)!;
      const preds = selectors.find((s) => s.store === t.store && s.collection === t.collection)?.predicates ?? [];
      const pool = storePool(entry.url);
      const rows = await countSubjectRows(pool, entry, preds);
      const spec = entry.spec.onErasure ?? { action: 'delete' as const };
      const e: PlanEntry = { ...t, action: hold ? 'held' : spec.action, rows };
      if (spec.action === 'retain' && entry.spec.retention) {
        e.basis = entry.spec.retention.basis;
        const until = await latestExpiry(pool, entry, preds, entry.spec.retention.timestamp, entry.spec.retention.maxAge);
        e.retainedUntil = until ? new Date(until).toISOString() : undefined;
        e.maskedFields = Object.keys(spec.mask ?? {});
      }
      if (spec.action === 'mask') e.maskedFields = Object.keys(spec.mask ?? {});
      if (spec.action === 'purge') e.purgeAfter = spec.after;
      if (hold) e.basis = `legal hold ${hold.id}`;
      entries.push(e);
    } else if (store.kind === 'redis') {
      entries.push({ ...t, action: hold ? 'held' : 'delete', rows: await countSubjectKeys(store, identities) });
    } else if (store.kind === 'http') {
      entries.push({ ...t, action: hold ? 'held' : 'notify', rows: (identities[store.identity] ?? []).length });
    } else if (store.for.includes('deletion')) {
      entries.push({ ...t, action: 'manual', rows: 0 });
    }
  }
  await deps.engineDb.query('UPDATE plans SET result = $2 WHERE id = $1', [planId, JSON.stringify(entries)]);
  await appendAudit(deps.engineDb, {
    eventKey: `plan:${planId}`,
    actor: 'worker',
    action: 'plan.created',
    details: { planId, type: 'deletion', targets: entries.map((e) => ({ target: `${e.store}.${e.collection}`, action: e.action, rows: e.rows })) },
  });
  return entries;
}
