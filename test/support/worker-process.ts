// The production worker entry point (`worker/main.ts`) as a process of its own, configured through
// its environment against a test stack: for the tests that kill it, or cut its connections, and
// must see that the process survives or that another one takes over.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import type { Stack } from './stack';

export interface WorkerProcess extends ChildProcess {
  /** The last 4,000 characters the worker wrote to stderr. */
  stderrTail(): string;
}

/** What a worker or API process started beside the stack needs to join it. */
export const stackProcessEnv = (stack: Stack): NodeJS.ProcessEnv => ({
  ...process.env,
  DATABASE_URL: stack.db.engineUrl,
  APP_DATABASE_URL: stack.db.appUrl,
  TEMPORAL_ADDRESS: stack.env.address,
  TEMPORAL_TASK_QUEUE: stack.taskQueue,
  SMTP_URL: stack.config.SMTP_URL,
  SIGNING_SECRET: stack.config.SIGNING_SECRET,
  PUBLIC_BASE_URL: stack.config.PUBLIC_BASE_URL,
  EXPORT_DIR: stack.config.EXPORT_DIR,
  DATAMAP_PATH: path.join(PROJECT_ROOT, 'demo', 'datamap.yml'),
});

export function spawnWorkerProcess(stack: Stack, env: Record<string, string> = {}): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], {
    env: { ...stackProcessEnv(stack), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  return Object.assign(child, { stderrTail: () => tail });
}
