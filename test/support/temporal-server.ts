// A Temporal dev server a test can stop and start again on the same port with its state (SQLite
// file), to play an outage. The shared stack's server (TestWorkflowEnvironment) cannot be restarted.
import path from 'node:path';
import { ensureTemporalCli, startTemporalDevServer, type DevServer } from '../../cli/stack/temporal';
import { freePort } from './ports';

export interface RestartableTemporal {
  address: string;
  /** Stops the server (SIGTERM, then SIGKILL); its workflows stay in the database file. */
  stop(): Promise<void>;
  /** Starts it again on the same port and file. */
  start(): Promise<void>;
}

export async function startRestartableTemporal(dir: string): Promise<RestartableTemporal> {
  const binary = await ensureTemporalCli();
  const [port, uiPort] = [await freePort(), await freePort()];
  const dbFile = path.join(dir, 'temporal.sqlite');
  let server: DevServer | null = null;
  const start = async () => {
    server ??= await startTemporalDevServer({ binary, port, uiPort, dbFile });
  };
  await start();
  return {
    address: `127.0.0.1:${port}`,
    start,
    async stop() {
      await server?.stop();
      server = null;
    },
  };
}
