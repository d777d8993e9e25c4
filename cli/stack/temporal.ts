// Finds the `temporal` CLI (for its dev server), building it once from its Go module if needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { findTool, goInstall, MissingToolError, onPath, PROJECT_ROOT, TOOLS_BIN } from './go-tool';

export { MissingToolError, PROJECT_ROOT, TOOLS_BIN };
/** Later tags carry a `replace` directive that `go install` refuses. */
export const TEMPORAL_CLI_VERSIONS = ['v1.5.1', 'v1.4.1'];

/** TEMPORAL_CLI_PATH, then the project's tool cache, then PATH. Null if none. */
export const findTemporalCli = (): string | null => findTool('temporal', 'TEMPORAL_CLI_PATH');

/** Returns a usable `temporal` binary, running `go install` into .tools/bin the first time. */
export async function ensureTemporalCli(log: (line: string) => void = console.log): Promise<string> {
  const found = findTemporalCli();
  if (found) return found;
  if (!onPath('go')) {
    throw new MissingToolError(
      'The Temporal CLI was not found and Go is not installed to build it.\n' +
        'Install one of them, then run again:\n' +
        '  - the Temporal CLI: https://docs.temporal.io/cli (put `temporal` on PATH or set TEMPORAL_CLI_PATH), or\n' +
        '  - Go 1.22+ (https://go.dev/dl/): dsar-engine then builds the CLI once into .tools/bin, or\n' +
        '  - point at an existing server with TEMPORAL_ADDRESS=host:7233.',
    );
  }
  return goInstall({
    binary: 'temporal',
    pkg: 'github.com/temporalio/cli/cmd/temporal',
    versions: TEMPORAL_CLI_VERSIONS,
    label: 'the Temporal CLI',
    log,
  });
}

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `temporal server start-dev` with its Web UI and a persistent SQLite file. */
export async function startTemporalDevServer(opts: {
  binary: string;
  port: number;
  uiPort: number;
  dbFile: string;
  log?: (line: string) => void;
  /**
   * Run in its own process group, so a terminal's Ctrl-C reaches only the parent, which then
   * stops the server after the workers that use it (`dsar dev`). The parent must stop it.
   */
  detached?: boolean;
}): Promise<DevServer> {
  await mkdir(path.dirname(opts.dbFile), { recursive: true });
  const child = spawn(
    opts.binary,
    [
      'server',
      'start-dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(opts.port),
      '--ui-port',
      String(opts.uiPort),
      '--db-filename',
      opts.dbFile,
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false },
  );
  child.stdout?.on('data', (d: Buffer) => opts.log?.(d.toString()));
  child.stderr?.on('data', (d: Buffer) => opts.log?.(d.toString()));
  const address = `127.0.0.1:${opts.port}`;
  await waitForPort(opts.port, 60_000, child);
  return {
    address,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    stop: () => stopChild(child),
  };
}

export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const net = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`process exited with code ${child.exitCode} before listening on ${port}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`nothing listened on port ${port} within ${timeoutMs} ms`);
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
