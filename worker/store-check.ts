// The worker's start-up check of the data map against the live SQL stores (see
// activities/stores/schema-check.ts): a missing table, column or privilege refuses the start,
// naming each path; an unreachable store is a warning.
import { checkStoreSchemas } from '../activities/stores/schema-check';
import type { CompiledDataMap } from '../schemas/datamap-graph';

export class StoreSchemaError extends Error {
  constructor(readonly problems: string[]) {
    super(`the data map does not match the live stores, so the worker does not start:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'StoreSchemaError';
  }
}

export async function checkStoresAtStart(map: CompiledDataMap, warn: (message: string) => void = console.warn): Promise<void> {
  const { problems, warnings } = await checkStoreSchemas(map);
  for (const w of warnings) warn(`data map: ${w}`);
  if (problems.length) throw new StoreSchemaError(problems);
}
