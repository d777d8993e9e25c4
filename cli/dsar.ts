// The `dsar` command: the local stack, the processes, and a client for the API and the audit trail.
//   dsar dev | worker | api | migrate
//   dsar submit --type export --email a@b.c      dsar verify <id> <code>      dsar status <id>
//   dsar audit verify [--json]      dsar plan --email a@b.c      dsar admin-key create --name n
//   dsar schedules apply
// Expected failures print one line and exit 1; DSAR_DEBUG=1 adds the stack trace.
// Heavy modules (the Temporal worker, fastify, embedded PostgreSQL) load only for the commands
// that need them, so the client commands answer fast.
import { Command, CommanderError, Option } from 'commander';
import { CliError, debugEnabled, describeError, networkCode, networkReason } from './errors';

type Env = Record<string, string | undefined>;

export interface CliIo {
  /** Normal output (default: stdout). Each call is one line or block, without the newline. */
  out?: (text: string) => void;
  /** Errors and hints (default: stderr). */
  err?: (text: string) => void;
  env?: Env;
}

const REQUEST_TYPES = ['access', 'export', 'correction', 'deletion'] as const;
const HTTP_TIMEOUT_MS = 30_000;

interface ProgressRow {
  store: string;
  collection: string;
  state: string;
  rows?: number;
  attempts?: number;
}
interface RequestView {
  id: string;
  type: string;
  channel: string;
  status: string;
  receivedAt: string;
  dueAt: string;
  verifiedAt: string | null;
  completedAt: string | null;
  progress: ProgressRow[];
}

export function buildProgram(io: CliIo = {}): Command {
  const out = io.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const err = io.err ?? ((text: string) => process.stderr.write(`${text}\n`));
  const env = io.env ?? process.env;
  const defaultApi = env.DSAR_API_URL || 'http://localhost:3000';

  const program = new Command('dsar')
    .description('dsar-engine: privacy-rights requests on Temporal + PostgreSQL')
    .version(require('../package.json').version as string)
    .showHelpAfterError('(run `dsar --help` for the commands)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out(s.replace(/\n$/, '')),
      writeErr: (s) => err(s.replace(/\n$/, '')),
    });
  const apiOption = () => new Option('--api <url>', 'base URL of the dsar API (env DSAR_API_URL)').default(defaultApi);

  program
    .command('dev')
    .description('run the whole stack locally (embedded PostgreSQL, Temporal dev server, mail catcher, worker, API); same as `npm start`')
    .action(async () => {
      const { runDevStack } = require('./dev') as typeof import('./dev');
      const code = await runDevStack({ env, log: out });
      if (code !== 0) throw new CliError(null, code);
    });

  program
    .command('worker')
    .description('run a Temporal worker (configuration from the environment)')
    .action(async () => {
      const { runWorker } = require('../worker/main') as typeof import('../worker/main');
      await runWorker(env);
    });

  program
    .command('api')
    .description('run the HTTP API (configuration from the environment)')
    .action(async () => {
      const { runApi } = require('../api/main') as typeof import('../api/main');
      const stop = await runApi(env);
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await stop();
    });

  program
    .command('migrate')
    .description('apply the engine database migrations (DATABASE_URL)')
    .action(async () => {
      const { migrate } = require('../db/migrate') as typeof import('../db/migrate');
      const applied = await withEngineDb(env, (db) => migrate(db));
      out(applied.length ? `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')}` : 'engine database is up to date');
    });

  program
    .command('submit')
    .description('submit a data-subject request (POST /v1/requests)')
    .addOption(new Option('--type <type>', 'request type').choices(REQUEST_TYPES).makeOptionMandatory())
    .requiredOption('--email <email>', "the data subject's email address")
    .option('--idempotency-key <key>', 'makes retries safe: the same key returns the same request')
    .addOption(apiOption())
    .action(async (o: { type: string; email: string; idempotencyKey?: string; api: string }) => {
      const headers: Record<string, string> = {};
      if (o.idempotencyKey) headers['idempotency-key'] = o.idempotencyKey;
      const body = await callApi(o.api, 'POST', '/v1/requests', { type: o.type, email: o.email }, headers, err);
      out(JSON.stringify(body, null, 2));
    });

  program
    .command('verify')
    .description('confirm a request with the one-time code from the verification email')
    .argument('<requestId>', 'the request id (from `dsar submit` or the email)')
    .argument('<code>', 'the code from the email ("Or confirm with the code: …")')
    .addOption(apiOption())
    // Codes are base64url and may start with "-": taken as the code, not as an unknown option.
    .allowUnknownOption()
    .action(async (requestId: string, code: string, o: { api: string }) => {
      const body = await callApi(o.api, 'POST', `/v1/requests/${encodeURIComponent(requestId)}/verify`, { token: code }, {}, err);
      out(JSON.stringify(body, null, 2));
    });

  program
    .command('status')
    .description('status, due date and per-store progress of a request')
    .argument('<requestId>', 'the request id')
    .option('--json', 'print the API answer as JSON')
    .addOption(apiOption())
    .action(async (requestId: string, o: { api: string; json?: boolean }) => {
      const view = (await callApi(o.api, 'GET', `/v1/requests/${encodeURIComponent(requestId)}`, undefined, {}, err)) as RequestView;
      out(o.json ? JSON.stringify(view, null, 2) : formatStatus(view));
    });

  const keyOption = () => new Option('--key <key>', 'an admin API key (env DSAR_ADMIN_KEY)').default(env.DSAR_ADMIN_KEY);
  const adminHeaders = (key?: string) => {
    if (!key) throw new CliError('an admin API key is needed: --key or DSAR_ADMIN_KEY (create one with `dsar admin-key create`)');
    return { authorization: `Bearer ${key}` };
  };

  program
    .command('plan')
    .description('dry run: what a deletion for this subject would do, per store and collection (changes nothing)')
    .requiredOption('--email <email>', "the data subject's email address")
    .option('--json', 'print the API answer as JSON')
    .addOption(keyOption())
    .addOption(apiOption())
    .action(async (o: { email: string; json?: boolean; key?: string; api: string }) => {
      const plan = (await callApi(o.api, 'POST', '/v1/plans', { email: o.email, type: 'deletion' }, adminHeaders(o.key), err)) as {
        entries: { store: string; collection: string; action: string; rows: number; basis?: string; retainedUntil?: string; purgeAfter?: string }[];
      };
      if (o.json) return out(JSON.stringify(plan, null, 2));
      const rows = plan.entries.map((e) => [e.store, e.collection, e.action, String(e.rows), [e.basis, e.retainedUntil && `until ${e.retainedUntil.slice(0, 10)}`, e.purgeAfter && `purge after ${e.purgeAfter}`].filter(Boolean).join('; ')]);
      const header = ['STORE', 'COLLECTION', 'ACTION', 'ROWS', 'NOTE'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (r: string[]) => r.map((c, i) => (i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
      out([line(header), ...rows.map(line)].join('\n'));
    });

  const adminKey = program.command('admin-key').description('admin API keys (stored only as SHA-256)');
  adminKey
    .command('create')
    .description('create an admin API key and show it once (DATABASE_URL)')
    .requiredOption('--name <name>', 'who or what uses the key, e.g. privacy-lead')
    .addOption(new Option('--role <role>', 'admin may act; auditor may only read').choices(['admin', 'auditor']).default('admin'))
    .action(async (o: { name: string; role: 'admin' | 'auditor' }) => {
      const { createAdminKey } = require('../api/admin-keys') as typeof import('../api/admin-keys');
      const { migrate } = require('../db/migrate') as typeof import('../db/migrate');
      const { key } = await withEngineDb(env, async (db) => {
        await migrate(db);
        return createAdminKey(db, o.name, o.role);
      });
      out(`${key}\n(${o.role} key "${o.name}": shown this once; only its SHA-256 is stored)`);
    });

  program
    .command('bundle')
    .description('bundle the workflow code ahead of time; point WORKFLOW_BUNDLE_PATH at the file for leaner workers')
    .argument('[file]', 'where to write it', 'dist/workflow-bundle.js')
    .action(async (file: string) => {
      const { mkdir } = require('node:fs/promises') as typeof import('node:fs/promises');
      const { writeWorkflowBundle } = require('../worker/bundle') as typeof import('../worker/bundle');
      await mkdir(require('node:path').dirname(file), { recursive: true });
      const bytes = await writeWorkflowBundle(file);
      out(`${file}: ${Math.round(bytes / 1024)} KiB (set WORKFLOW_BUNDLE_PATH=${file})`);
    });

  const schedules = program.command('schedules').description('Temporal Schedules (the daily retention sweep)');
  schedules
    .command('apply')
    .description('create or update the retention sweep schedule (TEMPORAL_ADDRESS)')
    .action(async () => {
      if (!env.TEMPORAL_ADDRESS) throw new CliError('TEMPORAL_ADDRESS is not set (host:port of the Temporal frontend)');
      const { Client, Connection } = require('@temporalio/client') as typeof import('@temporalio/client');
      const { ensureRetentionSchedule, RETENTION_SCHEDULE_ID, RETENTION_CRON } = require('../worker/schedules') as typeof import('../worker/schedules');
      const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
      try {
        const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE || 'default' });
        const result = await ensureRetentionSchedule(client, env.TEMPORAL_TASK_QUEUE || 'dsar');
        out(`${RETENTION_SCHEDULE_ID} ${result} (cron "${RETENTION_CRON}", UTC)`);
      } finally {
        await connection.close();
      }
    });

  program
    .command('report')
    .description('compliance figures for a period, per type and jurisdiction, with the CCPA §7102 metrics (DATABASE_URL)')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD (inclusive)')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD (exclusive)')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json', 'csv']).default('table'))
    .action(async (o: { from: string; to: string; format: string }) => {
      const day = (s: string, name: string) => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`))) throw new CliError(`${name} must be a date, YYYY-MM-DD`);
        return new Date(`${s}T00:00:00Z`);
      };
      const from = day(o.from, '--from');
      const to = day(o.to, '--to');
      if (to <= from) throw new CliError('--to must be after --from');
      const { complianceReport, complianceCsv } = require('../api/reports') as typeof import('../api/reports');
      const report = await withEngineDb(env, (db) => complianceReport(db, from, to));
      if (o.format === 'json') return out(JSON.stringify(report, null, 2));
      if (o.format === 'csv') return out(complianceCsv(report).trimEnd());
      const header = ['TYPE', 'JURISDICTION', 'RECEIVED', 'COMPLIED', 'DENIED', 'MEDIAN DAYS', 'ON TIME', 'EXTENDED', 'OVERDUE'];
      const rows = report.rows.map((r) => [r.type, r.jurisdiction, r.received, r.complied, r.denied, r.medianDays ?? '–', r.onTimeShare === null ? '–' : `${Math.round(r.onTimeShare * 100)}%`, r.extended, r.overdueNow].map(String));
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
      const c = report.ccpa7102;
      out([line(header), ...rows.map(line), '', 'CCPA §7102 (received / complied / denied / median days):',
        ...(['know', 'delete', 'correct', 'optOut'] as const).map((k) => `  ${k.padEnd(8)} ${c[k].received} / ${c[k].complied} / ${c[k].denied} / ${c[k].medianDays ?? '–'}`)].join('\n'));
    });

  const audit = program.command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .description('recompute the hash chain of the audit trail (DATABASE_URL) and name the first broken link')
    .option('--json', 'machine-readable output')
    .option('--from <seq>', 'first event to check (its prev_hash is taken as given)')
    .option('--to <seq>', 'last event to check')
    .action(async (o: { json?: boolean; from?: string; to?: string }) => {
      const { verifyAuditChain } = require('../activities/audit') as typeof import('../activities/audit');
      const seq = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        if (!/^[1-9]\d*$/.test(v)) throw new CliError(`${name} must be an event number`);
        return Number(v);
      };
      const range = { fromSeq: seq(o.from, '--from'), toSeq: seq(o.to, '--to') };
      const report = await withEngineDb(env, async (db) => {
        try {
          return await verifyAuditChain(db, 5000, range);
        } catch (e) {
          if ((e as { code?: string }).code === '42P01') throw new CliError('the engine database has no audit trail yet: run `dsar migrate` first');
          throw e;
        }
      });
      if (o.json) {
        out(JSON.stringify({ ok: report.ok, events: report.events, head: report.lastHash, ...(report.firstBroken ? { firstBroken: report.firstBroken } : {}) }));
      } else if (report.ok) {
        out(`audit trail intact: ${report.events} event${report.events === 1 ? '' : 's'}, head ${report.lastHash}`);
      } else {
        out(`audit trail BROKEN at event ${report.firstBroken!.seq}: ${report.firstBroken!.reason}`);
      }
      if (!report.ok) throw new CliError(null, 1);
    });

  return program;
}

/** Runs the command line; resolves to the exit code (never exits the process itself). */
export async function main(argv: string[] = process.argv, io: CliIo = {}): Promise<number> {
  const err = io.err ?? ((text: string) => process.stderr.write(`${text}\n`));
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help, version and usage errors: commander has already printed them.
      return e.exitCode;
    }
    if (e instanceof CliError) {
      if (!e.reported) err(`dsar: ${e.message}`);
      return e.exitCode;
    }
    err(`dsar: ${describeError(e)}`);
    if (debugEnabled(io.env) && e instanceof Error && e.stack) err(e.stack);
    return 1;
  }
}

async function withEngineDb<T>(env: Env, run: (db: import('pg').Pool) => Promise<T>): Promise<T> {
  const url = env.DATABASE_URL;
  if (!url) throw new CliError('DATABASE_URL is not set: point it at the engine database (with `npm start`: postgres://postgres:dsar-local@127.0.0.1:5433/dsar_engine)');
  const { Pool } = require('pg') as typeof import('pg');
  const db = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 10_000 });
  db.on('error', () => undefined);
  try {
    return await run(db);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(describeError(e, { databaseUrl: url, databaseUrlName: 'DATABASE_URL' }));
  } finally {
    await db.end().catch(() => undefined);
  }
}

async function callApi(
  base: string,
  method: 'GET' | 'POST',
  route: string,
  body: unknown,
  headers: Record<string, string>,
  err: (text: string) => void,
): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(route, base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new CliError(`not a valid API URL: ${base} (--api or DSAR_API_URL)`);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new CliError(`the API at ${base} did not answer within ${HTTP_TIMEOUT_MS / 1000} s`);
    const code = networkCode(e);
    const hint = code === 'ECONNREFUSED' ? ': is it running? (`npm start`, or set --api / DSAR_API_URL)' : '';
    throw new CliError(`cannot reach the API at ${base} (${code ? networkReason(code) : describeError(e)})${hint}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: shown as text */
  }
  if (!res.ok) {
    err(`HTTP ${res.status} ${res.statusText}`);
    err(typeof parsed === 'string' ? parsed : JSON.stringify(parsed, null, 2));
    throw new CliError(null, 1);
  }
  return parsed;
}

function relativeDays(iso: string, now = Date.now()): string {
  const days = Math.round((Date.parse(iso) - now) / 86_400_000);
  if (days === 0) return 'today';
  return days > 0 ? `in ${days} day${days === 1 ? '' : 's'}` : `${-days} day${days === -1 ? '' : 's'} ago`;
}

export function formatStatus(v: RequestView, now = Date.now()): string {
  const open = !['completed', 'denied', 'expired_unverified', 'failed'].includes(v.status);
  const overdue = open && Date.parse(v.dueAt) < now;
  const lines = [
    `request    ${v.id}`,
    `type       ${v.type} (${v.channel.replace('_', '-')})`,
    `status     ${v.status}`,
    `received   ${v.receivedAt}`,
    `due        ${v.dueAt.slice(0, 10)} (${overdue ? `OVERDUE, ${relativeDays(v.dueAt, now)}` : relativeDays(v.dueAt, now)})`,
  ];
  if (v.verifiedAt) lines.push(`verified   ${v.verifiedAt}`);
  if (v.completedAt) lines.push(`completed  ${v.completedAt}`);
  lines.push('');
  if (!v.progress.length) {
    lines.push(open ? 'no store work yet (the request starts once it is verified)' : 'no store work recorded');
    return lines.join('\n');
  }
  const withAttempts = v.progress.some((p) => p.attempts !== undefined);
  const header = ['STORE', 'COLLECTION', 'STATE', 'ROWS', ...(withAttempts ? ['ATTEMPTS'] : [])];
  const rows = v.progress.map((p) => [
    p.store,
    p.collection,
    p.state,
    p.rows === undefined ? '-' : String(p.rows),
    ...(withAttempts ? [p.attempts === undefined ? '-' : String(p.attempts)] : []),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const numeric = new Set([3, 4]);
  const fmt = (cells: string[]) => cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  lines.push(fmt(header), ...rows.map(fmt));
  const done = v.progress.filter((p) => p.state === 'done').length;
  const total = v.progress.reduce((n, p) => n + (p.rows ?? 0), 0);
  lines.push('', `${done}/${v.progress.length} collections done, ${total} rows`);
  return lines.join('\n');
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`dsar: ${describeError(e)}\n`);
      process.exit(1);
    },
  );
}
