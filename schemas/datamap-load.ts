// Reading the data map from its file (DATAMAP_PATH), for the worker and the API.
import { readFile } from 'node:fs/promises';
import { parseDataMap, type DataMap } from './datamap';

export async function loadDataMap(file: string, env: Record<string, string | undefined> = process.env): Promise<DataMap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the data map at ${file} (DATAMAP_PATH): ${(err as Error).message}`);
  }
  return parseDataMap(text, env);
}
