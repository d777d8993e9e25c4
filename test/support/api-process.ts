// The production API entry point (`api/main.ts`) as a process of its own, configured through its
// environment against a test stack: for the tests that run several API instances side by side.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { freePort } from './ports';
import { stackProcessEnv } from './worker-process';
import { TEST_INBOX_SECRET, TEST_PRODUCT_SECRET, type Stack } from './stack';

export interface ApiProcess {
  child: ChildProcess;
  url: string;
  stderrTail(): string;
}

export async function spawnApiProcess(stack: Stack, env: Record<string, string> = {}): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'api', 'main.ts')], {
    env: {
      ...stackProcessEnv(stack),
      SELF_SERVICE_TOKEN_SECRET: TEST_PRODUCT_SECRET,
      INBOX_WEBHOOK_SECRET: TEST_INBOX_SECRET,
      INTAKE_RATE_LIMIT_PER_DAY: '100000',
      SUBJECT_REQUESTS_PER_DAY: '1000',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'silent',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr?.on('data', (d: Buffer) => (tail = (tail + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (
    !(await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (child.exitCode !== null) throw new Error(`the API process exited (${child.exitCode}): ${tail}`);
    if (Date.now() > deadline) throw new Error(`the API process did not answer within 60 s: ${tail}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, url, stderrTail: () => tail };
}
