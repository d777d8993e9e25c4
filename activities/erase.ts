// Deletion (GDPR Art. 17, CCPA delete): what each collection's `onErasure` says, then a
// re-query that proves it. Outcomes carry counts, field names and legal bases — no data.
import { createHmac } from 'node:crypto';
import type { Pool } from 'pg';
import type { ErasureOutcome } from '../schemas/workflow';
import { appendAudit } from './audit';
import type { ActivityDeps } from './deps';
import { findCollection } from './export';
import { storePool } from './stores/postgres';
import {
  countSubjectRows,
  countUnmasked,
  deleteSubjectRows,
  maskSubjectRows,
  restrictedUntil,
  softDeleteSubjectRows,
} from './stores/postgres-erase';
import { loadPredicates } from './subject';

/** The per-deployment salt for hashed masks; derived from the signing secret unless set. */
export function maskingSalt(deps: ActivityDeps): string {
  return deps.config.MASKING_SALT ?? createHmac('sha256', deps.config.SIGNING_SECRET).update('dsar-engine masking salt').digest('hex');
}

/** The active legal hold on a subject (by the hash of their address), if any. */
export async function activeHoldForSubject(db: Pool, subjectHash: string): Promise<{ id: string } | null> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM legal_holds WHERE subject_hash = $1 AND released_at IS NULL ORDER BY placed_at LIMIT 1',
    [subjectHash],
  );
  return rows[0] ?? null;
}

/** The active legal hold on the request's subject, if any. */
export async function activeHold(db: Pool, requestId: string): Promise<{ id: string } | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT h.id FROM legal_holds h JOIN requests r ON r.subject_hash = h.subject_hash
      WHERE r.id = $1 AND h.released_at IS NULL ORDER BY h.placed_at LIMIT 1`,
    [requestId],
  );
  return rows[0] ?? null;
}

export async function eraseCollection(deps: ActivityDeps, requestId: string, store: string, collection: string): Promise<ErasureOutcome> {
  const entry = findCollection(deps, store, collection);
  const preds = await loadPredicates(deps.engineDb, requestId, store, collection);
  const pool = storePool(entry.url);
  const spec = entry.spec.onErasure ?? { action: 'delete' as const };
  const base = { store, collection, kind: 'postgres' as const, deleted: 0, masked: 0, retained: 0, softDeleted: 0, remainingDue: 0, longestStatementMs: 0 };
  let outcome: ErasureOutcome;

  const hold = await activeHold(deps.engineDb, requestId);
  if (hold) {
    outcome = { ...base, action: 'held', retained: await countSubjectRows(pool, entry, preds), basis: `legal hold ${hold.id}` };
  } else if (spec.action === 'delete') {
    const t0 = performance.now();
    const s = await deleteSubjectRows(pool, entry, preds);
    const t1 = performance.now();
    const remainingDue = await countSubjectRows(pool, entry, preds);
    outcome = { ...base, action: 'delete', deleted: s.rows, longestStatementMs: s.longestStatementMs, remainingDue, eraseMs: Math.round(t1 - t0), proofMs: Math.round(performance.now() - t1) };
  } else if (spec.action === 'mask') {
    const s = await maskSubjectRows(pool, entry, preds, { mask: spec.mask, salt: maskingSalt(deps) });
    outcome = { ...base, action: 'mask', masked: s.rows, maskedFields: Object.keys(spec.mask ?? {}), longestStatementMs: s.longestStatementMs, remainingDue: await countUnmasked(pool, entry, preds, spec.mask) };
  } else if (spec.action === 'retain') {
    const retention = entry.spec.retention!;
    const s = await maskSubjectRows(pool, entry, preds, {
      mask: spec.mask,
      salt: maskingSalt(deps),
      restrict: spec.restrictColumn ? { column: spec.restrictColumn, timestampColumn: retention.timestamp, maxAge: retention.maxAge } : undefined,
    });
    const until = spec.restrictColumn ? await restrictedUntil(pool, entry, preds, spec.restrictColumn) : { latest: null };
    outcome = {
      ...base,
      action: 'retain',
      retained: await countSubjectRows(pool, entry, preds),
      masked: spec.mask ? s.rows : 0,
      maskedFields: Object.keys(spec.mask ?? {}),
      basis: retention.basis,
      retentionPeriod: retention.maxAge,
      retainedUntil: until.latest ? new Date(until.latest).toISOString() : undefined,
      longestStatementMs: s.longestStatementMs,
      remainingDue: await countUnmasked(pool, entry, preds, spec.mask),
    };
  } else {
    // purge: deactivate now, hard-delete after the grace period (a durable timer in the workflow)
    const softDeleted = await softDeleteSubjectRows(pool, entry, preds, spec.softDelete!.set, spec.softDelete!.timestamp);
    outcome = { ...base, action: 'purge', softDeleted, purgeAfter: spec.after };
  }

  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:erase:${store}.${collection}`,
    requestId,
    actor: 'worker',
    action: 'collection.erased',
    store,
    collection,
    details: { ...outcome, store: undefined, collection: undefined },
  });
  return outcome;
}

/** The hard purge after the grace period; proves nothing of the subject is left. */
export async function purgeCollection(deps: ActivityDeps, requestId: string, store: string, collection: string): Promise<{ deleted: number; remaining: number }> {
  const entry = findCollection(deps, store, collection);
  const preds = await loadPredicates(deps.engineDb, requestId, store, collection);
  const pool = storePool(entry.url);
  if (await activeHold(deps.engineDb, requestId)) return { deleted: 0, remaining: await countSubjectRows(pool, entry, preds) };
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
