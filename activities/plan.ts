// Dry run of a deletion: per store and collection, the action and how many rows or keys it
// would touch. Reads only; the subject is resolved in memory and nothing about it is stored.
import { listTargets } from '../schemas/datamap';
import type { PlanEntry } from '../schemas/workflow';
import { sha256Hex } from '../lib/hash';
import { appendAudit } from '../records/audit-events';
import { activeHoldForSubject } from '../records/legal-holds';
import { loadPlanSubjectEmail, savePlanResult } from '../records/plans';
import type { ActivityDeps } from './deps';
import { connectorFor } from './stores/registry';
import { resolveSubject } from './stores/resolve';
import { resolvedSubject } from './subject';

export async function planDeletion(deps: ActivityDeps, planId: string): Promise<PlanEntry[]> {
  const subjectEmail = await loadPlanSubjectEmail(deps.engineDb, planId);
  const { selectors, identities } = await resolveSubject(deps.dataMap, { email: [subjectEmail] });
  const subject = resolvedSubject(selectors, identities);
  const hold = await activeHoldForSubject(deps.engineDb, sha256Hex(subjectEmail));
  const entries: PlanEntry[] = [];
  for (const target of listTargets(deps.dataMap)) {
    const store = deps.dataMap.stores[target.store];
    if (store.kind === 'manual' && !store.for.includes('deletion')) continue;
    const entry = await connectorFor(target.kind).plan({ deps, target, subject });
    entries.push(hold && target.kind !== 'manual' ? { ...entry, action: 'held', basis: `legal hold ${hold.id}` } : entry);
  }
  await savePlanResult(deps.engineDb, planId, entries);
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
