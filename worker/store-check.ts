// The worker's start-up check of the data map against the live stores: the same check as
// `dsar datamap check` (activities/stores/datamap-check.ts). Errors refuse the start, naming each
// path; warnings are logged (paths and tables only, never sampled values) and the result is
// saved for the dashboard.
import { checkDataMap } from '../activities/stores/datamap-check';
import type { DataMapCheckResult } from '../schemas/datamap-check';
import type { CompiledDataMap } from '../schemas/datamap-graph';

export class StoreSchemaError extends Error {
  constructor(readonly problems: string[]) {
    super(`the data map does not match the live stores, so the worker does not start:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'StoreSchemaError';
  }
}

export async function checkStoresAtStart(
  map: CompiledDataMap,
  warn: (message: string) => void = console.warn,
  save?: (result: DataMapCheckResult) => Promise<void>,
): Promise<DataMapCheckResult> {
  const result = await checkDataMap(map);
  try {
    await save?.(result);
  } catch (err) {
    warn(`data map: the check's result was not saved for the dashboard (${(err as Error).message})`);
  }
  for (const w of result.warnings) warn(`data map: ${w.path}: ${w.message}`);
  if (result.errors.length) throw new StoreSchemaError(result.errors.map((f) => `${f.path}: ${f.message}`).sort());
  return result;
}
