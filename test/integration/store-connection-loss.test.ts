// Product-database sessions terminated again and again during a 500,000-row export: the worker (its
// own process, as in production) does not exit — a lost connection fails the activity under way
// and Temporal retries it — and the request completes once, with every row.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Manifest } from '../../activities/manifest';
import { addAccountData, addUsageRows } from '../../demo/seed';
import { stateQuery } from '../../schemas/contract';
import { downloadPathFrom, submitAndVerify, waitForStatus } from '../support/flow';
import { recordFaultOutcome } from '../support/fault-report';
import { startStack, type Stack } from '../support/stack';
import { spawnWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { readZip } from '../support/zip';

const HEAVY_ROWS = 500_000;
const EMAIL = 'terminated@example.com';
let stack: Stack;
let worker: WorkerProcess | undefined;

before(async () => {
  stack = await startStack();
  const {
    rows: [acc],
  } = await stack.db.appDb.query("INSERT INTO accounts (email, name) VALUES ($1, 'Often Cut Off') RETURNING id", [EMAIL]);
  await addAccountData(stack.db.appDb, acc.id, 0);
  await addUsageRows(stack.db.appDb, acc.id, HEAVY_ROWS);
});
after(async () => {
  worker?.kill('SIGKILL');
  await stack?.stop();
});

/** Terminates every session on the product database (run from the engine database, so not itself). */
async function terminateProductSessions(): Promise<number> {
  const { rows } = await stack.db.engineDb.query(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [new URL(stack.db.appUrl).pathname.slice(1)],
  );
  return rows[0].n as number;
}

test('terminating the product database sessions mid-export neither ends the worker nor loses rows', { timeout: 240_000 }, async () => {
  worker = spawnWorkerProcess(stack);
  const w = worker;
  const tail = () => w.stderrTail();
  let exited: number | string | null = null;
  worker.once('exit', (code, signal) => (exited = code ?? signal));

  const id = await submitAndVerify(stack, 'export', EMAIL);
  const handle = stack.env.client.workflow.getHandle(id);
  let terminatedDuringRead = 0;
  let rounds = 0;
  const deadline = Date.now() + 120_000;
  // Several rounds while the usage log read is running: each round cuts every product session.
  while (rounds < 4 && Date.now() < deadline) {
    if (exited !== null) assert.fail(`the worker exited (${exited}) while sessions were cut; stderr: ${tail()}`);
    const state = await handle.query(stateQuery).catch((err: unknown) => {
      if (exited !== null) assert.fail(`the worker exited (${exited}) while sessions were cut; stderr: ${tail()}`);
      throw err;
    });
    if (state.progress.some((p) => p.collection === 'usage_logs' && p.state === 'running')) {
      await new Promise((r) => setTimeout(r, 300)); // let the COPY get under way
      const n = await terminateProductSessions();
      if (n > 0) {
        terminatedDuringRead += n;
        rounds++;
      }
    } else if (state.status === 'completed') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(rounds >= 2, `sessions were cut during the read (${rounds} rounds, ${terminatedDuringRead} sessions)`);

  await waitForStatus(stack, id, 'completed', 180_000);
  assert.equal(exited, null, `the worker is still running (stderr: ${tail()})`);
  assert.doesNotMatch(tail(), /Unhandled 'error' event/);

  const exports = await stack.db.engineDb.query('SELECT id FROM exports WHERE request_id = $1', [id]);
  assert.equal(exports.rowCount, 1, 'one export record');
  await new Promise((r) => setTimeout(r, 500));
  const ready = stack.smtp.mails.filter((m) => m.text.includes(id) && /ready/.test(m.subject));
  assert.equal(ready.length, 1, 'one completion email');
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(ready[0].text) });
  assert.equal(res.statusCode, 200);
  const files = await readZip(res.rawPayload);
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
  assert.equal(manifest.collections.find((c) => c.collection === 'usage_logs')!.rows, HEAVY_ROWS);
  const csvLines = files.get('data/app_db/usage_logs.csv')!.toString().trimEnd().split('\n').length;
  assert.equal(csvLines, HEAVY_ROWS + 1);
  const reads = await stack.db.engineDb.query(
    "SELECT count(*)::int AS n FROM audit_events WHERE request_id = $1 AND action = 'collection.read' AND collection = 'usage_logs'",
    [id],
  );
  assert.equal(reads.rows[0].n, 1, 'the read is audited once');
  recordFaultOutcome({
    scenario: `product-DB sessions terminated ${rounds}× during a ${HEAVY_ROWS}-row export`,
    requests: 1,
    completed: 1,
    lost: 0,
    duplicateMails: ready.length - 1,
    note: `${terminatedDuringRead} sessions cut; the worker kept running; every row in the ZIP`,
  });
});
