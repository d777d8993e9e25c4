import type { ActivityDeps } from '../activities/deps';
import { createMailer } from '../activities/email';
import { configureStorePools } from '../activities/stores/postgres';
import { createPool } from '../records/pool';
import type { Config } from '../schemas/config';
import { compileDataMapSources } from '../lib/datamap-version';
import { readDataMapFiles } from '../schemas/datamap-load';

export async function buildActivityDeps(config: Config, env: Record<string, string | undefined> = process.env): Promise<ActivityDeps> {
  const timeouts = {
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
  };
  // A lost connection (a database restart, a failover, a terminated session) must not end the
  // worker: it fails the query under way, and Temporal retries the activity.
  const engineDb = createPool(config.DATABASE_URL, { ...timeouts, max: 10, clientReadTimeout: true });
  configureStorePools({ ...timeouts, exportStatementTimeoutMs: config.DB_EXPORT_STATEMENT_TIMEOUT_MS });
  return {
    engineDb,
    dataMap: compileDataMapSources(await readDataMapFiles(config.DATAMAP_PATH), env),
    mailer: createMailer(config.SMTP_URL, config),
    config,
  };
}
