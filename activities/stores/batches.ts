// Batched writes shared by the SQL stores: at most ERASE_BATCH rows per statement, so no
// statement holds its locks for long, with the count of statements and the longest one kept
// as evidence (erasure outcomes and sweep results report them).

export const ERASE_BATCH = 10_000;

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
