// Dry run of a deletion: per store and collection, the action and how many rows or keys it
// would touch. Reads only; the subject is resolved in memory and nothing about it is stored.
import { listTargets } from '../schemas/datamap';
import type { PlanEntry } from '../schemas/workflow';
import { sha256Hex } from '../lib/hash';
import { appendAudit } from './audit';
import type { ActivityDeps } from './deps';
import { activeHoldForSubject } from './erase';
import { connectorFor } from './stores/registry';
import { resolveSubject } from './stores/resolve';
import { resolvedSubject } from './subject';

export async function planDeletion(deps: ActivityDeps, planId: string): Promise<PlanEntry[]> {
  const {
    rows: [plan],
  } = await deps.engineDb.query<{ subject_email: string }>('SELECT subject_email FROM plans WHERE id = $1', [planId]);
  if (!plan) throw new Error(`plan ${planId} is not in the engine database`);
  const { selectors, identities } = await resolveSubject(deps.dataMap, { email: [plan.subject_email] });
  const subject = resolvedSubject(selectors, identities);
  const hold = await activeHoldForSubject(deps.engineDb, sha256Hex(plan.subject_email));
  const entries: PlanEntry[] = [];
  for (const target of listTargets(deps.dataMap)) {
    const store = deps.dataMap.stores[target.store];
    if (store.kind === 'manual' && !store.for.includes('deletion')) continue;
    const entry = await connectorFor(target.kind).plan({ deps, target, subject });
    entries.push(hold && target.kind !== 'manual' ? { ...entry, action: 'held', basis: `legal hold ${hold.id}` } : entry);
  }
  await deps.engineDb.query('UPDATE plans SET result = $2 WHERE id = $1', [planId, JSON.stringify(entries)]);
  await appendAudit(deps.engineDb, {
    eventKey: `plan:${planId}`,
    actor: 'worker',
    action: 'plan.created',
    details: {
      planId,
      type: 'deletion',
      targets: entries.map((e) => ({ target: `${e.store}.${e.collection}`, action: e.action, rows: e.rows })),
    },
  });
  return entries;
}
