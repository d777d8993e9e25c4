// Correction (GDPR Art. 16): each requested field is rewritten wherever the data map marks a
// column holding it correctable; processors are told (Art. 19). The audit keeps field names
// and SHA-256 of old and new values, never the values.
import { listTargets, type Target } from '../schemas/datamap';
import type { CorrectionOutcome } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { loadCorrections } from '../records/request-corrections';
import type { ActivityDeps } from './deps';
import { collectionEntry, columnsFor } from './stores/postgres-connector';
import { connectorFor } from './stores/registry';
import { persistedSubject } from './subject';

/** The targets a correction touches: collections with a correctable column for a field, processors with a correct call. */
export async function correctionTargets(deps: ActivityDeps, requestId: string): Promise<Target[]> {
  const fields = Object.keys(await loadCorrections(deps.engineDb, requestId));
  return listTargets(deps.dataMap).filter((t) => {
    const store = deps.dataMap.stores[t.store];
    if (store.kind === 'http') return !!store.correct;
    if (store.kind !== 'postgres') return false;
    const entry = collectionEntry(deps, t.store, t.collection);
    return fields.some((f) => columnsFor(entry, f).length);
  });
}

export async function correctTarget(deps: ActivityDeps, requestId: string, target: Target): Promise<CorrectionOutcome> {
  const connector = connectorFor(target.kind);
  if (!connector.correct) throw new Error(`${target.kind} stores cannot be corrected`);
  const outcome = await connector.correct(
    { deps, target, subject: persistedSubject(deps.engineDb, requestId) },
    await loadCorrections(deps.engineDb, requestId),
  );
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:correct:${target.store}.${target.collection}`,
    requestId,
    actor: 'worker',
    action: target.kind === 'http' ? 'processor.notified' : 'collection.corrected',
    store: target.store,
    collection: target.collection,
    details: { changes: outcome.changes },
  });
  return outcome;
}
