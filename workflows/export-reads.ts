// An export's or access request's reads: each collection one by one (the step code requests were
// started with before LEAN_STEPS_PATCH), or one data step per store (the lean step code).
import type { Target } from '../schemas/datamap-graph';
import type { CollectionProgress } from '../schemas/request';
import type { CollectionExportResult, ManualTaskCompletion } from '../schemas/workflow';
import type { AttentionGuard } from './attention';
import { dataSteps } from './request-steps';

export type ManualOperation = 'read' | 'erase' | 'correct' | 'process';

export interface ManualTasks {
  /** For a manual store: opens its task, waits until an admin completes it, records it. Nothing for other kinds. */
  run(t: Target, operation: ManualOperation, p: CollectionProgress): Promise<ManualTaskCompletion | undefined>;
}

export async function readOne(
  requestId: string,
  t: Target,
  p: CollectionProgress,
  manual: ManualTasks,
  guard: AttentionGuard,
): Promise<CollectionExportResult> {
  await manual.run(t, 'read', p);
  p.state = 'running';
  const result = await guard.run(() => dataSteps.readTarget(requestId, t));
  p.state = 'done';
  p.rows = result.rows;
  return result;
}

/** The lean step code's reads: one data step per store (its targets side by side), manual stores one by one. */
export async function readByStore(
  requestId: string,
  targets: Target[],
  progress: CollectionProgress[],
  manual: ManualTasks,
  guard: AttentionGuard,
): Promise<CollectionExportResult[]> {
  const results: CollectionExportResult[] = new Array(targets.length);
  const byStore = new Map<string, number[]>();
  targets.forEach((t, i) => {
    if (t.kind !== 'manual') byStore.set(t.store, [...(byStore.get(t.store) ?? []), i]);
  });
  await Promise.all([
    ...targets.map(async (t, i) => {
      if (t.kind === 'manual') results[i] = await readOne(requestId, t, progress[i], manual, guard);
    }),
    ...[...byStore.values()].map(async (indexes) => {
      for (const i of indexes) progress[i].state = 'running';
      const read = await guard.run(() =>
        dataSteps.readStoreTargets(
          requestId,
          indexes.map((i) => targets[i]),
        ),
      );
      indexes.forEach((i, k) => {
        results[i] = read[k];
        progress[i].state = 'done';
        progress[i].rows = read[k].rows;
      });
    }),
  ]);
  return results;
}
