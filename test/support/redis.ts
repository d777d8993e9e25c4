// A real redis-server (Debian's package) on a free port, no persistence.
import { spawn } from 'node:child_process';
import { stopChild, waitForPort } from '../../cli/stack/temporal';
import { freePort } from './ports';

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  child.once('error', () => undefined);
  await waitForPort(port, 10_000, child).catch((err: Error) => {
    throw new Error(`redis-server did not start (install it: apt-get install redis-server): ${err.message}`);
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => stopChild(child) };
}
