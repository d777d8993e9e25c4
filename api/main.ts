// Production entry: `npm run api` (or `dsar api`).
import { Client, Connection } from '@temporalio/client';
import { migrate } from '../db/migrate';
import { createPool } from '../records/pool';
import { ConfigError, loadConfig } from '../schemas/config';
import { loadDataMap } from '../schemas/datamap-load';
import { buildApp } from './app';
import { startImapPoller } from './imap-poller';
import { startPendingWorkflows } from './workflows';

const PENDING_SWEEP_MS = 60_000;

export async function runApi(env: Record<string, string | undefined> = process.env): Promise<() => Promise<void>> {
  const config = loadConfig(env);
  // A lost connection fails the call under way with 503 (api/errors.ts), never the process.
  const engineDb = createPool(config.DATABASE_URL, {
    statementTimeoutMs: config.API_DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    max: 10,
    clientReadTimeout: true,
    onConnectionLost: (message) => console.warn(`engine database connection lost: ${message}`),
  });
  await migrate(engineDb);
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const deps = { config, engineDb, temporal, dataMap: await loadDataMap(config.DATAMAP_PATH, env) };
  const app = await buildApp(deps);
  await app.listen({ host: config.HOST, port: config.PORT });
  const sweep = setInterval(() => {
    startPendingWorkflows(deps, engineDb).catch((err) => app.log.warn({ err: (err as Error).message }, 'pending workflow sweep failed'));
  }, PENDING_SWEEP_MS);
  sweep.unref();
  const imap = config.IMAP_URL
    ? startImapPoller(deps, {
        url: config.IMAP_URL,
        mailbox: config.IMAP_MAILBOX,
        processedFolder: config.IMAP_PROCESSED_FOLDER,
        intervalMs: config.IMAP_POLL_SECONDS * 1000,
        log: (msg) => app.log.warn(msg),
      })
    : null;
  void imap?.pollOnce().catch((err) => app.log.warn({ err: (err as Error).message }, 'first inbox poll failed'));
  return async () => {
    clearInterval(sweep);
    await imap?.stop();
    await app.close();
    await connection.close();
    await engineDb.end();
  };
}

if (require.main === module) {
  runApi()
    .then((stop) => {
      const shutdown = () => void stop().then(() => process.exit(0));
      process.once('SIGINT', shutdown);
      process.once('SIGTERM', shutdown);
    })
    .catch((err) => {
      console.error(err instanceof ConfigError ? err.message : err);
      process.exit(1);
    });
}
