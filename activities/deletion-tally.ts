// Deletion counts that add up across attempts. A retried erase or purge finds only the rows the
// failed attempt left, so the rows each batch deleted are recorded in the engine database
// (records/erasure-progress.ts) as they commit, and the total is what gets reported.
import { erasureProgress, recordBatch, startAttempt, type ErasureOperation, type ProgressKey } from '../records/erasure-progress';
import type { ActivityDeps } from './deps';
import type { DeletionTally } from './stores/connector';

export interface CountedTally extends DeletionTally {
  /** The rows (keys, objects) deleted across every attempt, or null when the connector counted nothing here. */
  totals(): Promise<{ deleted: number; statements: number } | null>;
}

export function deletionTally(deps: ActivityDeps, requestId: string, address: string, operation: ErasureOperation): CountedTally {
  const key: ProgressKey = { requestId, address, operation };
  let started = false;
  return {
    async start(dueNow) {
      await startAttempt(deps.engineDb, key, dueNow);
      started = true;
    },
    async batch(deleted) {
      if (started) await recordBatch(deps.engineDb, key, deleted);
    },
    async totals() {
      return started ? erasureProgress(deps.engineDb, key) : null;
    },
  };
}
