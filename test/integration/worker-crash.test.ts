import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Manifest } from '../../activities/manifest';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { addAccountData, addUsageRows } from '../../demo/seed';
import { stateQuery } from '../../schemas/contract';
import { downloadPathFrom, submitAndVerify, waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';
import { readZip } from '../support/zip';

const HEAVY_ROWS = 400_000;
let stack: Stack;
const workers: ChildProcess[] = [];

before(async () => {
  stack = await startStack();
  for (const email of ['heavy@example.com', 'heavy-delete@example.com']) {
    const {
      rows: [acc],
    } = await stack.db.appDb.query("INSERT INTO accounts (email, name) VALUES ($1, 'Heavy User') RETURNING id", [email]);
    await addAccountData(stack.db.appDb, acc.id, 0);
    await addUsageRows(stack.db.appDb, acc.id, HEAVY_ROWS);
  }
});

/** Kills the worker as soon as the usage log step is running. */
async function killDuringUsageLogs(id: string, worker: ChildProcess) {
  const handle = stack.env.client.workflow.getHandle(id);
  await waitUntil('the usage log step to start', async () => {
    const state = await handle.query(stateQuery);
    return state.progress.some((p) => p.collection === 'usage_logs' && p.state === 'running');
  });
  worker.kill('SIGKILL');
  await new Promise((r) => worker.once('exit', r));
  const {
    rows: [killedAt],
  } = await stack.db.engineDb.query('SELECT status FROM requests WHERE id = $1', [id]);
  assert.equal(killedAt.status, 'in_progress', 'the worker died mid-request');
}
after(async () => {
  workers.forEach((w) => w.kill('SIGKILL'));
  await stack?.stop();
});

/** The production worker entry point, as its own process. */
function spawnWorker(): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'worker', 'main.ts')], {
    env: {
      ...process.env,
      DATABASE_URL: stack.db.engineUrl,
      APP_DATABASE_URL: stack.db.appUrl,
      TEMPORAL_ADDRESS: stack.env.address,
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      SMTP_URL: stack.config.SMTP_URL,
      SIGNING_SECRET: stack.config.SIGNING_SECRET,
      PUBLIC_BASE_URL: stack.config.PUBLIC_BASE_URL,
      EXPORT_DIR: stack.config.EXPORT_DIR,
      DATAMAP_PATH: path.join(PROJECT_ROOT, 'demo', 'datamap.yml'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  workers.push(child);
  return child;
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
});

test('a worker killed mid-deletion is replaced: every row is gone, one completion email', { timeout: 180_000 }, async () => {
  const email = 'heavy-delete@example.com';
  const {
    rows: [acc],
  } = await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email]);
  const first = spawnWorker();
  const id = await submitAndVerify(stack, 'deletion', email);
  await killDuringUsageLogs(id, first);
  const {
    rows: [mid],
  } = await stack.db.appDb.query('SELECT count(*)::int AS n FROM usage_logs WHERE account_id = $1', [acc.id]);
  assert.ok(mid.n > 0, 'killed before the usage logs were all deleted');

  spawnWorker();
  await waitForStatus(stack, id, 'completed', 120_000);
  const left = await stack.db.appDb.query('SELECT count(*)::int AS n FROM usage_logs WHERE account_id = $1', [acc.id]);
  assert.equal(left.rows[0].n, 0);
  const {
    rows: [account],
  } = await stack.db.appDb.query('SELECT status FROM accounts WHERE id = $1', [acc.id]);
  assert.equal(account.status, 'deleted');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(stack.smtp.mails.filter((m) => m.text.includes(id) && /deleted/.test(m.subject)).length, 1, 'one completion email');
  const { rows: erased } = await stack.db.engineDb.query(
    "SELECT details FROM audit_events WHERE request_id = $1 AND action = 'collection.erased' AND collection = 'usage_logs'",
    [id],
  );
  assert.equal(erased.length, 1, 'one erasure event');
  assert.equal(erased[0].details.remainingDue, 0);
});
