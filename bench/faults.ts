// The outage scenarios, run as they are tested and summed up in one table: `npx tsx bench/faults.ts`.
// Each fault test asserts its own outcome on real parts (embedded PostgreSQL, the Temporal dev
// server, the worker as a child process where it is killed, a real SMTP server) and appends the
// figures it measured to FAULTS_REPORT; this prints them. A failing scenario fails the run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FaultOutcome } from '../test/support/fault-report';

const FAULT_TESTS = [
  'test/integration/connection-loss.test.ts',
  'test/integration/store-connection-loss.test.ts',
  'test/integration/worker-crash.test.ts',
  'test/integration/needs-attention.test.ts',
  'test/integration/mail-outbox.test.ts',
  'test/integration/temporal-outage.test.ts',
];

function main(): void {
  const only = process.argv.slice(2);
  const files = only.length ? FAULT_TESTS.filter((f) => only.some((o) => f.includes(o))) : FAULT_TESTS;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsar-faults-'));
  const report = path.join(dir, 'faults.jsonl');
  const started = Date.now();
  const run = spawnSync(process.execPath, ['scripts/run-tests.js', ...files], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, FAULTS_REPORT: report },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const rows: FaultOutcome[] = existsSync(report)
    ? readFileSync(report, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as FaultOutcome)
    : [];
  rmSync(dir, { recursive: true, force: true });

  const header = ['scenario', 'requests', 'completed', 'lost', 'duplicate mails', 'max intake latency'];
  const table = rows.map((r) => [
    r.scenario,
    String(r.requests),
    String(r.completed),
    String(r.lost),
    String(r.duplicateMails),
    r.maxIntakeMs === undefined ? '—' : `${Math.round(r.maxIntakeMs)} ms`,
  ]);
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const row of table) console.log(`| ${row.join(' | ')} |`);
  console.log('');
  for (const r of rows) if (r.note) console.log(`- ${r.scenario}: ${r.note}`);
  console.log(
    `\n${files.length} test files, ${((Date.now() - started) / 1000).toFixed(0)} s, ${run.status === 0 ? 'all passed' : 'SOME FAILED'}`,
  );
  process.exit(run.status ?? 1);
}

main();
