// Reading the data map from its file (DATAMAP_PATH), for the worker and the API: validated and
// compiled once per process.
import { readFile } from 'node:fs/promises';
import { parseDataMap } from './datamap';
import { compileDataMap, type CompiledDataMap } from './datamap-graph';

/** Errors name the failing path (or the file that cannot be read). */
export async function loadDataMap(file: string, env: Record<string, string | undefined> = process.env): Promise<CompiledDataMap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the data map at ${file} (DATAMAP_PATH): ${(err as Error).message}`, { cause: err });
  }
  return compileDataMap(parseDataMap(text, env));
}
