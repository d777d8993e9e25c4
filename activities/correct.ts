// Correction (GDPR Art. 16): each requested field is rewritten wherever the data map marks a
// column holding it correctable; processors are told (Art. 19). The audit keeps field names
// and SHA-256 of old and new values, never the values.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { addressKey, isCollection, type Target } from '../schemas/datamap-graph';
import type { CorrectionOutcome } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { loadCorrections } from '../records/request-corrections';
import type { ActivityDeps } from './deps';
import { columnsFor } from './stores/sql-connector';
import { operationOf } from './stores/registry';
import { persistedSubject } from './subject';

/**
 * The targets a correction touches: collections with a correctable column for a requested field,
 * processors (those whose correct call maps `fields`: when it maps a requested one) and manual stores.
 */
export async function correctionTargets(deps: ActivityDeps, requestId: string): Promise<Target[]> {
  const fields = Object.keys(await loadCorrections(deps.engineDb, requestId));
  return deps.dataMap.targetsFor('correction').targets.filter((t) => {
    const node = deps.dataMap.node(t);
    if (isCollection(node)) return fields.some((f) => columnsFor(node, f).length);
    if (node.kind === 'http' && node.spec.correct?.fields) return fields.some((f) => node.spec.correct!.fields![f] !== undefined);
    return true;
  });
}

export async function correctTarget(deps: ActivityDeps, requestId: string, target: Target): Promise<CorrectionOutcome> {
  const node = deps.dataMap.node(target);
  const outcome = await operationOf(node, 'correct')(
    { deps, node, subject: persistedSubject(deps.engineDb, requestId), requestId },
    await loadCorrections(deps.engineDb, requestId),
  );
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:correct:${addressKey(target)}`,
    requestId,
    actor: 'worker',
    action: target.kind === 'http' ? AUDIT_ACTIONS.processorNotified : AUDIT_ACTIONS.collectionCorrected,
    store: target.store,
    collection: target.collection,
    details: { changes: outcome.changes },
  });
  return outcome;
}
