// The request workflow against mocked activities on Temporal's Java test server (time skipping
// locked: time moves only through `env.sleep`), one worker and task queue per run. Registers the
// file's before/after hooks; `run` starts one request and runs `body` beside it.
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { after, before } from 'node:test';
import type { DsarActivities } from '../../activities';
import { DSAR_WORKFLOW } from '../../schemas/contract';
import type { DsarRequestInput } from '../../schemas/workflow';
import type { dsarRequest } from '../../workflows/dsar-request';
import { createTimeSkippingEnv } from './time-skipping';

export interface WorkflowHarness {
  /** The test server (for `currentTimeMs` and `sleep`); set once the file's `before` ran. */
  readonly env: TestWorkflowEnvironment;
  run<T>(
    activities: Partial<DsarActivities>,
    input: Partial<DsarRequestInput>,
    body: (handle: WorkflowHandle<typeof dsarRequest>) => Promise<T>,
  ): Promise<T>;
}

export function workflowHarness(name: string, defaults: Partial<DsarRequestInput> = {}): WorkflowHarness {
  let env: TestWorkflowEnvironment | undefined;
  let client: Client;
  let bundle: WorkflowBundle;
  const workers = new Set<Worker>();
  let runs = 0;
  before(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    [env, bundle] = await Promise.all([
      createTimeSkippingEnv(),
      bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') }),
    ]);
    // Not env.client: its result() unlocks time skipping, which could jump past activity timeouts.
    client = new Client({ connection: env.connection });
  });
  after(async () => {
    // a failed test may leave its worker running: stop it, or the connection cannot close
    for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
    await env?.teardown();
  });
  return {
    get env() {
      if (!env) throw new Error('the workflow test server is not started yet');
      return env;
    },
    async run(activities, input, body) {
      const requestId = `${name}-${++runs}`;
      const taskQueue = `workflow-${name}-${runs}`;
      const worker = await Worker.create({
        connection: this.env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities,
        // heartbeats (and so cancellations) reach the server at once, not every 8 seconds
        maxHeartbeatThrottleInterval: '100 ms',
        defaultHeartbeatThrottleInterval: '100 ms',
      });
      workers.add(worker);
      return worker.runUntil(async () => {
        const handle = await client.workflow.start<typeof dsarRequest>(DSAR_WORKFLOW, {
          taskQueue,
          workflowId: requestId,
          args: [{ requestId, type: 'export', verificationTimeout: '1 hour', preVerified: true, ...defaults, ...input }],
        });
        return body(handle);
      });
    },
  };
}
