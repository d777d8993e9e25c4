// Export benchmark: one subject with N usage rows (default 1,000,000), exported end to end by
// the real worker (a child process, so its memory is its own), compared with a raw
// `COPY (SELECT …) TO STDOUT` piped into a ZIP in this process. Prints rows/s for both, their
// ratio, the worker's peak RSS and where the engine's time went.
//
//   npx tsx bench/export.ts [--rows 1000000] [--keep]
//
// Targets (issue): engine rows/s ≥ 0.5 × raw rows/s, worker peak RSS ≤ 256 MB.
// Exit status: 0 whatever the numbers (it is a report); 1 when the export itself fails.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import archiver from 'archiver';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { Client, Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import yauzl from 'yauzl';
import { ZIP_LEVEL } from '../activities/export';
import { startEmbeddedPostgres, type EmbeddedPg } from '../cli/stack/postgres';
import { ensureTemporalCli, PROJECT_ROOT, stopChild } from '../cli/stack/temporal';
import { migrate } from '../db/migrate';
import { addAccountData, applyDemoSchema, seedDemo } from '../demo/seed';
import { sha256Hex } from '../lib/hash';
import type { DsarRequestInput, DsarRequestState } from '../schemas/workflow';
import { freePort } from '../test/support/ports';
import { startSmtpCatcher } from '../test/support/smtp';

// ---------------------------------------------------------------------------------------------
// arguments

interface Args {
  rows: number;
  keep: boolean;
  workerEntry: string;
  workerNodeArgs: string[];
}

function parseArgs(argv: string[]): Args {
  let rows = 1_000_000;
  let keep = false;
  let workerEntry = path.join('worker', 'main.ts');
  let workerNodeArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rows' || a.startsWith('--rows=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      rows = Number(String(v).replace(/[_,]/g, ''));
      if (!Number.isInteger(rows) || rows < 1) throw new Error(`--rows needs a positive integer, got ${v}`);
    } else if (a === '--keep') keep = true;
    else if (a === '--worker' || a.startsWith('--worker=')) workerEntry = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
    else if (a === '--worker-node-args' || a.startsWith('--worker-node-args=')) {
      workerNodeArgs = (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i]).split(/\s+/).filter(Boolean);
    }
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npx tsx bench/export.ts [--rows 1000000] [--keep] [--worker worker/main.ts] [--worker-node-args "…"]\n' +
          '  --keep    leave the temp dir (database, archives) for inspection\n' +
          '  --worker  the worker entry to run as the child process (for trying variants; default worker/main.ts;\n' +
          '            a .js entry runs on plain node, a .ts entry with --import tsx)\n' +
          '  --worker-node-args  extra node flags for the worker, e.g. "--max-semi-space-size=4"',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return { rows, keep, workerEntry, workerNodeArgs };
}

// ---------------------------------------------------------------------------------------------
// small helpers

const SUBJECT = 'bench@example.com';
const WARMUP_SUBJECT = 'carol@example.com'; // a demo account with 40 usage rows
const SECRET = 'bench-signing-secret-0123456789abcdef';
const OTHER_ACCOUNTS = 20;
const ROWS_PER_OTHER_ACCOUNT = 2000;

const MB = 1024 * 1024;
const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US');
const fmtS = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const fmtMB = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;
const log = (line: string) => console.log(`[bench] ${line}`);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** VmRSS / VmHWM of a process in bytes (null once it has gone). */
function procMemory(pid: number): { rss: number; hwm: number } | null {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux ≥ 4.0); false where not permitted. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const CLK_TCK = 100; // USER_HZ on Linux

/** Busy and total jiffies over all CPUs (for "how many cores were busy"). */
function machineCpu(): { busy: number; total: number } {
  const [, ...nums] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const v = nums.map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}
const coresBusy = (a: ReturnType<typeof machineCpu>, b: ReturnType<typeof machineCpu>, ms: number) =>
  (b.busy - a.busy) / CLK_TCK / (ms / 1000);

/**
 * CPU seconds per process group, counting only this bench's own process tree (other
 * PostgreSQL or Temporal servers on the machine are left out): the worker and its children,
 * PostgreSQL (live processes plus the postmaster's reaped children, so closed connections still
 * count), the Temporal dev server, and this process.
 */
function cpuByGroup(workerPid: number): Record<string, number> {
  const procs = new Map<number, { ppid: number; comm: string; own: number; reaped: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      procs.set(Number(name), {
        comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')),
        ppid: Number(f[1]),
        own: (Number(f[11]) + Number(f[12])) / CLK_TCK, // utime + stime
        reaped: (Number(f[13]) + Number(f[14])) / CLK_TCK, // cutime + cstime
      });
    } catch {
      /* gone meanwhile */
    }
  }
  const under = (pid: number, root: number) => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = procs.get(p)?.ppid ?? 0, hops++) if (p === root) return true;
    return false;
  };
  const out: Record<string, number> = { worker: 0, postgres: 0, temporal: 0, bench: 0, other: 0 };
  for (const [pid, p] of procs) {
    if (workerPid && under(pid, workerPid)) out.worker += p.own;
    else if (pid === process.pid) out.bench += p.own;
    else if (!under(pid, process.pid)) continue;
    else if (p.comm === 'postgres') out.postgres += p.own + p.reaped;
    else if (p.comm === 'temporal') out.temporal += p.own;
    else out.other += p.own;
  }
  return out;
}
const cpuDelta = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.keys(a).map((k) => [k, b[k] - a[k]]));
const fmtCpu = (d: Record<string, number>) =>
  Object.entries(d)
    .filter(([k, v]) => v >= 0.05 && k !== 'other')
    .map(([k, v]) => `${k} ${v.toFixed(1)} s`)
    .join(', ');

interface ZipEntryInfo {
  name: string;
  size: number;
  compressed: number;
}
function listZip(file: string): Promise<ZipEntryInfo[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const out: ZipEntryInfo[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        out.push({ name: e.fileName, size: e.uncompressedSize, compressed: e.compressedSize });
        zip.readEntry();
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

/** Runs registered clean-up steps in reverse order, each at most once, errors reported. */
class Cleanup {
  private steps: { what: string; fn: () => Promise<unknown> | unknown }[] = [];
  add(what: string, fn: () => Promise<unknown> | unknown) {
    this.steps.push({ what, fn });
  }
  async run() {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.fn();
      } catch (err) {
        console.error(`[bench] clean-up: ${step.what} failed: ${(err as Error).message}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// the raw baseline

async function rawCopyToZip(
  appUrl: string,
  accountId: string,
  file: string,
): Promise<{ ms: number; rows: number; bytes: number; cores: number; cpu: Record<string, number> }> {
  const client = new Client({ connectionString: appUrl });
  await client.connect();
  try {
    const cpu0 = cpuByGroup(0);
    const m0 = machineCpu();
    const t0 = performance.now();
    // the id is an integer from our own INSERT … RETURNING; COPY takes no parameters
    const sql = `COPY (SELECT * FROM usage_logs WHERE account_id = ${BigInt(accountId)} ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER true)`;
    const archive = archiver('zip', { zlib: { level: ZIP_LEVEL } });
    const out = createWriteStream(file);
    archive.pipe(out);
    const copy = client.query(copyTo(sql));
    const copied = finished(copy);
    archive.append(copy, { name: 'usage_logs.csv' });
    await archive.finalize();
    await Promise.all([finished(out), copied]);
    const ms = performance.now() - t0;
    const cores = coresBusy(m0, machineCpu(), ms);
    return { ms, rows: copy.rowCount, bytes: (await stat(file)).size, cores, cpu: cpuDelta(cpu0, cpuByGroup(0)) };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// the worker as a child process

interface WorkerChild {
  child: ChildProcess;
  pid: number;
  output: () => string;
  stop(): Promise<void>;
}

function spawnWorker(entry: string, nodeArgs: string[], env: Record<string, string>): WorkerChild {
  // a compiled .js entry runs on plain node; TypeScript runs through tsx, as `npm run worker` does
  const child = spawn(process.execPath, [...nodeArgs, ...(entry.endsWith('.js') ? [] : ['--import', 'tsx']), entry], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (!child.pid) throw new Error('could not spawn the worker');
  let buf = '';
  const keep = (d: Buffer) => {
    buf += d.toString();
    if (buf.length > 200_000) buf = buf.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return { child, pid: child.pid, output: () => buf, stop: () => stopChild(child, 15_000) };
}

/** Samples a process's RSS every `everyMs`; stop() returns the samples. */
function sampleRss(pid: number, everyMs = 100) {
  const samples: { t: number; rss: number }[] = [];
  const take = () => {
    const m = procMemory(pid);
    if (m) samples.push({ t: Date.now(), rss: m.rss });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// workflow history → per-activity timeline

interface ActivitySpan {
  name: string;
  label: string;
  scheduled: number;
  started: number;
  closed: number;
  attempt: number;
  ok: boolean;
}

type Long = { toString(): string } | number | null | undefined;
const num = (v: Long) => (v == null ? 0 : Number(v.toString()));
const tsMs = (t: { seconds?: Long; nanos?: number | null } | null | undefined) => (t ? num(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6 : 0);

function decodeArgs(payloads: { data?: Uint8Array | null }[] | null | undefined): unknown[] {
  return (payloads ?? []).map((p) => {
    try {
      return JSON.parse(Buffer.from(p.data ?? []).toString('utf8'));
    } catch {
      return undefined;
    }
  });
}

async function activityTimeline(env: TestWorkflowEnvironment, workflowId: string): Promise<{ spans: ActivitySpan[]; wfStart: number; wfEnd: number }> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const spans = new Map<number, ActivitySpan>();
  let wfStart = 0;
  let wfEnd = 0;
  for (const e of history.events ?? []) {
    const at = tsMs(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) wfStart = at;
    if (e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes) wfEnd = at;
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const name = s.activityType?.name ?? '?';
      const args = decodeArgs(s.input?.payloads);
      let label = name;
      if (name === 'exportCollection') label = `exportCollection ${args[1]}.${args[2]}`;
      if (name === 'recordStep') label = `recordStep ${(args[0] as { action?: string })?.action ?? ''}`;
      spans.set(num(e.eventId), { name, label, scheduled: at, started: at, closed: at, attempt: 1, ok: false });
    }
    const st = e.activityTaskStartedEventAttributes;
    if (st) {
      const span = spans.get(num(st.scheduledEventId));
      if (span) {
        span.started = at;
        span.attempt = st.attempt ?? 1;
      }
    }
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (done) {
      const span = spans.get(num(done.scheduledEventId));
      if (span) {
        span.closed = at;
        span.ok = !!e.activityTaskCompletedEventAttributes;
      }
    }
  }
  return { spans: [...spans.values()], wfStart, wfEnd };
}

// ---------------------------------------------------------------------------------------------
// the run

async function main(): Promise<number> {
  const { rows: N, keep, workerEntry, workerNodeArgs } = parseArgs(process.argv.slice(2));
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
    log(`rows=${fmtInt(N)}  worker=${[...workerNodeArgs, workerEntry].join(' ')}  ZIP_LEVEL=${ZIP_LEVEL}  cpus=${os.cpus().length}  node=${process.version}  tmp=${tmp}`);

    // --- PostgreSQL, Temporal, SMTP in parallel -------------------------------------------------
    const startT = performance.now();
    const [pg, temporalCli, smtp] = await Promise.all([
      (async (): Promise<EmbeddedPg> => startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: await freePort(), fast: true }))(),
      ensureTemporalCli((l) => log(l)),
      startSmtpCatcher(),
    ]);
    cleanup.add('stop PostgreSQL', () => pg.stop());
    cleanup.add('stop SMTP', () => smtp.close());
    const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path: temporalCli }, ip: '127.0.0.1' } });
    cleanup.add('stop Temporal dev server', () => env.teardown());
    log(`PostgreSQL, Temporal dev server (${env.address}) and SMTP up in ${fmtS(performance.now() - startT)}`);

    // --- databases and seed ---------------------------------------------------------------------
    await pg.createDatabase('engine');
    await pg.createDatabase('app');
    const engineUrl = pg.url('engine');
    const appUrl = pg.url('app');
    const engineDb = new Pool({ connectionString: engineUrl, max: 4 });
    const appDb = new Pool({ connectionString: appUrl, max: 4 });
    cleanup.add('close pools', () => Promise.all([engineDb.end(), appDb.end()]));
    await migrate(engineDb);
    await applyDemoSchema(appDb);

    const seed = await timed(async () => {
      await seedDemo(appDb, { extraAccounts: OTHER_ACCOUNTS, usagePerExtraAccount: ROWS_PER_OTHER_ACCOUNT });
      const { rows } = await appDb.query<{ id: string }>(
        `INSERT INTO accounts (email, name, company, plan, created_at) VALUES ($1, 'Bench Subject', 'Bench GmbH', 'team', now() - interval '300 days') RETURNING id`,
        [SUBJECT],
      );
      await addAccountData(appDb, rows[0].id, N); // api keys, N usage rows, 12 invoices, 2 tickets
      return rows[0].id;
    });
    const accountId = seed.value;
    const vacuum = await timed(() => appDb.query('VACUUM ANALYZE'));
    const counts = await appDb.query<{ total: string; subject: string; size: string }>(
      `SELECT count(*) AS total, count(*) FILTER (WHERE account_id = $1) AS subject, pg_size_pretty(pg_total_relation_size('usage_logs')) AS size FROM usage_logs`,
      [accountId],
    );
    const c = counts.rows[0];
    log(
      `seeded ${fmtInt(Number(c.total))} usage rows (${fmtInt(Number(c.subject))} for ${SUBJECT}, the rest over ${OTHER_ACCOUNTS + 3} other accounts; usage_logs ${c.size}) ` +
        `in ${fmtS(seed.ms)}, VACUUM ANALYZE ${fmtS(vacuum.ms)}`,
    );
    if (Number(c.subject) !== N) throw new Error(`expected ${N} usage rows for the subject, found ${c.subject}`);

    // --- raw baseline (run again after the engine; the ratio uses the mean of both) -------------
    const rawZip = path.join(tmp, 'raw.zip');
    const runRaw = async (when: string) => {
      const r = await rawCopyToZip(appUrl, accountId, rawZip);
      if (r.rows !== N) throw new Error(`raw COPY returned ${r.rows} rows, expected ${N}`);
      log(`raw COPY → zip (${when}): ${fmtInt(r.rows)} rows in ${fmtS(r.ms)} (${fmtInt(r.rows / (r.ms / 1000))} rows/s), ${fmtMB(r.bytes)}`);
      return r;
    };
    const raw1 = await runRaw('before the engine');

    // --- the worker -----------------------------------------------------------------------------
    const taskQueue = `dsar-bench-${path.basename(tmp)}`;
    const exportDir = path.join(tmp, 'exports');
    await mkdir(exportDir, { recursive: true });
    const workerStart = performance.now();
    const worker = spawnWorker(workerEntry, workerNodeArgs, {
      DATABASE_URL: engineUrl,
      APP_DATABASE_URL: appUrl,
      TEMPORAL_ADDRESS: env.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: smtp.url,
      SIGNING_SECRET: SECRET,
      EXPORT_DIR: exportDir,
      DATAMAP_PATH: path.join(PROJECT_ROOT, 'demo', 'datamap.yml'),
      PUBLIC_BASE_URL: 'http://dsar.bench',
      LOG_LEVEL: 'warn',
    });
    cleanup.add('stop worker', () => worker.stop());
    // rejects if the worker dies, so a crash does not leave the bench waiting on a workflow
    const workerGone = new Promise<never>((_, reject) =>
      worker.child.once('exit', (code, signal) => reject(new Error(`the worker exited (${signal ?? code}):\n${worker.output().slice(-4000)}`))),
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
    const audit = await engineDb.query<{ action: string; store: string | null; collection: string | null; details: Record<string, unknown> }>(
      `SELECT action, store, collection, details FROM audit_events WHERE request_id = $1 ORDER BY seq`,
      [run.requestId],
    );
    const packaged = audit.rows.find((r) => r.action === 'export.packaged')?.details as { bytes: number; rows: number; collections: number } | undefined;
    if (!packaged) throw new Error('no export.packaged audit event');
    const reads = audit.rows.filter((r) => r.action === 'collection.read');
    const usageRead = reads.find((r) => r.collection === 'usage_logs')?.details as { rows: number; files: { name: string; bytes: number }[] } | undefined;
    if (!usageRead || usageRead.rows !== N) throw new Error(`usage_logs export has ${usageRead?.rows} rows, expected ${N}`);
    const engineZip = path.join(exportDir, `${run.requestId}.zip`);
    const [engineEntries, rawEntries] = await Promise.all([listZip(engineZip), listZip(rawZip)]);
    const engineZipBytes = (await stat(engineZip)).size;

    const { spans, wfStart, wfEnd } = await activityTimeline(env, run.requestId);
    const peakIn = (from: number, to: number) => {
      const inside = samples.filter((s) => s.t >= from - 50 && s.t <= to + 50);
      return inside.length ? Math.max(...inside.map((s) => s.rss)) : NaN;
    };

    // --- report ---------------------------------------------------------------------------------
    const rawRate = raw.rows / (raw.ms / 1000);
    const engineRowsTotal = packaged.rows;
    const engineRateTotal = engineRowsTotal / (run.ms / 1000);
    const engineRateUsage = N / (run.ms / 1000);
    const ratio = engineRateTotal / rawRate;
    const ratioOk = ratio >= 0.5;
    const rssOk = peakRss <= 256 * MB;

    const line = '─'.repeat(96);
    console.log(`\n${line}\nExport benchmark — ${fmtInt(N)} usage rows for one subject (ZIP level ${ZIP_LEVEL}, ${os.cpus().length} CPUs)\n${line}`);
    const row = (a: string, b: string, c = '', d = '') => console.log(`${a.padEnd(34)}${b.padStart(16)}${c.padStart(20)}${d.padStart(22)}`);
    row('', 'rows', 'seconds', 'rows/s');
    row('raw COPY csv → zip (this process)', fmtInt(raw.rows), (raw.ms / 1000).toFixed(2), fmtInt(rawRate));
    console.log(`  raw = mean of a run before (${fmtS(raw1.ms)}) and after (${fmtS(raw2.ms)}) the engine export`);
    row('engine export, end to end', fmtInt(engineRowsTotal), (run.ms / 1000).toFixed(2), fmtInt(engineRateTotal));
    row('  (usage_logs rows only)', fmtInt(N), '', fmtInt(engineRateUsage));
    console.log(
      `  engine rows = all ${packaged.collections} collections of the subject (${fmtInt(N)} usage_logs + ${fmtInt(engineRowsTotal - N)} others), each written as JSON and CSV;\n` +
        `  engine time = workflow start → workflow result (request recorded, subject resolved, every collection read, ZIP packaged, link mailed).`,
    );
    console.log(line);
    row('ratio engine/raw (rows/s)', `${ratio.toFixed(2)}×`, 'target ≥ 0.50×', ratioOk ? 'PASS' : 'MISS');
    row('worker peak RSS during export', fmtMB(peakRss), 'target ≤ 256 MB', rssOk ? 'PASS' : 'MISS');
    console.log(
      `  peak = max(VmHWM after reset${peakReset ? '' : ' (reset not permitted)'}, RSS sampled every 100 ms: ${fmtMB(sampledPeak)}); ` +
        `RSS before export ${fmtMB(rssBefore)}, after ${fmtMB(endMem?.rss ?? NaN)}; ` +
        `lifetime peak incl. start-up bundling ${fmtMB(Math.max(startupMem?.hwm ?? 0, endMem?.hwm ?? 0))}`,
    );
    console.log(line);
    console.log('archives');
    const unzipped = (es: ZipEntryInfo[]) => es.reduce((n, e) => n + e.size, 0);
    console.log(`  raw.zip      ${fmtMB(raw.bytes).padStart(10)}   1 entry (${rawEntries.map((e) => `${e.name} ${fmtMB(e.size)}`).join(', ')})`);
    console.log(`  engine zip   ${fmtMB(engineZipBytes).padStart(10)}   ${engineEntries.length} entries, ${fmtMB(unzipped(engineEntries))} uncompressed, of which:`);
    for (const e of engineEntries.filter((x) => x.size > MB)) console.log(`    ${e.name.padEnd(34)}${fmtMB(e.size).padStart(10)} → ${fmtMB(e.compressed)}`);
    console.log(line);
    console.log('where the engine time went (workflow history; offsets from workflow start)');
    const base = wfStart || spans[0]?.scheduled || 0;
    const head = (a: string, b: string, c: string, d: string, e: string) => console.log(`  ${a.padEnd(44)}${b.padStart(10)}${c.padStart(10)}${d.padStart(14)}${e.padStart(16)}`);
    head('activity', 'start', 'end', 'duration', 'worker peak RSS');
    for (const s of spans.sort((a, b) => a.started - b.started)) {
      head(
        `${s.label}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}${s.ok ? '' : ' FAILED'}`,
        ((s.started - base) / 1000).toFixed(2),
        ((s.closed - base) / 1000).toFixed(2),
        fmtS(s.closed - s.started),
        s.closed - s.started >= 200 ? fmtMB(peakIn(s.started, s.closed)) : '',
      );
    }
    if (wfEnd) head('workflow (server clock)', '0.00', ((wfEnd - base) / 1000).toFixed(2), fmtS(wfEnd - base), '');
    const usageSpan = spans.find((s) => s.label === 'exportCollection app_db.usage_logs');
    const pkgSpan = spans.find((s) => s.name === 'packageExport');
    if (usageSpan && pkgSpan) {
      const read = usageSpan.closed - usageSpan.started;
      const pack = pkgSpan.closed - pkgSpan.started;
      console.log(
        `  usage_logs read (COPY json + COPY csv → staging files): ${fmtS(read)} = ${fmtInt(N / (read / 1000))} rows/s; ` +
          `packaging (ZIP of ${fmtMB(engineEntries.reduce((n, e) => n + e.size, 0))} uncompressed): ${fmtS(pack)}; ` +
          `other steps: ${fmtS(run.ms - read - pack)}`,
      );
      const f = usageRead.files;
      console.log(`  staging files: ${f.map((x) => `${x.name} ${fmtMB(x.bytes)}`).join(', ')}`);
    }
    console.log(line);
    console.log(`CPU time  raw (mean): ${fmtCpu(raw.cpu)}; ${raw.cores.toFixed(2)} of ${os.cpus().length} cores busy on average`);
    console.log(`          engine:     ${fmtCpu(engineCpu)}; ${engineCores.toFixed(2)} of ${os.cpus().length} cores busy on average`);
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

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
