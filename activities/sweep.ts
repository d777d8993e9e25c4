// The retention sweep (run daily by a Temporal Schedule): rows past their retention period,
// soft-deleted accounts past their grace period (safety net for the request's own timer) and
// expired export archives, in every SQL store (each kind's backend deletes in batches); objects in
// S3 stores past their age. Records of subjects under a legal hold are skipped and counted.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { CollectionEntry } from '../schemas/datamap-graph';
import { addIsoDuration } from '../schemas/duration';
import type { SweepResult } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { listExpiredExports, markExportDeleted } from '../records/exports';
import { heldIdentityValues, heldPredicatesOf } from '../records/legal-holds';
import { archiveStorage } from '../storage/archive-storage';
import type { ActivityDeps } from './deps';
import { sqlBackendFor } from './stores/registry';
import { refreshHoldIdentities } from './legal-holds';
import { sweepS3 } from './stores/s3-sweep';
import type { IdentityValues, Predicate } from './stores/selector';

/** Which collections (and S3 stores) the sweep visits, and by which rule. */
export function sweepTargets(deps: ActivityDeps): { store: string; collection: string }[] {
  return [
    ...deps.dataMap.collections.filter(
      (c) => c.spec.retention || (c.spec.onErasure?.action === 'purge' && c.spec.onErasure.softDelete?.timestamp),
    ),
    ...deps.dataMap.nodes.filter((n) => n.kind === 's3' && n.spec.retention),
  ].map((c) => ({ store: c.store, collection: c.collection }));
}

/** The identities of every subject under an active legal hold: resolved again now, added to those stored with the hold. */
async function heldIdentities(deps: ActivityDeps): Promise<IdentityValues[]> {
  await refreshHoldIdentities(deps);
  return heldIdentityValues(deps.engineDb);
}

/** The instant `age` before now (calendar-aware, as the database's interval arithmetic is). */
function cutoffFor(age: string, now = new Date()): Date {
  return new Date(2 * now.getTime() - addIsoDuration(now, age).getTime());
}

/**
 * The predicates of every subject under an active legal hold, for one collection: what each
 * hold stored when it was placed or its subject was resolved since (so rows keyed by an
 * account that is purged stay held), plus what resolving each held subject finds now.
 */
async function heldPredicates(deps: ActivityDeps, entry: CollectionEntry): Promise<Predicate[]> {
  await refreshHoldIdentities(deps);
  return heldPredicatesOf(deps.engineDb, entry.store, entry.collection);
}

async function sweepRule(
  entry: CollectionEntry,
  held: Predicate[],
  rule: SweepResult['rule'],
  column: string,
  age: string,
): Promise<SweepResult> {
  const r = await sqlBackendFor(entry).sweepExpired(entry, held, column, age);
  return {
    store: entry.store,
    collection: entry.collection,
    rule,
    olderThan: age,
    deleted: r.rows,
    heldSkipped: r.heldSkipped,
    statements: r.statements,
    longestStatementMs: Math.round(r.longestStatementMs),
  };
}

export async function sweepCollection(deps: ActivityDeps, store: string, collection: string): Promise<SweepResult[]> {
  const node = deps.dataMap.node({ store, collection });
  if (node.kind === 's3') {
    const age = node.spec.retention?.maxAge;
    return age ? [await sweepS3(node, await heldIdentities(deps), cutoffFor(age))] : [];
  }
  const entry = deps.dataMap.collection({ store, collection });
  const held = await heldPredicates(deps, entry);
  const out: SweepResult[] = [];
  if (entry.spec.retention)
    out.push(await sweepRule(entry, held, 'retention', entry.spec.retention.timestamp, entry.spec.retention.maxAge));
  const erasure = entry.spec.onErasure;
  if (erasure?.action === 'purge' && erasure.softDelete?.timestamp && erasure.after) {
    out.push(await sweepRule(entry, held, 'purge_grace', erasure.softDelete.timestamp, erasure.after));
  }
  return out;
}

/** Removes expired export archives from where each is kept (a folder, a bucket) and marks them deleted. */
export async function sweepExports(deps: ActivityDeps): Promise<SweepResult> {
  const rows = await listExpiredExports(deps.engineDb);
  for (const r of rows) {
    await archiveStorage(deps.config, r.storage).removeArchive(r.path);
    await markExportDeleted(deps.engineDb, r.id);
  }
  return {
    store: 'engine',
    collection: 'exports',
    rule: 'export_expiry',
    olderThan: `P${deps.config.EXPORT_LINK_TTL_DAYS}D`,
    deleted: rows.length,
    heldSkipped: 0,
    statements: rows.length,
    longestStatementMs: 0,
  };
}

export async function recordSweep(deps: ActivityDeps, runId: string, results: SweepResult[]): Promise<void> {
  await appendAudit(deps.engineDb, {
    eventKey: `sweep:${runId}`,
    actor: 'schedule',
    action: AUDIT_ACTIONS.retentionSweep,
    details: {
      runId,
      deleted: results.reduce((n, r) => n + r.deleted, 0),
      heldSkipped: results.reduce((n, r) => n + r.heldSkipped, 0),
      collections: results.map((r) => ({
        target: `${r.store}.${r.collection}`,
        rule: r.rule,
        olderThan: r.olderThan,
        deleted: r.deleted,
        heldSkipped: r.heldSkipped,
        ...(r.lockedSkipped ? { lockedSkipped: r.lockedSkipped } : {}),
        longestStatementMs: r.longestStatementMs,
      })),
    },
  });
}
