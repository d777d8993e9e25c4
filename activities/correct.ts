// Correction (GDPR Art. 16): each requested field is rewritten wherever the data map marks a
// column holding it correctable; processors are told (Art. 19). The audit keeps field names
// and SHA-256 of old and new values, never the values.
import { escapeIdentifier as q } from 'pg';
import type { CollectionEntry, HttpStore } from '../schemas/datamap';
import type { CorrectionOutcome } from '../schemas/workflow';
import { sha256Hex } from '../lib/hash';
import { appendAudit } from './audit';
import type { ActivityDeps } from './deps';
import { findCollection } from './export';
import { callProcessor } from './stores/http';
import { storePool } from './stores/postgres';
import { subjectWhere } from './stores/postgres-erase';
import { loadIdentities, loadPredicates } from './subject';

export async function loadCorrections(deps: ActivityDeps, requestId: string): Promise<Record<string, string>> {
  const { rows } = await deps.engineDb.query<{ field: string; new_value: string }>('SELECT field, new_value FROM request_corrections WHERE request_id = $1', [requestId]);
  return Object.fromEntries(rows.map((r) => [r.field, r.new_value]));
}

/** The columns of a collection that hold a requested field: same name, or same category ending. */
export function columnsFor(entry: CollectionEntry, field: string): string[] {
  return Object.entries(entry.spec.fields)
    .filter(([name, f]) => f.correctable && (name === field || f.category.split('.').pop() === field))
    .map(([name]) => name);
}

export async function correctCollection(deps: ActivityDeps, requestId: string, store: string, collection: string): Promise<CorrectionOutcome> {
  const entry = findCollection(deps, store, collection);
  const corrections = await loadCorrections(deps, requestId);
  const preds = await loadPredicates(deps.engineDb, requestId, store, collection);
  const pool = storePool(entry.url);
  const changes: CorrectionOutcome['changes'] = [];
  for (const [field, value] of Object.entries(corrections)) {
    for (const column of columnsFor(entry, field)) {
      if (!preds.length) continue;
      const w = subjectWhere(preds, 2);
      const col = `t.${q(column)}`;
      const old = await pool.query<{ v: string }>(`SELECT DISTINCT ${col}::text AS v FROM ${q(entry.schema)}.${q(entry.table)} t WHERE ${w.sql} AND ${col} IS DISTINCT FROM $1`, [value, ...w.params]);
      const r = await pool.query(`UPDATE ${q(entry.schema)}.${q(entry.table)} t SET ${q(column)} = $1 WHERE ${w.sql} AND ${col} IS DISTINCT FROM $1`, [value, ...w.params]);
      changes.push({ field, column, rows: r.rowCount ?? 0, oldSha256: old.rows.map((o) => sha256Hex(o.v ?? '')), newSha256: sha256Hex(value) });
    }
  }
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:correct:${store}.${collection}`, requestId, actor: 'worker', action: 'collection.corrected', store, collection,
    details: { changes },
  });
  return { store, collection, changes };
}

export async function notifyProcessorOfCorrection(deps: ActivityDeps, requestId: string, store: string): Promise<CorrectionOutcome> {
  const spec = deps.dataMap.stores[store] as HttpStore;
  const corrections = await loadCorrections(deps, requestId);
  const identities = await loadIdentities(deps.engineDb, requestId);
  const r = await callProcessor(spec, 'correct', identities, { corrections });
  const changes = Object.entries(corrections).map(([field, value]) => ({ field, column: 'processor', rows: r.calls - r.absent, oldSha256: [], newSha256: sha256Hex(value) }));
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:correct:${store}.processor`, requestId, actor: 'worker', action: 'processor.notified', store, collection: 'processor',
    details: { fields: Object.keys(corrections), statuses: r.statuses },
  });
  return { store, collection: 'processor', changes };
}

/** Which targets a correction touches: collections with a correctable column for a field, processors with a correct call. */
export async function correctionTargets(deps: ActivityDeps, requestId: string): Promise<{ store: string; collection: string; kind: 'postgres' | 'http' }[]> {
  const fields = Object.keys(await loadCorrections(deps, requestId));
  const out: { store: string; collection: string; kind: 'postgres' | 'http' }[] = [];
  for (const [name, s] of Object.entries(deps.dataMap.stores)) {
    if (s.kind === 'http' && s.correct) out.push({ store: name, collection: 'processor', kind: 'http' });
    if (s.kind !== 'postgres') continue;
    for (const collection of Object.keys(s.collections)) {
      const entry = findCollection(deps, name, collection);
      if (fields.some((f) => columnsFor(entry, f).length)) out.push({ store: name, collection, kind: 'postgres' });
    }
  }
  return out;
}
