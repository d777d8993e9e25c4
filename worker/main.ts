// Production entry: `npm run worker` (or `dsar worker`). Configuration comes from the environment.
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type LogLevel } from '@temporalio/worker';
import { closeRedisClients } from '../activities/stores/redis';
import { closeS3Clients } from '../storage/s3-clients';
import { ensureRetentionSchedule } from './schedules';
import { closeMysqlPools } from '../activities/stores/mysql';
import { closeStorePools } from '../activities/stores/postgres';
import { migrate } from '../db/migrate';
import { ConfigError, loadConfig } from '../schemas/config';
import { DataMapError } from '../schemas/datamap';
import { loadWorkflowBundle } from './bundle';
import { createDsarWorker, tuningFrom } from './create';
import { startWorkerMetricsServer } from './metrics';
import { buildActivityDeps } from './deps';
import { checkStoresAtStart, StoreSchemaError } from './store-check';
import { saveDataMapCheck } from '../records/datamap-checks';

export async function runWorker(env: Record<string, string | undefined> = process.env): Promise<void> {
  const config = loadConfig(env);
  const deps = await buildActivityDeps(config, env);
  await migrate(deps.engineDb);
  try {
    // the map's own warnings are among the check's
    await checkStoresAtStart(deps.dataMap, console.warn, (result) => saveDataMapCheck(deps.engineDb, result));
  } catch (err) {
    await deps.engineDb.end();
    await closeStorePools();
    await closeMysqlPools();
    throw err;
  }
  const clientConnection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    await ensureRetentionSchedule(
      new Client({ connection: clientConnection, namespace: config.TEMPORAL_NAMESPACE }),
      config.TEMPORAL_TASK_QUEUE,
    );
  } catch (err) {
    // Schedules need a server that has them (not every test server does); the sweep can
    // also be applied later with `dsar schedules apply`.
    console.warn(`retention schedule not applied: ${(err as Error).message}`);
  } finally {
    await clientConnection.close();
  }
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const workflowBundle = await loadWorkflowBundle(config.WORKFLOW_BUNDLE_PATH);
  const worker = await createDsarWorker({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    deps,
    workflowBundle,
    tuning: tuningFrom(config),
  });
  const metricsServer = config.WORKER_METRICS_PORT ? await startWorkerMetricsServer(config.WORKER_METRICS_PORT) : null;
  try {
    await worker.run(); // returns after SIGINT/SIGTERM (the SDK's default shutdown signals)
  } finally {
    metricsServer?.close();
    await connection.close();
    await deps.engineDb.end();
    await closeStorePools();
    await closeMysqlPools();
    await closeRedisClients();
    closeS3Clients();
  }
}

/** The SDK's log level for LOG_LEVEL (info when unset), so `dsar dev` (warn) keeps the console quiet. */
function sdkLogLevel(level: string | undefined): LogLevel {
  if (level === 'debug' || level === 'trace') return level.toUpperCase() as LogLevel;
  if (level === 'warn') return 'WARN';
  if (level === 'error' || level === 'fatal' || level === 'silent') return 'ERROR';
  return 'INFO';
}

if (require.main === module) {
  Runtime.install({ logger: new DefaultLogger(sdkLogLevel(process.env.LOG_LEVEL)) });
  runWorker().catch((err) => {
    console.error(err instanceof ConfigError || err instanceof DataMapError || err instanceof StoreSchemaError ? err.message : err);
    process.exit(1);
  });
}
