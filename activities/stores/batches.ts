// Batched writes shared by the SQL stores: at most ERASE_BATCH rows per statement, so no
// statement holds its locks for long, with the count of statements and the longest one kept
// as evidence (erasure outcomes and sweep results report them).

export const ERASE_BATCH = 10_000;

/**
 * A subject's deletion in PostgreSQL sizes its batches by measurement: starting at ERASE_BATCH
 * rows, each next batch is scaled towards this statement time (at most doubling), up to
 * ERASE_BATCH_MAX rows; a slow store stays at ERASE_BATCH.
 */
export const ERASE_TARGET_MS = 250;
export const ERASE_BATCH_MAX = 100_000;

/** The size of the next batch after one of `size` rows took `ms`. */
export function measuredBatch(size: number, ms: number): number {
  const scaled = Math.floor(size * Math.min(2, ERASE_TARGET_MS / Math.max(ms, 1)));
  return Math.max(ERASE_BATCH, Math.min(ERASE_BATCH_MAX, scaled));
}

/** Told once, before the first batch, how many of the subject's rows are due (erasure counts them across attempts). */
export type OnStart = (dueNow: number) => Promise<void>;

/** What a subject's deletion reports: its batches, and the proof when its last statement carried it. */
export interface DeletedRows extends BatchStats {
  /** The subject's rows left once the last statement committed, counted in that statement's snapshot. */
  remaining?: number;
  /** How long that last statement (the proof) took. */
  proofMs?: number;
}

export interface BatchStats {
  rows: number;
  statements: number;
  longestStatementMs: number;
}

/** A large subject's erasure runs this many batch streams at once, each over its own range. */
export const ERASE_LANES = 2;

/** Sweeps run this many batch streams at once, each over its own time range. */
export const SWEEP_LANES = 2;

/** Told after each write batch commits, with the rows it changed (erasure counts them across attempts). */
export type OnBatch = (rows: number) => Promise<void>;

export const noBatches = (): BatchStats => ({ rows: 0, statements: 0, longestStatementMs: 0 });

/** Runs one statement, keeping the longest duration; a write (not a read that picks a batch) is counted. */
export async function timed<T>(stats: BatchStats, run: () => Promise<T>, counted = true): Promise<T> {
  const t0 = performance.now();
  const r = await run();
  if (counted) stats.statements++;
  stats.longestStatementMs = Math.max(stats.longestStatementMs, performance.now() - t0);
  return r;
}

/** The stats of batch streams run side by side, as one. */
export function sumBatches(all: BatchStats[]): BatchStats {
  return all.reduce(
    (a, l) => ({
      rows: a.rows + l.rows,
      statements: a.statements + l.statements,
      longestStatementMs: Math.max(a.longestStatementMs, l.longestStatementMs),
    }),
    noBatches(),
  );
}
