// Load benchmark: N pre-verified requests (3 exports : 2 deletions) submitted through the API at a
// given concurrency to a stack this bench starts (embedded PostgreSQL in fast mode, Temporal dev
// server, SMTP catcher; worker and API as child processes so their memory is theirs), all on
// loopback. Waits for every request to complete and prints intake and completion latencies,
// throughput, Temporal events and actions per request type (from the histories), worker and API
// peak RSS, peak product-DB connections, and the orchestration baseline (the export's activities
// called directly vs the same exports through the engine, one at a time).
//
//   npx tsx bench/load.ts [--requests 1000] [--concurrency 50] [--timeout 900] [--baseline 50] [--tsx-worker]
// The worker runs as the default start runs it (compiled, prebuilt bundle); --tsx-worker runs the sources.
//
// Exit status: 0 whatever the numbers (a report); 1 when a request fails or the timeout passes.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { ensureTemporalCli, PROJECT_ROOT, stopChild } from '../cli/stack/temporal';
import { seedDemo } from '../demo/seed';
import { startSmtpCatcher } from '../test/support/smtp';
import { freePort } from '../test/support/ports';
import { arg, Cleanup, runBench, startBenchDb } from './lib';
import { directExports, engineExports } from './load-direct';
import { countHistory, printHistories, summarise, type HistoryCount } from './load-history';
import { COMPILED_WORKER_NODE_ARGS, ensureCompiledWorker } from '../cli/compiled-worker';
import { fmtMB, sampleRss, spawnWorker } from './proc';

const SECRET = 'bench-signing-secret-0123456789abcdef';
const PRODUCT_SECRET = 'bench-product-secret-0123456789abcdef';
const log = (line: string) => console.log(`[load] ${line}`);
const pct = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] : NaN;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const loadAvg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const typeOf = (i: number) => (i % 5 < 3 ? 'export' : 'deletion');
const subjectOf = (i: number) => `user${i + 1}@example.net`;

async function main(): Promise<number> {
  const N = arg('requests', 1000);
  const C = arg('concurrency', 50);
  const timeoutMs = arg('timeout', 900) * 1000;
  const B = process.argv.includes('--no-baseline') ? 0 : arg('baseline', 50);
  const cleanup = new Cleanup();
  const onSignal = () => void cleanup.run().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const loadAtStart = loadAvg();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dsar-load-'));
  cleanup.add('remove temp dir', () => rm(tmp, { recursive: true, force: true }));
  try {
    log(`requests=${N} concurrency=${C} timeout=${timeoutMs / 1000}s baseline=${B} cpus=${os.cpus().length} load average ${loadAvg()}`);
    const [db, temporalCli, smtp] = await Promise.all([startBenchDb({ dir: tmp }), ensureTemporalCli((l) => log(l)), startSmtpCatcher()]);
    cleanup.add('stop PostgreSQL', () => db.stop());
    cleanup.add('stop SMTP', () => smtp.close());
    const temporal = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: temporalCli }, ip: '127.0.0.1' },
    });
    cleanup.add('stop Temporal', () => temporal.teardown());
    // one account per request, plus fresh ones for the baseline
    await seedDemo(db.app, { extraAccounts: N + 2 * B + 1, usagePerExtraAccount: 30 });
    await db.app.query('VACUUM ANALYZE');

    // the demo map, with the account purge due 1 s after deactivation so deletions complete within the run
    const dataMapPath = path.join(tmp, 'datamap.yml');
    const demoMap = await readFile(path.join(PROJECT_ROOT, 'demo', 'datamap.yml'), 'utf8');
    if (!demoMap.includes('after: P30D')) throw new Error('the demo map no longer purges accounts after P30D: adjust the bench');
    await writeFile(dataMapPath, demoMap.replace('after: P30D', 'after: PT1S'));
    const exportDir = path.join(tmp, 'exports');
    await mkdir(exportDir, { recursive: true });
    const apiPort = await freePort();
    const env: Record<string, string> = {
      DATABASE_URL: db.engineUrl,
      APP_DATABASE_URL: db.appUrl,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'dsar-load',
      SMTP_URL: smtp.url,
      SIGNING_SECRET: SECRET,
      SELF_SERVICE_TOKEN_SECRET: PRODUCT_SECRET,
      SUBJECT_REQUESTS_PER_DAY: '1000000',
      EXPORT_DIR: exportDir,
      DATAMAP_PATH: dataMapPath,
      PUBLIC_BASE_URL: 'http://dsar.bench',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      LOG_LEVEL: 'warn',
    };
    // the worker as the default start runs it (compiled, prebuilt workflow bundle); --tsx-worker: from the sources
    const worker = process.argv.includes('--tsx-worker')
      ? spawnWorker(path.join('worker', 'main.ts'), [], env)
      : await ensureCompiledWorker(PROJECT_ROOT, log).then((paths) =>
          spawnWorker(paths.main, COMPILED_WORKER_NODE_ARGS, { ...env, WORKFLOW_BUNDLE_PATH: paths.bundle }),
        );
    cleanup.add('stop worker', () => worker.stop());
    const api = spawn(process.execPath, ['--import', 'tsx', path.join('api', 'main.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    cleanup.add('stop API', () => stopChild(api, 10_000));
    const base = `http://127.0.0.1:${apiPort}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/healthz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 600) throw new Error('the API did not come up within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    // the worker is ready once a warm-up export completes (its start bundles the workflows)
    const warmId = await submit(base, 'export', subjectOf(N + 2 * B));
    await waitAll(db.engine, [warmId], Date.now() + 120_000);
    log(`stack up, worker warm; load average ${loadAvg()}`);

    // --- the load ---------------------------------------------------------------------------------
    const workerRss = sampleRss(worker.pid, 200);
    const apiRss = sampleRss(api.pid!, 200);
    let peakConnections = 0;
    const connTimer = setInterval(() => {
      void db.engine
        .query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = 'app' AND pid <> pg_backend_pid()`)
        .then(
          (r) => (peakConnections = Math.max(peakConnections, Number(r.rows[0].n))),
          () => undefined,
        );
    }, 100);
    const ids: string[] = new Array(N);
    const intakeMs: number[] = [];
    const t0 = Date.now();
    const deadline = t0 + timeoutMs;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(C, N) }, async () => {
        while (next < N && Date.now() < deadline) {
          const i = next++;
          const a = performance.now();
          ids[i] = await submit(base, typeOf(i), subjectOf(i));
          intakeMs.push(performance.now() - a);
        }
      }),
    );
    const submittedMs = Date.now() - t0;
    log(`${N} submitted in ${s(submittedMs)}; waiting for completion; load average ${loadAvg()}`);
    const done = await waitAll(db.engine, ids, deadline);
    const wallMs = Date.now() - t0;
    clearInterval(connTimer);
    const wPeak = Math.max(...workerRss.stop().map((x) => x.rss));
    const aPeak = Math.max(...apiRss.stop().map((x) => x.rss));
    const loadDuring = loadAvg();

    const { rows } = await db.engine.query<{ id: string; ms: number }>(
      `SELECT id, extract(epoch FROM completed_at - received_at) * 1000 AS ms FROM requests WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const latency = new Map(rows.map((r) => [r.id, Number(r.ms)]));
    const completion = ids.map((id) => latency.get(id)!).sort((a, b) => a - b);
    const first100Ms = Math.max(...ids.slice(0, 100).map((id) => done.get(id)! - t0));
    const intake = [...intakeMs].sort((a, b) => a - b);

    // --- histories ----------------------------------------------------------------------------------
    const counts: { type: string; count: HistoryCount }[] = [];
    for (let i = 0; i < N; i++) counts.push({ type: typeOf(i), count: await countHistory(temporal.client, ids[i]) });
    const mails = smtp.mails.length;

    // --- orchestration baseline -------------------------------------------------------------------------
    let direct = NaN;
    let engine = NaN;
    if (B) {
      const d = { engineUrl: db.engineUrl, engineDb: db.engine, env };
      direct = await directExports(
        d,
        Array.from({ length: B }, (_, k) => subjectOf(N + k)),
      );
      engine = await engineExports(
        d,
        temporal.client,
        env.TEMPORAL_TASK_QUEUE,
        Array.from({ length: B }, (_, k) => subjectOf(N + B + k)),
      );
    }

    // --- report ---------------------------------------------------------------------------------------
    const line = '─'.repeat(96);
    const perMin = N / (wallMs / 60_000);
    const mark = (ok: boolean) => (ok ? 'PASS' : 'MISS');
    console.log(
      `\n${line}\nLoad benchmark — ${N} requests (${counts.filter((c) => c.type === 'export').length} exports, ${counts.filter((c) => c.type === 'deletion').length} deletions), concurrency ${C}, ${os.cpus().length} CPUs\n${line}`,
    );
    console.log(`machine load average (1/5/15 min): before ${loadAtStart}, at the end of the load ${loadDuring}`);
    console.log(
      `intake (POST /v1/requests → 202)   p50 ${intake[Math.floor(intake.length / 2)].toFixed(0)} ms, p95 ${pct(intake, 95).toFixed(0)} ms, p99 ${pct(intake, 99).toFixed(0)} ms; all submitted in ${s(submittedMs)}`,
    );
    console.log(
      `completion (received → completed)  p50 ${s(pct(completion, 50))}, p95 ${s(pct(completion, 95))}, max ${s(completion[completion.length - 1])}`,
    );
    console.log(
      `first 100 submitted all completed  ${s(first100Ms)} after the first submission   target ≤ 60 s  ${mark(first100Ms <= 60_000)}`,
    );
    console.log(
      `throughput                         ${perMin.toFixed(0)} requests/min (${N} in ${s(wallMs)})   target ≥ 500/min  ${mark(perMin >= 500)}`,
    );
    console.log(`worker peak RSS                    ${fmtMB(wPeak)}   target ≤ 400 MB  ${mark(wPeak <= 400 * 1024 * 1024)}`);
    console.log(`API peak RSS                       ${fmtMB(aPeak)}`);
    console.log(`peak product-DB connections        ${peakConnections} (pg_stat_activity on the app database, sampled every 100 ms)`);
    console.log(`mails caught                       ${mails}`);
    console.log(line);
    console.log('Temporal history per request (mean), actions as billed (rule in bench/load-history.ts):');
    printHistories(summarise(counts));
    console.log(line);
    if (B) {
      const ratio = engine / direct;
      console.log(
        `orchestration baseline (${B} exports one at a time): direct activities ${direct.toFixed(0)} ms/request, through the engine ${engine.toFixed(0)} ms/request`,
      );
      console.log(`  engine / direct ${ratio.toFixed(2)}×   target ≤ 2×  ${mark(ratio <= 2)}`);
      console.log(line);
    }
    return 0;
  } catch (err) {
    console.error(`[load] FAILED: ${(err as Error).stack ?? err}`);
    return 1;
  } finally {
    await cleanup.run();
  }
}
async function submit(base: string, type: string, email: string): Promise<string> {
  const token = await new SignJWT({ email })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience('dsar-engine')
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(new TextEncoder().encode(PRODUCT_SECRET));
  const res = await fetch(`${base}/v1/requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-subject-token': token },
    body: JSON.stringify({ type, email }),
  });
  if (res.status !== 202) throw new Error(`intake answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

/** Polls the engine's projection until every request completed; when each was first seen completed. */
async function waitAll(engineDb: import('pg').Pool, ids: string[], deadline: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  while (seen.size < ids.length) {
    if (Date.now() > deadline) throw new Error(`timeout: ${ids.length - seen.size} of ${ids.length} requests not completed`);
    const open = ids.filter((id) => !seen.has(id));
    const { rows } = await engineDb.query<{ id: string; status: string }>(
      `SELECT id, status FROM requests WHERE id = ANY($1::uuid[]) AND status IN ('completed', 'failed', 'needs_attention')`,
      [open],
    );
    const now = Date.now();
    for (const r of rows) {
      if (r.status !== 'completed') throw new Error(`request ${r.id} is ${r.status}`);
      seen.set(r.id, now);
    }
    if (seen.size < ids.length) await new Promise((r) => setTimeout(r, 250));
  }
  return seen;
}

runBench(() => main().then((code) => process.exit(code)));
