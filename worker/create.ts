import { NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../activities';
import { workerInterceptors } from './metrics';
import type { ActivityDeps } from '../activities/deps';
import { recordStartingDataMap } from '../records/datamap-versions';
import type { Config } from '../schemas/config';

export const WORKFLOWS_PATH = require.resolve('../workflows');

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Task slots and sticky cache (WORKER_* configuration); bench/README.md has what bench/load.ts measured for them. */
  tuning?: WorkerTuning;
  /** A prebuilt bundle (tests build one per run); otherwise workflows are bundled at start. */
  workflowBundle?: WorkflowBundle;
}

export interface WorkerTuning {
  maxActivities: number;
  maxWorkflowTasks: number;
  maxCachedWorkflows: number;
}

export const tuningFrom = (
  c: Pick<Config, 'WORKER_MAX_ACTIVITIES' | 'WORKER_MAX_WORKFLOW_TASKS' | 'WORKER_MAX_CACHED_WORKFLOWS'>,
): WorkerTuning => ({
  maxActivities: c.WORKER_MAX_ACTIVITIES,
  maxWorkflowTasks: c.WORKER_MAX_WORKFLOW_TASKS,
  maxCachedWorkflows: c.WORKER_MAX_CACHED_WORKFLOWS,
});

export async function createDsarWorker(opts: WorkerOptions): Promise<Worker> {
  await recordStartingDataMap(opts.deps.engineDb, opts.deps.dataMap, 'worker');
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.deps),
    maxConcurrentActivityTaskExecutions: opts.tuning?.maxActivities ?? 8,
    maxConcurrentLocalActivityExecutions: opts.tuning?.maxActivities ?? 8,
    ...(opts.tuning
      ? { maxConcurrentWorkflowTaskExecutions: opts.tuning.maxWorkflowTasks, maxCachedWorkflows: opts.tuning.maxCachedWorkflows }
      : {}),
    interceptors: workerInterceptors(),
  });
}
