// Many machines without a shared disk: two worker processes and two API processes share only
// Temporal, PostgreSQL and the object store (EXPORT_STORAGE=s3://…, each worker with its own
// EXPORT_DIR). 200 pre-verified exports and access requests are spread over both APIs; one worker
// is killed with SIGKILL mid-load. Every request completes once, with exactly one archive in the
// bucket and one mail.
import { HeadObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { spawnApiProcess, type ApiProcess } from '../support/api-process';
import { archiveStorageEnv, startStack, productToken, workflowBundle, type Stack } from '../support/stack';
import { spawnWorkerProcess, type WorkerProcess } from '../support/worker-process';
import { downloadPathFrom } from '../support/flow';
import { readZip } from '../support/zip';

const WHERE = { bucket: 'dsar-archives', prefix: 'multi-node' };
const REQUESTS = 200;
const CONCURRENCY = 20;
/** The worker is killed once this many requests have completed. */
const KILL_AFTER_COMPLETED = 40;

let stack: Stack;
const workers: WorkerProcess[] = [];
const apis: ApiProcess[] = [];

before(async () => {
  stack = await startStack({ archiveBucket: WHERE });
});
after(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM');
  for (const a of apis) if (a.child.exitCode === null) a.child.kill('SIGTERM');
  await Promise.all(
    [...workers, ...apis.map((a) => a.child)].map((c) =>
      c.exitCode === null && c.signalCode === null ? new Promise((r) => c.once('exit', r)) : null,
    ),
  );
  await stack?.stop();
});

const vouch = (email: string) => productToken(email, '10m');

/** Requests completed: status completed and the completion in the audit trail (written by the same step, just after). */
async function completedCount(ids: string[]): Promise<number> {
  const { rows } = await stack.db.engineDb.query(
    `SELECT count(*)::int AS n FROM requests r WHERE r.id = ANY($1) AND r.status = 'completed'
       AND EXISTS (SELECT 1 FROM audit_events a WHERE a.request_id = r.id AND a.action = $2)`,
    [ids, AUDIT_ACTIONS.requestCompleted],
  );
  return rows[0].n;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: stack.s3!.client }, { Bucket: WHERE.bucket, Prefix: prefix }))
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
  return keys.sort();
}

test('2 workers and 2 APIs sharing only Temporal, PostgreSQL and the bucket: 200 requests, one worker killed, each completes once with one archive and one mail', async () => {
  const bundlePath = path.join(stack.db.tmp, 'workflows.js');
  await writeFile(bundlePath, (await workflowBundle()).code);
  const storageEnv = archiveStorageEnv(stack.s3!, WHERE);
  for (const i of [0, 1]) {
    const exportDir = path.join(stack.db.tmp, `worker-${i}`);
    await mkdir(exportDir, { recursive: true });
    workers.push(spawnWorkerProcess(stack, { ...storageEnv, EXPORT_DIR: exportDir, WORKFLOW_BUNDLE_PATH: bundlePath }));
  }
  apis.push(
    ...(await Promise.all(
      [0, 1].map((i) =>
        spawnApiProcess(stack, {
          ...storageEnv,
          EXPORT_DIR: path.join(stack.db.tmp, `api-${i}`),
          // a busy 2-core box: let intake start each workflow itself rather than leave it to the pending sweep
          WORKFLOW_START_TIMEOUT_MS: '5000',
        }),
      ),
    )),
  );

  // intake: round robin over both APIs, exports and access requests, 20 subjects
  const submitted: { id: string; type: string; email: string; api: number }[] = [];
  let next = 0;
  const submitOne = async (i: number) => {
    const email = `user${(i % 20) + 1}@example.net`;
    const type = i % 2 ? 'access' : 'export';
    const api = i % 2 === 0 ? (i % 4 === 0 ? 0 : 1) : i % 4 === 1 ? 0 : 1;
    const res = await fetch(`${apis[api].url}/v1/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-subject-token': await vouch(email) },
      body: JSON.stringify({ type, email }),
    });
    const body = (await res.json()) as { id: string };
    assert.equal(res.status, 202, JSON.stringify(body));
    submitted.push({ id: body.id, type, email, api });
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < REQUESTS; i = next++) await submitOne(i);
    }),
  );
  const ids = submitted.map((s) => s.id);
  assert.equal(new Set(ids).size, REQUESTS);
  assert.deepEqual(
    [0, 1].map((a) => submitted.filter((s) => s.api === a).length),
    [REQUESTS / 2, REQUESTS / 2],
  );

  // mid-load: one worker dies without a chance to clean up
  const started = Date.now();
  while ((await completedCount(ids)) < KILL_AFTER_COMPLETED) {
    assert.ok(Date.now() - started < 120_000, `fewer than ${KILL_AFTER_COMPLETED} completed within 120 s: ${workers[0].stderrTail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const completedAtKill = await completedCount(ids);
  workers[0].kill('SIGKILL');
  await new Promise((r) => workers[0].once('exit', r));
  assert.equal(workers[0].signalCode, 'SIGKILL');
  assert.ok(completedAtKill < REQUESTS, 'the worker died with work left');

  for (;;) {
    const done = await completedCount(ids);
    if (done === REQUESTS) break;
    assert.ok(Date.now() - started < 240_000, `${done} of ${REQUESTS} completed within 240 s: ${workers[1].stderrTail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }

  // once each: one completion event, one export row, one archive object, in the bucket only
  const { rows: perRequest } = await stack.db.engineDb.query(
    `SELECT r.id, r.status,
            (SELECT count(*)::int FROM audit_events a WHERE a.request_id = r.id AND a.action = $2) AS completions,
            (SELECT count(*)::int FROM exports e WHERE e.request_id = r.id) AS archives
       FROM requests r WHERE r.id = ANY($1)`,
    [ids, AUDIT_ACTIONS.requestCompleted],
  );
  assert.equal(perRequest.length, REQUESTS);
  const odd = perRequest.filter((r) => r.status !== 'completed' || r.completions !== 1 || r.archives !== 1);
  assert.deepEqual(odd, [], 'each request completed once, with one archive');
  const { rows: exports } = await stack.db.engineDb.query(
    'SELECT request_id, path, storage, bytes FROM exports WHERE request_id = ANY($1)',
    [ids],
  );
  assert.equal(exports.length, REQUESTS, 'one archive each (exports.request_id is unique)');
  assert.ok(exports.every((e) => e.storage === 's3' && e.path === `s3://${WHERE.bucket}/${WHERE.prefix}/${e.request_id}.zip`));
  const keys = await keysUnder(`${WHERE.prefix}/`);
  assert.deepEqual(keys, ids.map((id) => `${WHERE.prefix}/${id}.zip`).sort(), 'exactly one object per request, no staging left');
  for (const e of exports.slice(0, 20)) {
    const head = await stack.s3!.client.send(new HeadObjectCommand({ Bucket: WHERE.bucket, Key: `${WHERE.prefix}/${e.request_id}.zip` }));
    assert.equal(head.ContentLength, Number(e.bytes));
  }
  // no worker kept an archive on its own disk
  for (const i of [0, 1]) {
    const left = await readdir(path.join(stack.db.tmp, `worker-${i}`), { recursive: true });
    assert.ok(!left.some((f) => String(f).endsWith('.zip')), `worker-${i}: ${left.join(', ')}`);
  }

  // one mail each: the link to the archive (pre-verified: no verification mail)
  const mailsOf = new Map(ids.map((id) => [id, stack.smtp.mails.filter((m) => m.text.includes(id))]));
  // One message each. A worker killed after the SMTP server took a mail but before its answer was
  // recorded leaves a copy no protocol can prevent: it carries the same Message-ID (receivers fold
  // it) and only where the outbox shows that send attempted again.
  const { rows: outbox } = await stack.db.engineDb.query<{ request_id: string; attempts: number }>(
    `SELECT request_id, attempts FROM mail_outbox WHERE request_id = ANY($1)`,
    [ids],
  );
  const attempts = new Map(outbox.map((r) => [r.request_id, r.attempts]));
  let copies = 0;
  for (const [id, mails] of mailsOf) {
    assert.equal(new Set(mails.map((m) => m.messageId)).size, 1, `one message for ${id}, not ${mails.length} different ones`);
    if (mails.length > 1) {
      copies += mails.length - 1;
      assert.ok((attempts.get(id) ?? 0) >= mails.length, `a copy for ${id} only where its send was attempted again`);
    }
  }
  for (const s of submitted) assert.deepEqual(mailsOf.get(s.id)![0].to, [s.email]);

  // a link from the mail downloads through either API (the other one than took the request)
  for (const s of submitted.slice(0, 2)) {
    const link = downloadPathFrom(mailsOf.get(s.id)![0].text);
    const res = await fetch(`${apis[1 - s.api].url}${link}`);
    assert.equal(res.status, 200);
    const files = await readZip(Buffer.from(await res.arrayBuffer()));
    assert.equal(JSON.parse(files.get('manifest.json')!.toString()).requestId, s.id);
    assert.equal(files.has('report.html'), s.type === 'access');
  }
  console.log(
    `multi-node: ${REQUESTS} requests over 2 APIs, worker 0 killed after ${completedAtKill} completed; all completed in ${Math.round((Date.now() - started) / 1000)} s after intake; ${copies} copies (same Message-ID) of a mail cut by the kill`,
  );
});
