import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { workerInterceptors } from './metrics';
import type { ActivityDeps } from '../activities/deps';
import { recordStartingDataMap } from '../records/datamap-versions';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** A prebuilt bundle (tests build one per run); otherwise workflows are bundled at start. */
  workflowBundle?: WorkflowBundle;
}

export async function createDsarWorker(opts: WorkerOptions): Promise<Worker> {
  await recordStartingDataMap(opts.deps.engineDb, opts.deps.dataMap, 'worker');
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: 8,
    interceptors: workerInterceptors(),
  });
}
