// PostgreSQL collections: rows found by bound values, read with COPY, and `onErasure` per
// collection (delete, mask, retain, purge).
import { createHmac } from 'node:crypto';
import { escapeIdentifier as q } from 'pg';
import { sha256Hex } from '../../lib/hash';
import { fieldHolds } from '../../schemas/datamap';
import type { CollectionEntry } from '../../schemas/datamap-graph';
import type { ActivityDeps } from '../deps';
import type { ConnectorContext, ConnectorFor } from './connector';
import { NOTHING_DONE, targetOf } from './connector';
import { distinctValues, exportCollectionFiles, sampleRows, storePool } from './postgres';
import {
  countSubjectRows,
  countUnmasked,
  deleteSubjectRows,
  latestExpiry,
  maskSubjectRows,
  restrictedUntil,
  softDeleteSubjectRows,
} from './postgres-erase';
import { subjectWhere, tableRef } from './sql';
import { REPORT_SAMPLE_RECORDS } from '../staging';

/** The per-deployment salt for hashed masks; derived from the signing secret unless set. */
export function maskingSalt(deps: ActivityDeps): string {
  return deps.config.MASKING_SALT ?? createHmac('sha256', deps.config.SIGNING_SECRET).update('dsar-engine masking salt').digest('hex');
}

async function open(ctx: ConnectorContext<CollectionEntry>) {
  const entry = ctx.node;
  return {
    entry,
    pool: storePool(entry.url),
    preds: await ctx.subject.predicates(entry.store, entry.collection),
    spec: entry.spec.onErasure ?? { action: 'delete' as const },
  };
}

/** The columns of a collection that hold a requested field: same name, or same category ending. */
export function columnsFor(entry: CollectionEntry, field: string): string[] {
  return Object.entries(entry.spec.fields)
    .filter(([name, f]) => fieldHolds(name, f, field))
    .map(([name]) => name);
}

export const postgresConnector: ConnectorFor<'postgres'> = {
  async resolve(ctx, predicates, columns) {
    return distinctValues(storePool(ctx.node.url), ctx.node, predicates, columns);
  },

  async read(ctx, sink) {
    const { entry, pool, preds } = await open(ctx);
    const base = `data/${entry.store}/${entry.collection}`;
    const files = await exportCollectionFiles(pool, entry, preds, sink, { json: `${base}.json`, csv: `${base}.csv` });
    await sink.sample(await sampleRows(pool, entry, preds, REPORT_SAMPLE_RECORDS));
    return { rows: files.rows, unit: 'rows', files: [files.json, files.csv] };
  },

  async plan(ctx) {
    const { entry, pool, preds, spec } = await open(ctx);
    const plan = { ...targetOf(entry), action: spec.action, rows: await countSubjectRows(pool, entry, preds) };
    if (spec.action === 'retain' && entry.spec.retention) {
      const until = await latestExpiry(pool, entry, preds, entry.spec.retention.timestamp, entry.spec.retention.maxAge);
      return {
        ...plan,
        basis: entry.spec.retention.basis,
        retainedUntil: until ? new Date(until).toISOString() : undefined,
        maskedFields: Object.keys(spec.mask ?? {}),
      };
    }
    if (spec.action === 'mask') return { ...plan, maskedFields: Object.keys(spec.mask) };
    if (spec.action === 'purge') return { ...plan, purgeAfter: spec.after };
    return plan;
  },

  async erase(ctx) {
    const { entry, pool, preds, spec } = await open(ctx);
    const base = { ...NOTHING_DONE, ...targetOf(entry) };
    switch (spec.action) {
      case 'delete': {
        const t0 = performance.now();
        const s = await deleteSubjectRows(pool, entry, preds);
        const t1 = performance.now();
        const remainingDue = await countSubjectRows(pool, entry, preds);
        return {
          ...base,
          action: 'delete',
          deleted: s.rows,
          longestStatementMs: s.longestStatementMs,
          remainingDue,
          eraseMs: Math.round(t1 - t0),
          proofMs: Math.round(performance.now() - t1),
        };
      }
      case 'mask': {
        const s = await maskSubjectRows(pool, entry, preds, { mask: spec.mask, salt: maskingSalt(ctx.deps) });
        return {
          ...base,
          action: 'mask',
          masked: s.rows,
          maskedFields: Object.keys(spec.mask),
          longestStatementMs: s.longestStatementMs,
          remainingDue: await countUnmasked(pool, entry, preds, spec.mask),
        };
      }
      case 'retain': {
        // validation guarantees a retained collection has a retention period with a basis
        const retention = entry.spec.retention!;
        const s = await maskSubjectRows(pool, entry, preds, {
          mask: spec.mask,
          salt: maskingSalt(ctx.deps),
          restrict: spec.restrictColumn
            ? { column: spec.restrictColumn, timestampColumn: retention.timestamp, maxAge: retention.maxAge }
            : undefined,
        });
        const until = spec.restrictColumn ? await restrictedUntil(pool, entry, preds, spec.restrictColumn) : { latest: null };
        return {
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
      }
      case 'purge': {
        // deactivate now; the hard delete comes when the grace period ends (a durable timer in the workflow)
        const softDeleted = await softDeleteSubjectRows(pool, entry, preds, spec.softDelete.set, spec.softDelete.timestamp);
        return { ...base, action: 'purge', softDeleted, purgeAfter: spec.after };
      }
    }
  },

  async verify(ctx) {
    const { entry, pool, preds, spec } = await open(ctx);
    if (spec.action === 'delete') return countSubjectRows(pool, entry, preds);
    if (spec.action === 'mask' || spec.action === 'retain') return countUnmasked(pool, entry, preds, spec.mask);
    return 0; // purge: due only when the grace period ends (see purge)
  },

  async purge(ctx) {
    const { entry, pool, preds } = await open(ctx);
    const s = await deleteSubjectRows(pool, entry, preds);
    return {
      deleted: s.rows,
      remaining: await countSubjectRows(pool, entry, preds),
      statements: s.statements,
      longestStatementMs: s.longestStatementMs,
    };
  },

  async correct(ctx, corrections) {
    const { entry, pool, preds } = await open(ctx);
    const changes: { field: string; column: string; rows: number; oldSha256: string[]; newSha256: string }[] = [];
    const table = tableRef(entry);
    for (const [field, value] of Object.entries(corrections)) {
      for (const column of columnsFor(entry, field)) {
        if (!preds.length) continue;
        const w = subjectWhere(preds, 2);
        const col = `t.${q(column)}`;
        const old = await pool.query<{ v: string }>(
          `SELECT DISTINCT ${col}::text AS v FROM ${table} t WHERE ${w.sql} AND ${col} IS DISTINCT FROM $1`,
          [value, ...w.params],
        );
        const r = await pool.query(`UPDATE ${table} t SET ${q(column)} = $1 WHERE ${w.sql} AND ${col} IS DISTINCT FROM $1`, [
          value,
          ...w.params,
        ]);
        changes.push({
          field,
          column,
          rows: r.rowCount ?? 0,
          oldSha256: old.rows.map((o) => sha256Hex(o.v ?? '')),
          newSha256: sha256Hex(value),
        });
      }
    }
    return { ...targetOf(entry), changes };
  },
};
