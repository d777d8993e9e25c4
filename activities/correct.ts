// Correction (GDPR Art. 16): each requested field is rewritten wherever the data map marks a
// column holding it correctable; processors are told (Art. 19). The audit keeps field names
// and SHA-256 of old and new values, never the values.
import { listTargets, type Target } from '../schemas/datamap';
import type { CorrectionOutcome } from '../schemas/workflow';
import { appendAudit } from './audit';
import type { ActivityDeps } from './deps';
import { collectionEntry, columnsFor } from './stores/postgres-connector';
import { connectorFor } from './stores/registry';
import { persistedSubject } from './subject';

export async function loadCorrections(deps: ActivityDeps, requestId: string): Promise<Record<string, string>> {
  const { rows } = await deps.engineDb.query<{ field: string; new_value: string }>(
    'SELECT field, new_value FROM request_corrections WHERE request_id = $1',
    [requestId],
  );
  return Object.fromEntries(rows.map((r) => [r.field, r.new_value]));
}

/** The targets a correction touches: collections with a correctable column for a field, processors with a correct call. */
export async function correctionTargets(deps: ActivityDeps, requestId: string): Promise<Target[]> {
  const fields = Object.keys(await loadCorrections(deps, requestId));
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
    await loadCorrections(deps, requestId),
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
