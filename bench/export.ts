// Export benchmark: one subject with N usage rows (default 1,000,000), exported end to end by
// the real worker (a child process, so its memory is its own), compared with a raw
// `COPY (SELECT …) TO STDOUT` piped into a ZIP in this process. Prints rows/s for both, their
// ratio, the worker's peak RSS and where the engine's time went.
//
//   npx tsx bench/export.ts [--rows 1000000] [--keep] [--store postgres|mysql] [--default-start]
//
// `--default-start` runs the worker exactly as `npm start` and `dsar worker` do (the compiled
// worker with the prebuilt workflow bundle, built first when stale: cli/compiled-worker.ts).
//
// With `--store mysql` the subject's usage rows live in MariaDB (a store of kind mysql added to
// the demo map) and the raw baseline is one streamed SELECT written as CSV into a ZIP.
// Targets (issue): engine rows/s ≥ 0.5 × raw rows/s, worker peak RSS ≤ 256 MB.
// Exit status: 0 whatever the numbers (it is a report); 1 when the export itself fails.
//
// Process measurement lives in ./proc, the raw baseline and archive inspection in
// ./export-baseline, the workflow-history timing breakdown in ./export-timeline.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ZIP_LEVEL } from '../activities/export';
import { COMPILED_WORKER_NODE_ARGS, ensureCompiledWorker } from '../cli/compiled-worker';
import { ensureTemporalCli, PROJECT_ROOT } from '../cli/stack/temporal';
import { addAccountData, seedDemo } from '../demo/seed';
import { sha256Hex } from '../lib/hash';
import type { DsarRequestInput, DsarRequestState } from '../schemas/workflow';
import { startSmtpCatcher } from '../test/support/smtp';
import { listZip, printArchives, rawCopyToZip, unzipped } from './export-baseline';
import { activityTimeline, printTimeline, readExportAudit } from './export-timeline';
import { Cleanup, rate, runBench, seconds, startBenchDb, timedMs } from './lib';
import { addMysqlUsageRows, MYSQL_STORE, MYSQL_STORE_YAML, mysqlUsageCounts, rawMysqlToZip, settle, startBenchMysql } from './mysql';
import { coresBusy, cpuByGroup, cpuDelta, fmtCpu, fmtMB, machineCpu, MB, procMemory, resetPeak, sampleRss, spawnWorker } from './proc';

// ---------------------------------------------------------------------------------------------
// arguments (own parser rather than lib's arg(): it also takes --rows=N and rejects unknown flags)

interface Args {
  rows: number;
  keep: boolean;
  store: 'postgres' | 'mysql';
  workerEntry: string;
  workerNodeArgs: string[];
  defaultStart: boolean;
}

function parseArgs(argv: string[]): Args {
  let rows = 1_000_000;
  let keep = false;
  let store: Args['store'] = 'postgres';
  let workerEntry = path.join('worker', 'main.ts');
  let workerNodeArgs: string[] = [];
  let defaultStart = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]);
    if (a === '--rows' || a.startsWith('--rows=')) {
      const v = value();
      rows = Number(String(v).replace(/[_,]/g, ''));
      if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows needs a positive integer, got ${v}`);
    } else if (a === '--keep') keep = true;
    else if (a === '--store' || a.startsWith('--store=')) {
      const v = value();
      if (v !== 'postgres' && v !== 'mysql') throw new Error(`--store is postgres or mysql, got ${v}`);
      store = v;
    } else if (a === '--worker' || a.startsWith('--worker=')) workerEntry = value();
    else if (a === '--worker-node-args' || a.startsWith('--worker-node-args=')) workerNodeArgs = value().split(/\s+/).filter(Boolean);
    else if (a === '--default-start') defaultStart = true;
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npx tsx bench/export.ts [--rows 1000000] [--keep] [--store postgres|mysql] [--worker worker/main.ts] [--worker-node-args "…"]\n' +
          '  --keep    leave the temp dir (database, archives) for inspection\n' +
          "  --store   where the subject's usage rows live: PostgreSQL (default) or MariaDB (kind mysql)\n" +
          '  --worker  the worker entry to run as the child process (for trying variants; default worker/main.ts;\n' +
          '            a .js entry runs on plain node, a .ts entry with --import tsx)\n' +
          '  --worker-node-args  extra node flags for the worker, e.g. "--max-semi-space-size=4"\n' +
          '  --default-start  the worker as `npm start` / `dsar worker` run it (compiled, prebuilt bundle)',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return { rows, keep, store, workerEntry, workerNodeArgs, defaultStart };
}

// ---------------------------------------------------------------------------------------------
// small helpers

const SUBJECT = 'bench@example.com';
const WARMUP_SUBJECT = 'carol@example.com'; // a demo account with 40 usage rows
const SECRET = 'bench-signing-secret-0123456789abcdef';
const OTHER_ACCOUNTS = 20;
const ROWS_PER_OTHER_ACCOUNT = 2000;

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtS = (ms: number) => `${seconds(ms)} s`;
const log = (line: string) => console.log(`[bench] ${line}`);

// ---------------------------------------------------------------------------------------------
// the run

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const { rows: N, keep, store, defaultStart } = args;
  let { workerEntry, workerNodeArgs } = args;
  let bundleEnv: Record<string, string> = {};
  if (defaultStart) {
    const paths = await ensureCompiledWorker(PROJECT_ROOT, (line) => console.log(line));
    workerEntry = paths.main;
    workerNodeArgs = COMPILED_WORKER_NODE_ARGS;
    bundleEnv = { WORKFLOW_BUNDLE_PATH: paths.bundle };
  }
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    console.error(`[bench] ${sig}: cleaning up…`);
    void cleanup.run().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  Runtime.install({ logger: new DefaultLogger('WARN') });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dsar-bench-'));
  cleanup.add('remove temp dir', () => (keep ? log(`kept ${tmp}`) : rm(tmp, { recursive: true, force: true })));

  try {
    log(
      `rows=${fmtInt(N)}  store=${store}  worker=${[...workerNodeArgs, workerEntry].join(' ')}  ZIP_LEVEL=${ZIP_LEVEL}  cpus=${os.cpus().length}  node=${process.version}  tmp=${tmp}`,
    );

    // --- PostgreSQL (engine + app databases), Temporal, SMTP in parallel ------------------------
    const startT = performance.now();
    const [db, temporalCli, smtp, mysql] = await Promise.all([
      startBenchDb({ dir: tmp }),
      ensureTemporalCli((l) => log(l)),
      startSmtpCatcher(),
      store === 'mysql' ? startBenchMysql() : null,
    ]);
    cleanup.add('stop PostgreSQL', () => db.stop());
    cleanup.add('stop SMTP', () => smtp.close());
    if (mysql) cleanup.add('stop MariaDB', () => mysql.stop());
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: temporalCli }, ip: '127.0.0.1' },
    });
    cleanup.add('stop Temporal dev server', () => env.teardown());
    log(`PostgreSQL${mysql ? ', MariaDB' : ''}, Temporal dev server (${env.address}) and SMTP up in ${fmtS(performance.now() - startT)}`);
    const { engineUrl, appUrl, engine: engineDb, app: appDb } = db;

    // --- seed -------------------------------------------------------------------------------------
    const seed = await timedMs(async () => {
      await seedDemo(appDb, { extraAccounts: OTHER_ACCOUNTS, usagePerExtraAccount: ROWS_PER_OTHER_ACCOUNT });
      const { rows } = await appDb.query<{ id: string }>(
        `INSERT INTO accounts (email, name, company, plan, created_at) VALUES ($1, 'Bench Subject', 'Bench GmbH', 'team', now() - interval '300 days') RETURNING id`,
        [SUBJECT],
      );
      // api keys, N usage rows (in MariaDB with --store mysql), 12 invoices, 2 tickets
      await addAccountData(appDb, rows[0].id, mysql ? 0 : N);
      if (mysql) {
        for (let i = 1; i <= OTHER_ACCOUNTS; i++) await addMysqlUsageRows(mysql.root, 1_000_000 + i, ROWS_PER_OTHER_ACCOUNT);
        await addMysqlUsageRows(mysql.root, rows[0].id, N);
      }
      return rows[0].id;
    });
    const accountId = seed.value;
    const vacuum = await timedMs(async () => {
      await appDb.query('VACUUM ANALYZE');
      if (mysql) await settle(mysql.root);
    });
    const counts = await appDb.query<{ total: string; subject: string; size: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE account_id = $1) AS subject, pg_size_pretty(pg_total_relation_size('usage_logs')) AS size FROM usage_logs`,
      [accountId],
    );
    const c = mysql ? { ...(await mysqlUsageCounts(mysql.root, accountId)), size: 'in MariaDB' } : counts.rows[0];
    log(
      `seeded ${fmtInt(Number(c.total))} usage rows (${fmtInt(Number(c.subject))} for ${SUBJECT}, the rest over ${OTHER_ACCOUNTS + 3} other accounts; usage_logs ${c.size}) ` +
        `in ${fmtS(seed.ms)}, VACUUM ANALYZE ${fmtS(vacuum.ms)}`,
    );
    if (Number(c.subject) !== N) throw new Error(`expected ${N} usage rows for the subject, found ${c.subject}`);

    // --- raw baseline (run again after the engine; the ratio uses the mean of both) -------------
    const rawZip = path.join(tmp, 'raw.zip');
    const rawName = mysql ? 'raw SELECT stream → csv → zip' : 'raw COPY csv → zip';
    const runRaw = async (when: string) => {
      const r = mysql ? await rawMysqlToZip(mysql.server.url, accountId, rawZip) : await rawCopyToZip(appUrl, accountId, rawZip);
      if (r.rows !== N) throw new Error(`${rawName} returned ${r.rows} rows, expected ${N}`);
      log(`${rawName} (${when}): ${fmtInt(r.rows)} rows in ${fmtS(r.ms)} (${rate(r.rows, r.ms)} rows/s), ${fmtMB(r.bytes)}`);
      return r;
    };
    const raw1 = await runRaw('before the engine');

    // --- the worker -----------------------------------------------------------------------------
    const taskQueue = `dsar-bench-${path.basename(tmp)}`;
    const exportDir = path.join(tmp, 'exports');
    await mkdir(exportDir, { recursive: true });
    const workerStart = performance.now();
    const dataMapPath = path.join(tmp, 'datamap.yml');
    const demoMap = await readFile(path.join(PROJECT_ROOT, 'demo', 'datamap.yml'), 'utf8');
    await writeFile(dataMapPath, mysql ? `${demoMap}\n${MYSQL_STORE_YAML}` : demoMap);
    const worker = spawnWorker(workerEntry, workerNodeArgs, {
      ...(mysql ? { BENCH_MYSQL_URL: mysql.server.url } : {}),
      DATABASE_URL: engineUrl,
      APP_DATABASE_URL: appUrl,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: smtp.url,
      SIGNING_SECRET: SECRET,
      EXPORT_DIR: exportDir,
      DATAMAP_PATH: dataMapPath,
      PUBLIC_BASE_URL: 'http://dsar.bench',
      LOG_LEVEL: 'warn',
      ...bundleEnv,
    });
    cleanup.add('stop worker', () => worker.stop());
    // rejects if the worker dies, so a crash does not leave the bench waiting on a workflow
    const workerGone = new Promise<never>((_, reject) =>
      worker.child.once('exit', (code, signal) =>
        reject(new Error(`the worker exited (${signal ?? code}):\n${worker.output().slice(-4000)}`)),
      ),
    );
    workerGone.catch(() => undefined);

    const runExport = async (email: string) => {
      const requestId = randomUUID();
      await engineDb.query(
        `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at)
         VALUES ($1, 'export', 'admin', 'received', $2, $3, now(), now() + interval '30 days')`,
        [requestId, email, sha256Hex(email)],
      );
      const input: DsarRequestInput = { requestId, type: 'export', verificationTimeout: '1 hour', preVerified: true };
      const t0 = performance.now();
      const handle = await env.client.workflow.start('dsarRequest', { taskQueue, workflowId: requestId, args: [input] });
      const result = await Promise.race([handle.result() as Promise<DsarRequestState>, workerGone]);
      return { requestId, ms: performance.now() - t0, result };
    };

    // warm-up: a small export proves the worker is polling (its start bundles the workflows)
    const warm = await runExport(WARMUP_SUBJECT);
    if (warm.result.status !== 'completed') throw new Error(`warm-up export ended ${warm.result.status}`);
    const startupMem = procMemory(worker.pid);
    log(
      `worker up (start + warm-up export of ${WARMUP_SUBJECT}) in ${fmtS(performance.now() - workerStart)}; ` +
        `RSS ${fmtMB(startupMem?.rss ?? NaN)}, peak so far ${fmtMB(startupMem?.hwm ?? NaN)} (includes bundling the workflow code)`,
    );
    const peakReset = resetPeak(worker.pid);

    // --- the measured export --------------------------------------------------------------------
    const cpu0 = cpuByGroup(worker.pid);
    const m0 = machineCpu();
    const sampler = sampleRss(worker.pid, 100);
    let run: Awaited<ReturnType<typeof runExport>>;
    try {
      run = await runExport(SUBJECT);
    } finally {
      sampler.stop();
    }
    const engineCores = coresBusy(m0, machineCpu(), run.ms);
    const engineCpu = cpuDelta(cpu0, cpuByGroup(worker.pid));
    const endMem = procMemory(worker.pid);
    const raw2 = await runRaw('after the engine');
    const raw = {
      ...raw2,
      ms: (raw1.ms + raw2.ms) / 2,
      cores: (raw1.cores + raw2.cores) / 2,
      cpu: Object.fromEntries(Object.keys(raw1.cpu).map((k) => [k, (raw1.cpu[k] + raw2.cpu[k]) / 2])),
    };
    const samples = sampler.samples;
    const sampledPeak = Math.max(...samples.map((s) => s.rss));
    const hwmPeak = peakReset ? (endMem?.hwm ?? NaN) : NaN;
    const peakRss = Number.isFinite(hwmPeak) ? Math.max(hwmPeak, sampledPeak) : sampledPeak;
    const rssBefore = samples[0]?.rss ?? NaN;

    if (run.result.status !== 'completed') throw new Error(`export ended ${run.result.status}`);

    // --- what the engine did ----------------------------------------------------------------------
    const { packaged, usageRead } = await readExportAudit(engineDb, run.requestId, N, mysql ? MYSQL_STORE : 'app_db');
    const engineZip = path.join(exportDir, `${run.requestId}.zip`);
    const [engineEntries, rawEntries] = await Promise.all([listZip(engineZip), listZip(rawZip)]);
    const engineZipBytes = (await stat(engineZip)).size;
    const timeline = await activityTimeline(env, run.requestId);

    // --- report ---------------------------------------------------------------------------------
    const rawRate = raw.rows / (raw.ms / 1000);
    const engineRowsTotal = packaged.rows;
    const engineRateTotal = engineRowsTotal / (run.ms / 1000);
    const ratio = engineRateTotal / rawRate;
    const ratioOk = ratio >= 0.5;
    const rssOk = peakRss <= 256 * MB;

    const line = '─'.repeat(96);
    console.log(
      `\n${line}\nExport benchmark — ${fmtInt(N)} usage rows for one subject (ZIP level ${ZIP_LEVEL}, ${os.cpus().length} CPUs)\n${line}`,
    );
    const row = (a: string, b: string, c = '', d = '') => console.log(`${a.padEnd(34)}${b.padStart(16)}${c.padStart(20)}${d.padStart(22)}`);
    row('', 'rows', 'seconds', 'rows/s');
    row(`${rawName} (this process)`, fmtInt(raw.rows), seconds(raw.ms), rate(raw.rows, raw.ms));
    console.log(`  raw = mean of a run before (${fmtS(raw1.ms)}) and after (${fmtS(raw2.ms)}) the engine export`);
    row('engine export, end to end', fmtInt(engineRowsTotal), seconds(run.ms), rate(engineRowsTotal, run.ms));
    row('  (usage_logs rows only)', fmtInt(N), '', rate(N, run.ms));
    console.log(
      `  engine rows = all ${packaged.collections} collections of the subject (${fmtInt(N)} usage_logs + ${fmtInt(engineRowsTotal - N)} others), each written as JSON and CSV;\n` +
        `  engine time = workflow start → workflow result (request recorded, subject resolved, every collection read, ZIP packaged, link mailed).`,
    );
    console.log(line);
    row('ratio engine/raw (rows/s)', `${ratio.toFixed(2)}×`, 'target ≥ 0.50×', ratioOk ? 'PASS' : 'MISS');
    row(
      `worker peak RSS during export${defaultStart ? ', default start' : ''}`,
      fmtMB(peakRss),
      'target ≤ 256 MB',
      rssOk ? 'PASS' : 'MISS',
    );
    console.log(
      `  peak = max(VmHWM after reset${peakReset ? '' : ' (reset not permitted)'}, RSS sampled every 100 ms: ${fmtMB(sampledPeak)}); ` +
        `RSS before export ${fmtMB(rssBefore)}, after ${fmtMB(endMem?.rss ?? NaN)}; ` +
        `lifetime peak incl. start-up bundling ${fmtMB(Math.max(startupMem?.hwm ?? 0, endMem?.hwm ?? 0))}`,
    );
    console.log(line);
    printArchives(raw.bytes, rawEntries, engineZipBytes, engineEntries);
    console.log(line);
    printTimeline(timeline, {
      samples,
      usageRows: N,
      usageStore: mysql ? MYSQL_STORE : 'app_db',
      runMs: run.ms,
      packagedBytes: unzipped(engineEntries),
      stagingFiles: usageRead.files,
    });
    console.log(line);
    console.log(`CPU time  raw (mean): ${fmtCpu(raw.cpu)}; ${raw.cores.toFixed(2)} of ${os.cpus().length} cores busy on average`);
    console.log(`          engine:     ${fmtCpu(engineCpu)}; ${engineCores.toFixed(2)} of ${os.cpus().length} cores busy on average`);
    // the product database's CPU per row it hands out: the engine reads every row of the subject once
    const dbGroup = mysql ? 'mariadb' : 'postgres';
    const perRow = (cpuS: number, rows: number) => (cpuS * 1e6) / rows;
    const dbRatio = perRow(engineCpu[dbGroup], engineRowsTotal) / perRow(raw.cpu[dbGroup], raw.rows);
    row(`product-DB CPU per row (${dbGroup})`, `${dbRatio.toFixed(2)}×`, 'target ≤ 1.50×', dbRatio <= 1.5 ? 'PASS' : 'MISS');
    console.log(
      `  engine ${perRow(engineCpu[dbGroup], engineRowsTotal).toFixed(2)} µs/row (${engineCpu[dbGroup].toFixed(2)} s for ${fmtInt(engineRowsTotal)} rows` +
        `${mysql ? '' : ', with the engine database on the same server'}) vs raw ${perRow(raw.cpu[dbGroup], raw.rows).toFixed(2)} µs/row ` +
        `(${raw.cpu[dbGroup].toFixed(2)} s for ${fmtInt(raw.rows)} rows)`,
    );
    console.log(`seed: ${fmtS(seed.ms)} (+ VACUUM ANALYZE ${fmtS(vacuum.ms)})`);
    console.log(line);
    return 0;
  } catch (err) {
    console.error(`[bench] FAILED: ${(err as Error).stack ?? err}`);
    return 1;
  } finally {
    await cleanup.run();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

// exits explicitly: the Temporal runtime keeps the event loop alive after a successful run
runBench(() => main().then((code) => process.exit(code)));
