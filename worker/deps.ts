import { Pool } from 'pg';
import type { ActivityDeps } from '../activities/deps';
import { createMailer } from '../activities/email';
import type { Config } from '../schemas/config';
import { loadDataMap } from '../schemas/datamap-load';

export async function buildActivityDeps(config: Config, env: Record<string, string | undefined> = process.env): Promise<ActivityDeps> {
  const engineDb = new Pool({ connectionString: config.DATABASE_URL, max: 10 });
  // An idle client's lost connection (a database restart, a failover) must not crash the
  // worker: the next query reconnects, and a failed activity is retried by Temporal.
  engineDb.on('error', () => undefined);
  return {
    engineDb,
    dataMap: await loadDataMap(config.DATAMAP_PATH, env),
    mailer: createMailer(config.SMTP_URL, config),
    config,
  };
}
