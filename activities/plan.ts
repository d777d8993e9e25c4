// Dry run of a deletion: per store and collection, in the order deletion would run, the action
// and how many records it would touch; stores it could not act on are listed with the reason.
// Reads only; the subject is resolved in memory and nothing about it is stored. For SQL
// collections, the data-changing statements the erase would run, in order (recorded, not run).
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { addressKey, isCollection } from '../schemas/datamap-graph';
import type { PlanEntry } from '../schemas/workflow';
import { sha256Hex } from '../lib/hash';
import { appendAudit } from '../records/audit-events';
import { activeHoldForSubject } from '../records/legal-holds';
import { loadPlanSubjectEmail, savePlanResult } from '../records/plans';
import type { ActivityDeps } from './deps';
import { plannedStatements } from './stores/planned-statements';
import { connectorFor } from './stores/registry';
import { resolveSubject } from './stores/resolve';
import { resolvedSubject } from './subject';

export async function planDeletion(deps: ActivityDeps, planId: string): Promise<PlanEntry[]> {
  const subjectEmail = await loadPlanSubjectEmail(deps.engineDb, planId);
  const { selectors, identities } = await resolveSubject(deps, { email: [subjectEmail] });
  const subject = resolvedSubject(selectors, identities);
  const hold = await activeHoldForSubject(deps.engineDb, sha256Hex(subjectEmail));
  const { levels, notIncluded } = deps.dataMap.targetsFor('plan');
  const entries: PlanEntry[] = [];
  for (const [level, targets] of levels.entries()) {
    for (const target of targets) {
      const node = deps.dataMap.node(target);
      const entry = await connectorFor(node).plan({ deps, node, subject });
      if (isCollection(node)) Object.assign(entry, await plannedStatements({ deps, node, subject }, entry.rows));
      const held = hold && target.kind !== 'manual';
      entries.push({ ...entry, ...(held ? { action: 'held', basis: `legal hold ${hold.id}` } : {}), step: level + 1 });
    }
  }
  for (const n of notIncluded) entries.push({ ...n.target, action: 'not_included', rows: 0, note: n.reason });
  await savePlanResult(deps.engineDb, planId, entries);
  await appendAudit(deps.engineDb, {
    eventKey: `plan:${planId}`,
    actor: 'worker',
    action: AUDIT_ACTIONS.planCreated,
    details: {
      planId,
      type: 'deletion',
      targets: entries.map((e) => ({ target: addressKey(e), action: e.action, rows: e.rows })),
      ...(deps.dataMap.origin ? { dataMapVersion: deps.dataMap.origin.version } : {}),
    },
  });
  return entries;
}
