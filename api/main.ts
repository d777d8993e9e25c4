// Production entry: `npm run api` (or `dsar api`).
import { Client, Connection } from '@temporalio/client';
import { migrate } from '../db/migrate';
import { createPool } from '../records/pool';
import { closeS3Clients } from '../storage/s3-clients';
import { ConfigError, loadConfig, type Config } from '../schemas/config';
import { compileDataMapSources } from '../lib/datamap-version';
import { readDataMapFiles } from '../schemas/datamap-load';
import { buildApp } from './app';
import { startImapPoller } from './imap-poller';
import { schedulePendingWorkflowSweep } from './workflows';

const MAX_RECONNECT_BACKOFF_MS = 5_000;

/**
 * The API's Temporal client. Lazy: the API starts and takes requests while Temporal is down; calls
 * connect (and reconnect) when made, each bounded by its own deadline (api/workflows.ts).
 */
export function connectTemporalLazily(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): {
  connection: Connection;
  client: Client;
} {
  const connection = Connection.lazy({
    address: config.TEMPORAL_ADDRESS,
    // gRPC backs off reconnecting up to 2 minutes by default; once Temporal is back, find it sooner
    channelArgs: { 'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS },
  });
  return { connection, client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }) };
}

export interface RunApiOptions {
  /** Where a lost engine-DB connection is reported (default: a console warning); `dsar dev` hushes it during its stop. */
  onConnectionLost?: (message: string) => void;
}

export async function runApi(
  env: Record<string, string | undefined> = process.env,
  opts: RunApiOptions = {},
): Promise<() => Promise<void>> {
  const config = loadConfig(env);
  // A lost connection fails the call under way with 503 (api/errors.ts), never the process.
  const engineDb = createPool(config.DATABASE_URL, {
    statementTimeoutMs: config.API_DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
    connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS,
    max: 10,
    clientReadTimeout: true,
    onConnectionLost: opts.onConnectionLost ?? ((message) => console.warn(`engine database connection lost: ${message}`)),
  });
  await migrate(engineDb);
  const { connection, client: temporal } = connectTemporalLazily(config);
  const deps = { config, engineDb, temporal, dataMap: compileDataMapSources(await readDataMapFiles(config.DATAMAP_PATH), env) };
  const app = await buildApp(deps);
  await app.listen({ host: config.HOST, port: config.PORT });
  const sweep = schedulePendingWorkflowSweep(deps, { intervalMs: config.PENDING_WORKFLOW_SWEEP_SECONDS * 1000, log: app.log });
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
    await sweep.stop();
    await imap?.stop();
    await app.close();
    await connection.close();
    await engineDb.end();
    closeS3Clients();
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
