import { readFile } from 'node:fs/promises';
import { Pool } from 'pg';
import type { ActivityDeps } from '../activities/deps';
import { createMailer } from '../activities/email';
import type { Config } from '../schemas/config';
import { parseDataMap } from '../schemas/datamap';
import { compileDataMap, type CompiledDataMap } from '../schemas/datamap-graph';

/** Reads, validates and compiles the data map once; errors name the failing path. */
export async function loadDataMap(file: string, env: Record<string, string | undefined> = process.env): Promise<CompiledDataMap> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the data map at ${file} (DATAMAP_PATH): ${(err as Error).message}`, { cause: err });
  }
  return compileDataMap(parseDataMap(text, env));
}

export async function buildActivityDeps(config: Config, env: Record<string, string | undefined> = process.env): Promise<ActivityDeps> {
  const engineDb = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  // An idle client's lost connection (a database restart, a failover) must not crash the
  // worker: the next query reconnects, and a failed activity is retried by Temporal.
  engineDb.on('error', () => undefined);
  return {
    engineDb,
    dataMap: await loadDataMap(config.DATAMAP_PATH, env),
    mailer: createMailer(config.SMTP_URL),
    config,
  };
}
