import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { deletionTally } from '../../activities/deletion-tally';
import type { Manifest } from '../../activities/manifest';
import { connectorFor } from '../../activities/stores/registry';
import { addAccountData, addUsageRows } from '../../demo/seed';
import { stateQuery } from '../../schemas/contract';
import { downloadPathFrom, submit, submitAndVerify, waitForErasure, waitForStatus } from '../support/flow';
import { recordFaultOutcome } from '../support/fault-report';
import { startStack, type Stack } from '../support/stack';
import { spawnWorkerProcess } from '../support/worker-process';
import { readZip } from '../support/zip';

const HEAVY_ROWS = 400_000;
const DELETE_ROWS = 500_000;
let stack: Stack;
const workers: ChildProcess[] = [];

before(async () => {
  stack = await startStack();
  const heavy: [string, number][] = [
    ['heavy@example.com', HEAVY_ROWS],
    ['heavy-delete@example.com', DELETE_ROWS],
    ['flaky-delete@example.com', DELETE_ROWS],
  ];
  for (const [email, rows] of heavy) {
    const {
      rows: [acc],
    } = await stack.db.appDb.query("INSERT INTO accounts (email, name) VALUES ($1, 'Heavy User') RETURNING id", [email]);
    await addAccountData(stack.db.appDb, acc.id, 0);
    await addUsageRows(stack.db.appDb, acc.id, rows);
  }
});

async function usageRowsOf(accountId: string): Promise<number> {
  const { rows } = await stack.db.appDb.query('SELECT count(*)::int AS n FROM usage_logs WHERE account_id = $1', [accountId]);
  return rows[0].n;
}

/** Waits until the usage log step runs (and, given `deletingFrom`, until it has deleted some of them). */
async function duringUsageLogs(id: string, deletingFrom?: { accountId: string; before: number }) {
  const handle = stack.env.client.workflow.getHandle(id);
  await waitUntil('the usage log step to start', async () => {
    const state = await handle.query(stateQuery);
    return state.progress.some((p) => p.collection === 'usage_logs' && p.state === 'running');
  });
  if (deletingFrom)
    await waitUntil('usage rows to be deleted', async () => (await usageRowsOf(deletingFrom.accountId)) < deletingFrom.before);
}

/** Kills the worker as soon as the usage log step is running. */
async function killDuringUsageLogs(id: string, worker: ChildProcess, deletingFrom?: { accountId: string; before: number }) {
  await duringUsageLogs(id, deletingFrom);
  worker.kill('SIGKILL');
  await new Promise((r) => worker.once('exit', r));
  const {
    rows: [killedAt],
  } = await stack.db.engineDb.query('SELECT status FROM requests WHERE id = $1', [id]);
  assert.equal(killedAt.status, 'in_progress', 'the worker died mid-request');
}
after(async () => {
  await stopWorkers();
  await stack?.stop();
});

/** The production worker entry point, as its own process. */
function spawnWorker(): ChildProcess {
  const child = spawnWorkerProcess(stack);
  child.once('exit', (code) => code && console.error(`worker exited with ${code}:\n${child.stderrTail()}`));
  workers.push(child);
  return child;
}

/** Kills the workers earlier tests left running, so the next step runs on the ones a test starts. */
async function stopWorkers() {
  await Promise.all(
    workers.splice(0).map((w) => {
      if (w.exitCode !== null || w.signalCode !== null) return undefined;
      const exited = new Promise((r) => w.once('exit', r));
      w.kill('SIGKILL');
      return exited;
    }),
  );
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a worker killed mid-export is replaced and the request completes with one ZIP and one email', { timeout: 180_000 }, async () => {
  const first = spawnWorker();
  const id = await submitAndVerify(stack, 'export', 'heavy@example.com');
  await killDuringUsageLogs(id, first);

  spawnWorker();
  await waitForStatus(stack, id, 'completed', 120_000);

  const exports = await stack.db.engineDb.query('SELECT id, path, sha256 FROM exports WHERE request_id = $1', [id]);
  assert.equal(exports.rowCount, 1, 'one export record');
  const entries = await readdir(stack.config.EXPORT_DIR);
  assert.deepEqual(
    entries.filter((e) => e.startsWith(id)),
    [`${id}.zip`],
    'one archive, no partial left behind',
  );
  assert.ok(
    !entries.includes('staging') || !(await readdir(path.join(stack.config.EXPORT_DIR, 'staging'))).includes(id),
    'staging removed',
  );

  await new Promise((r) => setTimeout(r, 1000)); // give any duplicate a chance to arrive
  const ready = stack.smtp.mails.filter((m) => m.text.includes(id) && /ready/.test(m.subject));
  assert.equal(ready.length, 1, 'one completion email');

  const zip = await readFile(exports.rows[0].path);
  assert.equal(createHash('sha256').update(zip).digest('hex'), exports.rows[0].sha256);
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(ready[0].text) });
  assert.equal(res.statusCode, 200);
  const files = await readZip(res.rawPayload);
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
  const usage = manifest.collections.find((c) => c.collection === 'usage_logs')!;
  assert.equal(usage.rows, HEAVY_ROWS);
  for (const f of usage.files) assert.equal(createHash('sha256').update(files.get(f.name)!).digest('hex'), f.sha256);
  const csvLines = files.get('data/app_db/usage_logs.csv')!.toString().trimEnd().split('\n').length;
  assert.equal(csvLines, HEAVY_ROWS + 1);

  const reads = await stack.db.engineDb.query(
    "SELECT count(*)::int AS n FROM audit_events WHERE request_id = $1 AND action = 'collection.read' AND collection = 'usage_logs'",
    [id],
  );
  assert.equal(reads.rows[0].n, 1, 'the read is audited once');
  recordFaultOutcome({
    scenario: `worker killed (SIGKILL) mid-export of ${HEAVY_ROWS} rows`,
    requests: 1,
    completed: 1,
    lost: 0,
    duplicateMails: ready.length - 1,
    note: 'one ZIP, every row, the read audited once',
  });
});

/** The deletion reports every usage row the subject had, once, wherever the count is shown. */
async function assertCountedOnce(id: string, accountId: string, before: number, scenario: string) {
  assert.equal(await usageRowsOf(accountId), 0, 'no usage rows left');
  const engine = stack.db.engineDb;
  const { rows: erased } = await engine.query(
    "SELECT collection, details FROM audit_events WHERE request_id = $1 AND action = 'collection.erased'",
    [id],
  );
  const usage = erased.filter((e) => e.collection === 'usage_logs');
  assert.equal(usage.length, 1, 'one erasure event');
  assert.equal(usage[0].details.remainingDue, 0);
  assert.equal(usage[0].details.deleted, before, 'the audit counts every row deleted, across attempts');
  const {
    rows: [completed],
    // the erasure's totals: the account is deactivated, the request completes once its purge is proven
  } = await engine.query("SELECT details FROM audit_events WHERE request_id = $1 AND action = 'request.deactivated'", [id]);
  assert.equal(
    completed.details.deleted,
    erased.reduce((n, e) => n + e.details.deleted, 0),
    'the completion total is the sum of the collections',
  );
  assert.ok(completed.details.deleted >= before);
  const {
    rows: [projection],
  } = await engine.query('SELECT progress FROM requests WHERE id = $1', [id]);
  assert.equal(projection.progress.find((p: { collection: string }) => p.collection === 'usage_logs').rows, before);
  const {
    rows: [progress],
  } = await engine.query(
    "SELECT deleted::int, attempts FROM erasure_progress WHERE request_id = $1 AND address = 'app_db.usage_logs' AND operation = 'erase'",
    [id],
  );
  assert.equal(progress.deleted, before);
  assert.ok(progress.attempts >= 2, `the erase ran more than once (${progress.attempts})`);
  await new Promise((r) => setTimeout(r, 1000)); // give any duplicate a chance to arrive
  const mails = stack.smtp.mails.filter((m) => m.text.includes(id) && /deleted/.test(m.subject));
  assert.equal(mails.length, 1, 'one completion email');
  assert.ok(mails[0].text.includes(`app db usage logs: ${before} records`), 'the subject is told every row deleted');
  recordFaultOutcome({
    scenario,
    requests: 1,
    completed: 1,
    lost: 0,
    duplicateMails: mails.length - 1,
    note: `erased (the request completes at its purge); reported deleted ${usage[0].details.deleted} of ${before} usage rows (${progress.attempts} attempts)`,
  });
}

test('a worker killed mid-deletion is replaced: every row is gone and counted once', { timeout: 180_000 }, async () => {
  const email = 'heavy-delete@example.com';
  const {
    rows: [acc],
  } = await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email]);
  const before = await usageRowsOf(acc.id);
  assert.equal(before, DELETE_ROWS);
  await stopWorkers();
  const first = spawnWorker();
  const id = await submitAndVerify(stack, 'deletion', email);
  await killDuringUsageLogs(id, first, { accountId: acc.id, before });
  const mid = await usageRowsOf(acc.id);
  assert.ok(mid > 0 && mid < before, `killed mid-deletion (${mid} of ${before} left)`);

  spawnWorker();
  await waitForErasure(stack, id, 120_000);
  const {
    rows: [account],
  } = await stack.db.appDb.query('SELECT status FROM accounts WHERE id = $1', [acc.id]);
  assert.equal(account.status, 'deleted');
  await assertCountedOnce(id, acc.id, before, `worker killed (SIGKILL) mid-deletion of ${before} rows`);
});

test('product-DB sessions terminated mid-deletion: the retry completes it and the count adds up', { timeout: 180_000 }, async () => {
  const email = 'flaky-delete@example.com';
  const {
    rows: [acc],
  } = await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email]);
  const before = await usageRowsOf(acc.id);
  await stopWorkers();
  // a worker that dies of the lost connection is replaced, so the test reports it rather than hangs
  let crashes = 0;
  const keepWorking = (w: ChildProcess): void => {
    w.once('exit', (_code, signal) => {
      if (signal === 'SIGKILL') return;
      crashes++;
      keepWorking(spawnWorker());
    });
  };
  keepWorking(spawnWorker());
  const id = await submitAndVerify(stack, 'deletion', email);
  await duringUsageLogs(id, { accountId: acc.id, before });
  let terminated = 0;
  await waitUntil('a deleting session to terminate', async () => {
    const { rows } = await stack.db.appDb.query(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND query ILIKE '%DELETE FROM%usage_logs%'`,
    );
    terminated += rows[0].n;
    return terminated > 0;
  });
  const mid = await usageRowsOf(acc.id);
  assert.ok(mid > 0 && mid < before, `terminated mid-deletion (${mid} of ${before} left)`);

  await waitForErasure(stack, id, 120_000);
  assert.equal(crashes, 0, 'a lost product-DB connection fails the step, not the worker process');
  await assertCountedOnce(id, acc.id, before, `product-DB sessions terminated mid-deletion of ${before} rows`);
});

test('a batch that commits just before its worker dies, unrecorded, is counted by the next attempt', async () => {
  const email = 'window-delete@example.com';
  const {
    rows: [acc],
  } = await stack.db.appDb.query("INSERT INTO accounts (email, name) VALUES ($1, 'Window User') RETURNING id", [email]);
  await addUsageRows(stack.db.appDb, acc.id, 35_000);
  const before = await usageRowsOf(acc.id);
  const { status, body } = await submit(stack, { type: 'deletion', email });
  assert.equal(status, 202);
  const requestId: string = body.id;
  const node = stack.deps.dataMap.node({ store: 'app_db', collection: 'usage_logs' });
  // two values: plain batches one after the other (no lanes), so the attempt stops where the test says
  const subject = {
    predicates: async () => [{ column: 'account_id', caseInsensitive: false, values: [String(acc.id), '-1'] }],
    identities: async () => ({}),
  };
  const attempt = (tally: ReturnType<typeof deletionTally>) =>
    connectorFor(node).erase({ deps: stack.deps, node, subject, requestId, tally });

  const first = deletionTally(stack.deps, requestId, 'app_db.usage_logs', 'erase');
  let batches = 0;
  let unrecorded = 0;
  const dying = {
    ...first,
    async batch(rows: number) {
      if (++batches < 2) return first.batch(rows);
      unrecorded = rows; // committed in the product store; the worker dies before recording it
      throw new Error('worker died');
    },
  };
  await assert.rejects(attempt(dying), /worker died/);
  const left = await usageRowsOf(acc.id);
  assert.ok(unrecorded > 0 && left > 0, `died mid-deletion (${left} of ${before} left)`);
  assert.equal((await first.totals())!.deleted, before - left - unrecorded, 'the lost batch is not recorded');

  const second = deletionTally(stack.deps, requestId, 'app_db.usage_logs', 'erase');
  const outcome = await attempt(second);
  assert.equal(outcome.deleted, left, 'the retry itself deleted only what was left');
  assert.equal(outcome.remainingDue, 0);
  assert.equal((await second.totals())!.deleted, before, 'the total counts every row, the lost batch too');
});
