// Start-up helpers of `dsar dev`: the tail of a child's log for failure messages, and the wait
// until the worker actually polls its task queue.
import { Connection } from '@temporalio/client';
import os from 'node:os';
import { seconds } from './dev-banner';

const READY_TIMEOUT_MS = 120_000;

/** Keeps the last lines of a child's output, shown only if it fails to start. */
export function tail(max = 30) {
  const lines: string[] = [];
  return {
    push(chunk: string) {
      for (const line of chunk.split('\n')) {
        if (!line.trim()) continue;
        lines.push(line);
        if (lines.length > max) lines.shift();
      }
    },
    text: () => lines.map((l) => `    ${l}`).join('\n'),
  };
}

/**
 * Waits until the worker of process `workerPid` (this one by default) polls the task queue (the
 * SDK's default identity is pid@host), or until `gaveUp()` says to stop waiting.
 */
export async function waitForWorker(
  address: string,
  namespace: string,
  taskQueue: string,
  gaveUp: () => boolean,
  workerPid = process.pid,
): Promise<void> {
  const connection = await Connection.connect({ address });
  const identity = `${workerPid}@${os.hostname()}`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  try {
    while (!gaveUp()) {
      if (Date.now() > deadline) throw new Error(`the worker did not start polling ${taskQueue} within ${seconds(READY_TIMEOUT_MS)}`);
      const res = await connection.workflowService.describeTaskQueue({
        namespace,
        taskQueue: { name: taskQueue },
        taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
      });
      if ((res.pollers ?? []).some((p) => p.identity === identity)) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await connection.close();
  }
}
