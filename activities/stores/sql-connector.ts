// The connector of every SQL store kind. What a request does to a collection — read it, plan,
// delete / mask / retain / purge as `onErasure` says, prove it by re-query, correct — is decided
// here once; each kind (PostgreSQL, MySQL) supplies the statements as a SqlBackend.
import { auditHashSecret, keyedHash } from '../../lib/keyed-hash';
import { fieldHolds, type MaskSpec } from '../../schemas/datamap';
import { withheldFields } from '../../schemas/disclosure';
import type { CollectionEntry, CollectionOf, SqlKind } from '../../schemas/datamap-graph';
import type { CorrectionSkip, FileDigest } from '../../schemas/workflow';
import type { ReadSink } from '../staging';
import type { BatchStats, DeletedRows, OnBatch, OnStart } from './batches';
import { correctionGuard, type ColumnCorrection, type CorrectionGuard } from './correction-guard';
import { NOTHING_DONE, targetOf, type Connector, type ConnectorContext } from './connector';
import { maskingSalt, type MaskOptions } from './masking';
import type { TableNeeds } from './schema-check';
import { flagsFor } from './processing-flags';
import type { FlagValues } from './flag-values';
import type { Predicate } from './selector';

export interface ExportedRows {
  rows: number;
  /** The files asked for (EXPORT_FORMATS). */
  json?: FileDigest;
  csv?: FileDigest;
  /** The first rows in key order, for the human-readable access report. */
  sample: Record<string, unknown>[];
}

export interface SweepStats extends BatchStats {
  /** Rows past the cutoff left alone because their subject is under a legal hold. */
  heldSkipped: number;
}

/**
 * What a SQL store kind provides. Every function acts on one collection and a subject's rows
 * (`preds`); values are bound, never spliced into SQL. Every write is safe to run again.
 */
export interface SqlBackend<K extends SqlKind> {
  /** Distinct values (as text) of `columns` in the subject's rows, NULLs left out. */
  distinctValues(entry: CollectionOf<K>, preds: Predicate[], columns: string[]): Promise<Record<string, string[]>>;
  /**
   * Streams the subject's rows in key order, read once, into `names.json` (a JSON array) and/or
   * `names.csv` (whichever is named), without the `omit` columns.
   */
  exportRows(
    entry: CollectionOf<K>,
    preds: Predicate[],
    sink: ReadSink,
    names: { json?: string; csv?: string },
    omit: readonly string[],
  ): Promise<ExportedRows>;
  countRows(entry: CollectionOf<K>, preds: Predicate[]): Promise<number>;
  /** Subject rows whose masked fields still hold a value that is not masked (must be 0). */
  countUnmasked(entry: CollectionOf<K>, preds: Predicate[], mask: MaskSpec | undefined): Promise<number>;
  /**
   * Deletes the subject's rows in batches (batches.ts); `onStart` first with the rows due, `onBatch`
   * after each batch commits, with its rows. `remaining` when the last statement carried the proof.
   */
  deleteRows(entry: CollectionOf<K>, preds: Predicate[], hooks?: { onStart?: OnStart; onBatch?: OnBatch }): Promise<DeletedRows>;
  /** Masks fields and sets the restriction column of the subject's rows, in batches. */
  maskRows(entry: CollectionOf<K>, preds: Predicate[], opts: MaskOptions): Promise<BatchStats>;
  /** Sets `set` at once (and `timestampColumn` to now, keeping a first deactivation time); rows touched. */
  softDeleteRows(entry: CollectionOf<K>, preds: Predicate[], set: Record<string, unknown>, timestampColumn?: string): Promise<number>;
  /** The latest value of a subject's `column` (the expiry of restricted rows). */
  latest(entry: CollectionOf<K>, preds: Predicate[], column: string): Promise<Date | null>;
  /** When the last of the subject's rows would expire: max(timestampColumn) + maxAge. */
  latestExpiry(entry: CollectionOf<K>, preds: Predicate[], timestampColumn: string, maxAge: string): Promise<Date | null>;
  /**
   * Sets `column` to `value` where it differs, except in masked values and restricted rows (`guard`),
   * which get `guard.rewriteAs` when set and are otherwise left alone and counted.
   */
  correctColumn(
    entry: CollectionOf<K>,
    preds: Predicate[],
    column: string,
    value: string,
    guard: CorrectionGuard,
  ): Promise<ColumnCorrection>;
  /** Sets the columns of `set` on the subject's rows (NOW: a timestamp kept at its first value); rows touched. */
  setFlags(entry: CollectionOf<K>, preds: Predicate[], set: FlagValues): Promise<number>;
  /** The subject's rows where some column of `set` does not hold its value (0: the change is in place). */
  countFlagsUnset(entry: CollectionOf<K>, preds: Predicate[], set: FlagValues): Promise<number>;
  /** Deletes rows whose `column` is older than `age` (oldest first, in batches), skipping rows of `held` subjects. */
  sweepExpired(entry: CollectionOf<K>, held: Predicate[], column: string, age: string): Promise<SweepStats>;
  /** At worker start: the table, columns and privileges `needs` names that the live store lacks, one sentence each. */
  checkSchema(entry: CollectionOf<K>, needs: TableNeeds): Promise<string[]>;
}

/** The columns of a collection that hold a requested field: same name, or same category ending. */
export function columnsFor(entry: CollectionEntry, field: string): string[] {
  return Object.entries(entry.spec.fields)
    .filter(([name, f]) => fieldHolds(name, f, field))
    .map(([name]) => name);
}

/** The connector of one SQL kind, from its backend (any kind's backend serves its own collections). */
export function sqlConnector(db: SqlBackend<SqlKind>): Connector<CollectionEntry> {
  const open = async (ctx: ConnectorContext<CollectionEntry>) => ({
    entry: ctx.node,
    preds: await ctx.subject.predicates(ctx.node.store, ctx.node.collection),
    spec: ctx.node.spec.onErasure ?? { action: 'delete' as const },
  });
  const iso = (d: Date | null) => (d ? d.toISOString() : undefined);
  /** Deletes the subject's rows, counting each batch in the request's tally (if any) as it commits. */
  const deleteCounted = async (ctx: ConnectorContext<CollectionEntry>, entry: CollectionEntry, preds: Predicate[]) => {
    const tally = ctx.tally;
    if (!tally) return db.deleteRows(entry, preds);
    return db.deleteRows(entry, preds, { onStart: (due) => tally.start(due), onBatch: (rows) => tally.batch(rows) });
  };
  /** The re-query proof: carried by the deletion's last statement where the store does that, else counted now. */
  const left = async (s: DeletedRows, entry: CollectionEntry, preds: Predicate[]) => s.remaining ?? (await db.countRows(entry, preds));

  return {
    resolve: (ctx, predicates, columns) => db.distinctValues(ctx.node, predicates, columns),

    async read(ctx, sink) {
      const { entry, preds } = await open(ctx);
      const base = `data/${entry.store}/${entry.collection}`;
      // never disclosed: credentials, secrets (schemas/disclosure.ts); the manifest names them
      const omit = withheldFields(entry.spec.fields, ctx.deps.dataMap.source.neverDisclosed).map((w) => w.field);
      const formats = ctx.deps.config.EXPORT_FORMATS;
      const names = Object.fromEntries(formats.map((f) => [f, `${base}.${f}`]));
      const out = await db.exportRows(entry, preds, sink, names, omit);
      await sink.sample(out.sample);
      return { rows: out.rows, unit: 'rows', files: [out.json, out.csv].filter((f) => f !== undefined) };
    },

    async plan(ctx) {
      const { entry, preds, spec } = await open(ctx);
      const plan = { ...targetOf(entry), action: spec.action, rows: await db.countRows(entry, preds) };
      if (spec.action === 'retain' && entry.spec.retention) {
        const { timestamp, maxAge, basis } = entry.spec.retention;
        const until = await db.latestExpiry(entry, preds, timestamp, maxAge);
        return { ...plan, basis, retainedUntil: iso(until), maskedFields: Object.keys(spec.mask ?? {}) };
      }
      if (spec.action === 'mask') return { ...plan, maskedFields: Object.keys(spec.mask) };
      if (spec.action === 'purge') return { ...plan, purgeAfter: spec.after };
      return plan;
    },

    async erase(ctx) {
      const { entry, preds, spec } = await open(ctx);
      const base = { ...NOTHING_DONE, ...targetOf(entry) };
      switch (spec.action) {
        case 'delete': {
          const t0 = performance.now();
          const s = await deleteCounted(ctx, entry, preds);
          const t1 = performance.now();
          const remainingDue = await left(s, entry, preds);
          // a proof folded into the last statement is timed apart from the deletes before it
          const proofMs = s.proofMs ?? performance.now() - t1;
          return {
            ...base,
            action: 'delete',
            deleted: s.rows,
            statements: s.statements,
            longestStatementMs: s.longestStatementMs,
            remainingDue,
            eraseMs: Math.round(performance.now() - t0 - proofMs),
            proofMs: Math.round(proofMs),
          };
        }
        case 'mask': {
          const s = await db.maskRows(entry, preds, { mask: spec.mask, salt: maskingSalt(ctx.deps) });
          return {
            ...base,
            action: 'mask',
            masked: s.rows,
            maskedFields: Object.keys(spec.mask),
            statements: s.statements,
            longestStatementMs: s.longestStatementMs,
            remainingDue: await db.countUnmasked(entry, preds, spec.mask),
          };
        }
        case 'retain': {
          // validation guarantees a retained collection has a retention period with a basis
          const retention = entry.spec.retention!;
          const s = await db.maskRows(entry, preds, {
            mask: spec.mask,
            salt: maskingSalt(ctx.deps),
            restrict: spec.restrictColumn
              ? { column: spec.restrictColumn, timestampColumn: retention.timestamp, maxAge: retention.maxAge }
              : undefined,
          });
          const until = spec.restrictColumn ? await db.latest(entry, preds, spec.restrictColumn) : null;
          return {
            ...base,
            action: 'retain',
            retained: await db.countRows(entry, preds),
            masked: spec.mask ? s.rows : 0,
            maskedFields: Object.keys(spec.mask ?? {}),
            basis: retention.basis,
            retentionPeriod: retention.maxAge,
            retainedUntil: iso(until),
            statements: s.statements,
            longestStatementMs: s.longestStatementMs,
            remainingDue: await db.countUnmasked(entry, preds, spec.mask),
          };
        }
        case 'purge': {
          // deactivate now; the hard delete comes when the grace period ends (a durable timer in the workflow)
          const softDeleted = await db.softDeleteRows(entry, preds, spec.softDelete.set, spec.softDelete.timestamp);
          return { ...base, action: 'purge', softDeleted, purgeAfter: spec.after };
        }
      }
    },

    async verify(ctx) {
      const { entry, preds, spec } = await open(ctx);
      if (spec.action === 'delete') return db.countRows(entry, preds);
      if (spec.action === 'mask' || spec.action === 'retain') return db.countUnmasked(entry, preds, spec.mask);
      return 0; // purge: due only when the grace period ends (see purge)
    },

    async purge(ctx) {
      const { entry, preds } = await open(ctx);
      const s = await deleteCounted(ctx, entry, preds);
      return {
        deleted: s.rows,
        remaining: await left(s, entry, preds),
        statements: s.statements,
        longestStatementMs: s.longestStatementMs,
      };
    },

    async process(ctx, change) {
      const { entry, preds } = await open(ctx);
      const set = flagsFor(ctx.deps.dataMap.source, entry, change);
      const rows = await db.setFlags(entry, preds, set);
      return {
        ...targetOf(entry),
        change: change.kind,
        rows,
        remaining: await db.countFlagsUnset(entry, preds, set),
        columns: Object.keys(set),
      };
    },

    async correct(ctx, corrections) {
      const { entry, preds } = await open(ctx);
      const secret = auditHashSecret(ctx.deps.config);
      const salt = maskingSalt(ctx.deps);
      const changes: { field: string; column: string; rows: number; oldHash: string[]; newHash: string }[] = [];
      const skipped: CorrectionSkip[] = [];
      if (!preds.length) return { ...targetOf(entry), changes };
      for (const [field, value] of Object.entries(corrections)) {
        for (const column of columnsFor(entry, field)) {
          const guard = correctionGuard(entry.spec.onErasure, column, value, salt);
          const r = await db.correctColumn(entry, preds, column, value, guard);
          changes.push({ field, column, rows: r.rows, oldHash: r.old.map((o) => keyedHash(secret, o)), newHash: keyedHash(secret, value) });
          if (r.skipped.masked) skipped.push({ field, column, rows: r.skipped.masked, reason: 'masked' });
          if (r.skipped.restricted) skipped.push({ field, column, rows: r.skipped.restricted, reason: guard.restrictedAs ?? 'restricted' });
        }
      }
      return { ...targetOf(entry), changes, ...(skipped.length ? { skipped } : {}) };
    },
  };
}
