// The worker `dsar dev` and `dsar worker` run by default: the compiled one (dist/worker/main.js,
// plain node, no tsx) with the prebuilt workflow bundle, in a process of its own. It starts
// without a TypeScript compiler or webpack in memory, which keeps a 1M-row export under 256 MB
// (bench/README.md). dist/ is rebuilt first when it is missing or older than the sources
// (scripts/build-fingerprint.js: stat calls only).
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { seconds } from './dev-banner';

/** DSAR_COMPILED_WORKER=off: the worker runs from the TypeScript sources in the command's own process (tsx). */
export const compiledWorkerOff = (env: Record<string, string | undefined>) => env.DSAR_COMPILED_WORKER === 'off';

export interface CompiledWorkerPaths {
  main: string;
  bundle: string;
}

interface Fingerprint {
  staleReason(root: string): string | null;
}

/** Builds dist/ when stale (showing that it does, and how long it took); returns the paths. */
export async function ensureCompiledWorker(root: string, log: (line: string) => void): Promise<CompiledWorkerPaths> {
  const paths = { main: path.join(root, 'dist', 'worker', 'main.js'), bundle: path.join(root, 'dist', 'workflow-bundle.js') };
  const { staleReason } = require(path.join(root, 'scripts', 'build-fingerprint.js')) as Fingerprint;
  const reason = staleReason(root);
  if (!reason) return paths;
  const started = Date.now();
  log(`building the compiled worker and the workflow bundle (${reason}) …`);
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const build = spawn(process.execPath, [path.join(root, 'scripts', 'build.js')], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    build.stdout.on('data', (c: Buffer) => output.push(c.toString()));
    build.stderr.on('data', (c: Buffer) => output.push(c.toString()));
    build.once('error', reject);
    build.once('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`npm run build failed (exit ${code}):\n${output.join('').trim().split('\n').slice(-15).join('\n')}`);
  }
  log(`  compiled worker built in ${seconds(Date.now() - started)} (dist/)`);
  return paths;
}

/** Node flags of the default worker: a small young generation keeps RSS flat while streaming rows. */
export const COMPILED_WORKER_NODE_ARGS = ['--max-semi-space-size=4'];

/**
 * Starts the compiled worker with `env`. It runs in its own process group, so a terminal's Ctrl-C
 * reaches only the parent, which decides when the worker stops (SIGTERM: the SDK's orderly
 * shutdown). It is stopped with this process if this process exits first.
 */
export function spawnCompiledWorker(paths: CompiledWorkerPaths, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...COMPILED_WORKER_NODE_ARGS, paths.main], {
    env: { ...env, WORKFLOW_BUNDLE_PATH: env.WORKFLOW_BUNDLE_PATH || paths.bundle },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const killOnExit = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  return child;
}

/** Settles when the worker process exits: resolves on exit code 0, rejects otherwise. */
export function workerExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`the worker process exited (${signal ?? `code ${code}`})`));
    });
  });
}

/** `dsar worker`: runs the compiled worker until it stops; a stop signal is passed on once. */
export async function runCompiledWorker(root: string, env: Record<string, string | undefined>, log: (line: string) => void): Promise<void> {
  const paths = await ensureCompiledWorker(root, log);
  const clean = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawnCompiledWorker(paths, clean);
  const exited = workerExit(child);
  let passedOn = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (passedOn) return;
    passedOn = true;
    child.kill(signal);
  };
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
  try {
    await exited;
  } finally {
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, onSignal);
  }
}
