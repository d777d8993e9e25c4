// The real stack for integration tests: embedded PostgreSQL, the Temporal CLI dev server (via
// @temporalio/testing, existing-path), an in-process SMTP server, the worker and the API.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Runtime, DefaultLogger, type Worker, type WorkflowBundle } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import type { ActivityDeps } from '../../activities/deps';
import { createMailer } from '../../activities/email';
import { closeMysqlPools } from '../../activities/stores/mysql';
import { closeStorePools } from '../../activities/stores/postgres';
import { buildApp } from '../../api/app';
import { ensureTemporalCli, PROJECT_ROOT } from '../../cli/stack/temporal';
import { startEmbeddedPostgres, type EmbeddedPg } from '../../cli/stack/postgres';
import { migrate } from '../../db/migrate';
import { createPool } from '../../records/pool';
import { applyDemoSchema, seedDemo } from '../../demo/seed';
import { Config } from '../../schemas/config';
import { compileDataMapSources } from '../../lib/datamap-version';
import { createDsarWorker, WORKFLOWS_PATH } from '../../worker/create';
import { freePort } from './ports';
import { createLegacyShop } from './legacy-shop';
import { startMariaDb, type MariaDbServer } from './mariadb';
import { startProcessor, type FakeProcessor } from './processor';
import { startRedis, type RedisServer } from './redis';
import { startSmtpCatcher, type SmtpCatcher } from './smtp';
import { createTimeSkippingEnv } from './time-skipping';
import { closeRedisClients } from '../../activities/stores/redis';
import { closeS3Clients } from '../../storage/s3-clients';
import { startS3Server, type S3Server } from './s3';

// Seeding and benchmarks-sized setup may run long statements; the pools still get the listeners.
const TEST_POOL_TIMEOUTS = { statementTimeoutMs: 600_000, lockTimeoutMs: 60_000, connectTimeoutMs: 30_000 };

let loggerInstalled = false;
function quietRuntime() {
  if (loggerInstalled) return;
  loggerInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export interface Databases {
  pg: EmbeddedPg | null;
  engineUrl: string;
  appUrl: string;
  engineDb: Pool;
  appDb: Pool;
  tmp: string;
  stop(): Promise<void>;
}

/** Engine and demo databases on an embedded server of this test file's own, seeded. */
export async function startDatabases(seed = { extraAccounts: 20, usagePerExtraAccount: 30 }): Promise<Databases> {
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dsar-test-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: await freePort(), fast: true });
  const suffix = path
    .basename(tmp)
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase();
  await pg.createDatabase(`engine_${suffix}`);
  await pg.createDatabase(`app_${suffix}`);
  const engineUrl = pg.url(`engine_${suffix}`);
  const appUrl = pg.url(`app_${suffix}`);
  const engineDb = createPool(engineUrl, TEST_POOL_TIMEOUTS);
  const appDb = createPool(appUrl, TEST_POOL_TIMEOUTS);
  await migrate(engineDb);
  await applyDemoSchema(appDb);
  await seedDemo(appDb, seed);
  return {
    pg,
    engineUrl,
    appUrl,
    engineDb,
    appDb,
    tmp,
    async stop() {
      await engineDb.end();
      await appDb.end();
      await closeStorePools();
      await pg.stop();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

let bundlePromise: Promise<WorkflowBundle> | null = null;
/** One workflow bundle per test process. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundlePromise ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  return bundlePromise;
}

export const TEST_SECRET = 'test-signing-secret-0123456789abcdef';
export const TEST_PRODUCT_SECRET = 'product-shared-secret-0123456789abcdef';

/** A self-service token the product signs for a signed-in subject (`x-subject-token`). */
export const productToken = (email: string, expiresIn = '5m'): Promise<string> =>
  new SignJWT({ email })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience('dsar-engine')
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(TEST_PRODUCT_SECRET));
export const TEST_INBOX_SECRET = 'inbox-webhook-secret-0123456789abcdef';

export interface Stack {
  db: Databases;
  redis: RedisServer | null;
  processor: FakeProcessor | null;
  s3: S3Server | null;
  /** MariaDB with the legacy shop's tables (empty), when asked for. */
  mysql: MariaDbServer | null;
  env: TestWorkflowEnvironment;
  smtp: SmtpCatcher;
  app: FastifyInstance;
  config: Config;
  deps: ActivityDeps;
  taskQueue: string;
  /** Starts (or restarts) the in-process worker. */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Temporal's Java test server with time skipping instead of the CLI dev server. */
  timeSkipping?: boolean;
  /** Add a Redis cache, an HTTP processor and a manual store to the demo data map. */
  extraStores?: boolean;
  /** Which fixture describes them (test/fixtures/<name>.yml); `extra-stores` by default. */
  storesFixture?: 'extra-stores' | 'all-stores';
  /** More data map files (paths from the project root), merged after the demo map: e.g. examples/processors/*.yml. */
  extraMaps?: string[];
  /** Values for the `${VAR}`s of those files (the stand-ins' URLs and keys). */
  mapEnv?: Record<string, string>;
  /** Start MinIO and append test/fixtures/s3-store.yml (S3 stores) to the data map. */
  s3?: boolean;
  /** Keep export archives in this MinIO bucket (created; implies `s3`) instead of the local folder. */
  archiveBucket?: { bucket: string; prefix: string };
  /** Start MariaDB and add the legacy shop (test/fixtures/mysql-store.yml) to the data map. */
  mysql?: boolean;
  /** More settings, over the test defaults (e.g. STEP_UP_FOR). */
  config?: Record<string, string>;
  /** Top-level data map text appended to the demo map (e.g. a `stepUp:` block). */
  mapAppend?: string;
}

/** The settings that keep archives in a bucket of this MinIO server. */
export function archiveStorageEnv(s3: S3Server, where: { bucket: string; prefix: string }): Record<string, string> {
  return {
    EXPORT_STORAGE: `s3://${where.bucket}/${where.prefix}`,
    EXPORT_S3_ENDPOINT: s3.endpoint,
    EXPORT_S3_REGION: s3.region,
    EXPORT_S3_ACCESS_KEY_ID: s3.accessKeyId,
    EXPORT_S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    EXPORT_S3_FORCE_PATH_STYLE: 'true',
  };
}

async function startLegacyShop(): Promise<MariaDbServer> {
  const server = await startMariaDb();
  const root = await server.connect();
  try {
    await createLegacyShop(root);
  } finally {
    await root.end();
  }
  return server;
}

async function startTemporal(timeSkipping: boolean): Promise<TestWorkflowEnvironment> {
  if (timeSkipping) return createTimeSkippingEnv();
  return TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: await ensureTemporalCli() }, ip: '127.0.0.1' },
  });
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  quietRuntime();
  const [db, smtp, env, redis, processor, s3, mysql] = await Promise.all([
    startDatabases(),
    startSmtpCatcher(),
    startTemporal(opts.timeSkipping ?? false),
    opts.extraStores ? startRedis() : null,
    opts.extraStores ? startProcessor() : null,
    opts.s3 || opts.archiveBucket ? startS3Server() : null,
    opts.mysql ? startLegacyShop() : null,
  ]);
  const taskQueue = `dsar-test-${path.basename(db.tmp)}`;
  const config = Config.parse({
    DATABASE_URL: db.engineUrl,
    TEMPORAL_ADDRESS: env.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: smtp.url,
    SIGNING_SECRET: TEST_SECRET,
    PUBLIC_BASE_URL: 'http://dsar.test',
    EXPORT_DIR: path.join(db.tmp, 'exports'),
    LOG_LEVEL: 'silent',
    // generous limits: the tests' many requests come from one address (intake-security tests the limits)
    INTAKE_RATE_LIMIT_PER_DAY: '100000',
    SUBJECT_REQUESTS_PER_DAY: '1000',
    VERIFY_ATTEMPTS_PER_HOUR: '100000',
    SELF_SERVICE_TOKEN_SECRET: TEST_PRODUCT_SECRET,
    INBOX_WEBHOOK_SECRET: TEST_INBOX_SECRET,
    ...(opts.archiveBucket && s3 ? archiveStorageEnv(s3, opts.archiveBucket) : {}),
    ...opts.config,
  });
  if (opts.archiveBucket) await s3!.createBucket(opts.archiveBucket.bucket);
  let mapText = await readFile(path.join(PROJECT_ROOT, 'demo', 'datamap.yml'), 'utf8');
  if (opts.extraStores)
    mapText += `\n${await readFile(path.join(PROJECT_ROOT, 'test', 'fixtures', `${opts.storesFixture ?? 'extra-stores'}.yml`), 'utf8')}`;
  const extraMaps = await Promise.all(
    (opts.extraMaps ?? []).map(async (f) => ({ name: f, text: await readFile(path.join(PROJECT_ROOT, f), 'utf8') })),
  );
  if (opts.mysql) mapText += `\n${await readFile(path.join(PROJECT_ROOT, 'test', 'fixtures', 'mysql-store.yml'), 'utf8')}`;
  if (opts.s3) mapText += `\n${await readFile(path.join(PROJECT_ROOT, 'test', 'fixtures', 's3-store.yml'), 'utf8')}`;
  if (opts.mapAppend) mapText += `\n${opts.mapAppend}`;
  const dataMap = compileDataMapSources([{ name: 'demo/datamap.yml', text: mapText }, ...extraMaps], {
    APP_DATABASE_URL: db.appUrl,
    REDIS_URL: redis?.url,
    BILLING_PROVIDER_URL: processor?.url,
    BILLING_PROVIDER_TOKEN: processor?.token,
    MYSQL_URL: mysql?.url,
    ...opts.mapEnv,
    ...s3?.env,
  });
  const deps: ActivityDeps = { engineDb: db.engineDb, dataMap, mailer: createMailer(smtp.url), config };
  const app = await buildApp({ config, engineDb: db.engineDb, temporal: env.client, dataMap }, { logger: false });
  const bundle = await workflowBundle();

  let worker: Worker | null = null;
  let running: Promise<void> | null = null;
  const stack: Stack = {
    db,
    redis,
    processor,
    s3,
    mysql,
    env,
    smtp,
    app,
    config,
    deps,
    taskQueue,
    async startWorker() {
      worker = await createDsarWorker({ connection: env.nativeConnection, namespace: 'default', taskQueue, deps, workflowBundle: bundle });
      running = worker.run();
    },
    async stopWorker() {
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      worker = null;
    },
    async stop() {
      await stack.stopWorker();
      await app.close();
      await env.teardown();
      await smtp.close();
      await closeRedisClients();
      await redis?.stop();
      await processor?.stop();
      closeS3Clients();
      await s3?.stop();
      await closeMysqlPools();
      await mysql?.stop();
      await db.stop();
    },
  };
  return stack;
}
