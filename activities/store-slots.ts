// Each store's data steps in one worker run at most `maxConcurrency` at once (data map key,
// default 4); the rest wait in the order they asked, so the product database sees a bounded
// number of the engine's queries and earlier requests are served first.
import { DEFAULT_STORE_CONCURRENCY } from '../schemas/datamap-common';
import type { CompiledDataMap } from '../schemas/datamap-graph';

interface Slots {
  running: number;
  waiting: (() => void)[];
}
const slots = new Map<string, Slots>();

/** The store's limit as the data map sets it. */
export function storeConcurrency(map: CompiledDataMap, store: string): number {
  const s = map.source.stores[store] as { maxConcurrency?: number } | undefined;
  return s?.maxConcurrency ?? DEFAULT_STORE_CONCURRENCY;
}

export async function withStoreSlot<T>(map: CompiledDataMap, store: string, run: () => Promise<T>): Promise<T> {
  const max = storeConcurrency(map, store);
  let s = slots.get(store);
  if (!s) slots.set(store, (s = { running: 0, waiting: [] }));
  if (s.running >= max) await new Promise<void>((resolve) => s.waiting.push(resolve));
  else s.running++;
  try {
    return await run();
  } finally {
    const next = s.waiting.shift();
    if (next)
      next(); // the slot passes on as it is
    else s.running--;
  }
}

/** Steps running and waiting per store (for tests and metrics). */
export function storeSlotUse(store: string): { running: number; waiting: number } {
  const s = slots.get(store);
  return { running: s?.running ?? 0, waiting: s?.waiting.length ?? 0 };
}
