// Reading the data map from its file (DATAMAP_PATH), for the worker and the API: validated and
// compiled once per process. DATAMAP_PATH may list several files, separated like PATH
// (`datamap.yml:examples/processors/stripe.yml`): their identities are joined and stores gathered.
import { readFile } from 'node:fs/promises';
import { delimiter } from 'node:path';
import { parseDataMaps, type DataMapSource } from './datamap';
import { compileDataMap, type CompiledDataMap } from './datamap-graph';

/** The files a DATAMAP_PATH value names. */
export const dataMapFiles = (spec: string): string[] => spec.split(delimiter).filter(Boolean);

/** The texts of the files DATAMAP_PATH names; an error names the file that cannot be read. */
export async function readDataMapFiles(spec: string): Promise<DataMapSource[]> {
  const sources = [];
  for (const file of dataMapFiles(spec)) {
    try {
      sources.push({ name: file, text: await readFile(file, 'utf8') });
    } catch (err) {
      throw new Error(`cannot read the data map at ${file} (DATAMAP_PATH): ${(err as Error).message}`, { cause: err });
    }
  }
  if (!sources.length) throw new Error('DATAMAP_PATH names no file');
  return sources;
}

/** Errors name the failing path (or the file that cannot be read). */
export async function loadDataMap(spec: string, env: Record<string, string | undefined> = process.env): Promise<CompiledDataMap> {
  return compileDataMap(parseDataMaps(await readDataMapFiles(spec), env));
}
