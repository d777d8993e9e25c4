// Production entry: `npm run worker` (or `dsar worker`). Configuration comes from the environment.
import { NativeConnection } from '@temporalio/worker';
import { closeStorePools } from '../activities/stores/postgres';
import { unreachableCollections } from '../activities/stores/selector';
import { migrate } from '../db/migrate';
import { ConfigError, loadConfig } from '../schemas/config';
import { DataMapError } from '../schemas/datamap';
import { createDsarWorker } from './create';
import { buildActivityDeps } from './deps';

export async function runWorker(env: Record<string, string | undefined> = process.env): Promise<void> {
  const config = loadConfig(env);
  const deps = await buildActivityDeps(config, env);
  await migrate(deps.engineDb);
  for (const name of unreachableCollections(deps.dataMap)) {
    console.warn(`data map: ${name} cannot be reached from any identity and will never be searched`);
  }
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const worker = await createDsarWorker({ connection, namespace: config.TEMPORAL_NAMESPACE, taskQueue: config.TEMPORAL_TASK_QUEUE, deps });
  try {
    await worker.run(); // returns after SIGINT/SIGTERM (the SDK's default shutdown signals)
  } finally {
    await connection.close();
    await deps.engineDb.end();
    await closeStorePools();
  }
}

if (require.main === module) {
  runWorker().catch((err) => {
    console.error(err instanceof ConfigError || err instanceof DataMapError ? err.message : err);
    process.exit(1);
  });
}
