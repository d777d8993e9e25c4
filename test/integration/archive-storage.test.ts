// EXPORT_STORAGE=s3://bucket/prefix against a real MinIO server: the archive is uploaded under the
// prefix (staging too, so nothing stays on the worker's disk), downloaded through the API with the
// same link check and audit as a local archive and read back as a ZIP; the sweep deletes expired
// objects and counts them; a missing bucket or refused credentials stop the request in
// needs_attention (never retried forever), and a retry after the fix completes it.
import { GetObjectCommand, HeadObjectCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { sweepExports } from '../../activities/sweep';
import { createAdminKey } from '../../api/admin-keys';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { stateQuery } from '../../schemas/contract';
import { downloadPathFrom, submitAndVerify, waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';
import { readZip } from '../support/zip';

const BUCKET = 'dsar-archives';
const PREFIX = 'eu/exports';
let stack: Stack;
let adminKey: string;

before(async () => {
  stack = await startStack({ archiveBucket: { bucket: BUCKET, prefix: PREFIX } });
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
});
after(async () => {
  await stack?.stop();
});

const s3 = () => stack.s3!.client;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function keysUnder(bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3() }, { Bucket: bucket, Prefix: prefix }))
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
  return keys.sort();
}

async function exportRow(requestId: string) {
  const { rows } = await stack.db.engineDb.query(
    'SELECT id, path, storage, bytes, sha256, deleted_at, download_count FROM exports WHERE request_id = $1',
    [requestId],
  );
  return rows[0] as {
    id: string;
    path: string;
    storage: string;
    bytes: string;
    sha256: string;
    deleted_at: Date | null;
    download_count: number;
  };
}

async function downloadLink(id: string, email: string): Promise<string> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /ready/.test(m.subject));
  return downloadPathFrom(mail.text);
}

test('an export is stored in the bucket under the prefix, downloaded through the API and read back as a ZIP; expiry deletes the object', async () => {
  const email = 'carol@example.com';
  const id = await submitAndVerify(stack, 'export', email);
  await waitForStatus(stack, id, 'completed', 60_000);

  const row = await exportRow(id);
  assert.equal(row.storage, 's3');
  assert.equal(row.path, `s3://${BUCKET}/${PREFIX}/${id}.zip`);
  // the archive is the only object left under the prefix: staging was uploaded there and removed
  assert.deepEqual(await keysUnder(BUCKET, `${PREFIX}/`), [`${PREFIX}/${id}.zip`]);
  const head = await s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${id}.zip` }));
  assert.equal(head.ContentLength, Number(row.bytes));
  const stored = Buffer.from(
    await (await s3().send(new GetObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/${id}.zip` }))).Body!.transformToByteArray(),
  );
  assert.equal(sha256(stored), row.sha256);
  // nothing of it on the worker's disk
  const local = await readdir(stack.config.EXPORT_DIR).catch(() => [] as string[]);
  assert.ok(!local.some((f) => f.includes(id)), `local folder: ${local.join(', ')}`);
  const staging = await readdir(`${stack.config.EXPORT_DIR}/staging`).catch(() => [] as string[]);
  assert.ok(!staging.includes(id));

  const link = await downloadLink(id, email);
  const res = await stack.app.inject({ method: 'GET', url: link });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/zip');
  assert.equal(Number(res.headers['content-length']), Number(row.bytes));
  assert.equal(sha256(res.rawPayload), row.sha256);
  const files = await readZip(res.rawPayload);
  const manifest = JSON.parse(files.get('manifest.json')!.toString());
  assert.equal(manifest.requestId, id);
  const accounts = JSON.parse(files.get('data/app_db/accounts.json')!.toString());
  assert.deepEqual(
    accounts.map((a: { email: string }) => a.email),
    (await stack.db.appDb.query('SELECT email FROM accounts WHERE email = $1', [email])).rows.map((r) => r.email),
  );
  for (const f of manifest.collections.flatMap((c: { files: { name: string; sha256: string }[] }) => c.files))
    assert.equal(sha256(files.get(f.name)!), f.sha256, f.name);
  assert.equal((await exportRow(id)).download_count, 1);
  const audited = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM audit_events WHERE request_id = $1 AND action = $2', [
    id,
    AUDIT_ACTIONS.exportDownloaded,
  ]);
  assert.equal(audited.rows[0].n, 1);
  // a forged link is refused before the bucket is asked
  assert.equal((await stack.app.inject({ method: 'GET', url: `${link.slice(0, -4)}AAAA` })).statusCode, 401);

  // expiry: the sweep deletes every expired archive's object and counts them
  await stack.db.engineDb.query("UPDATE exports SET expires_at = now() - interval '1 minute' WHERE id = $1", [row.id]);
  const { rows: due } = await stack.db.engineDb.query(
    'SELECT path FROM exports WHERE expires_at < now() AND deleted_at IS NULL ORDER BY path',
  );
  const swept = await sweepExports(stack.deps);
  assert.equal(swept.deleted, due.length);
  assert.ok(due.some((d) => d.path === row.path));
  for (const d of due) {
    const key = String(d.path).replace(`s3://${BUCKET}/`, '');
    await assert.rejects(s3().send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })), (err: Error) => err.name === 'NotFound', key);
  }
  assert.ok((await exportRow(id)).deleted_at);
  assert.equal((await stack.app.inject({ method: 'GET', url: link })).statusCode, 410);
  assert.equal((await sweepExports(stack.deps)).deleted, 0, 'nothing is swept twice');
});

/**
 * Breaks the storage settings the worker reads, submits an export, sees it stop in
 * needs_attention, fixes things and retries it to completion; the settings are restored after.
 */
async function needsAttentionThenRetry(email: string, breakIt: () => void, fixIt: () => Promise<void>, errorClass: string) {
  const saved = { ...stack.config };
  breakIt();
  try {
    const id = await submitAndVerify(stack, 'export', email);
    await waitForStatus(stack, id, 'needs_attention', 60_000);
    const handle = stack.env.client.workflow.getHandle(id);
    const state = await handle.query(stateQuery);
    assert.deepEqual([state.attention?.store, state.attention?.errorClass], ['archive-storage', errorClass]);
    assert.ok(!JSON.stringify(state.attention).includes(email), 'no personal data in the reason');
    // not retried forever: every step ran once and the request waits for a person
    const events = (await handle.fetchHistory()).events ?? [];
    assert.ok(
      events.some((e) => e.activityTaskFailedEventAttributes),
      'a step failed',
    );
    const attempts = events.flatMap((e) =>
      e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt ?? 1] : [],
    );
    assert.deepEqual([...new Set(attempts)], [1], 'every step ran once: no retry of an error no retry can fix');
    assert.equal((await stack.db.engineDb.query('SELECT count(*)::int AS n FROM exports WHERE request_id = $1', [id])).rows[0].n, 0);

    await fixIt();
    // the other reads of the request may still be settling: the API asks to try again in a moment
    let retried;
    for (let tries = 0; ; tries++) {
      retried = await stack.app.inject({
        method: 'POST',
        url: `/v1/admin/requests/${id}/retry`,
        headers: { authorization: `Bearer ${adminKey}` },
      });
      if (retried.statusCode !== 409 || tries >= 50) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(retried.statusCode, 200, retried.body);
    await waitForStatus(stack, id, 'completed', 60_000);
    return id;
  } finally {
    Object.assign(stack.config, saved);
  }
}

test('a bucket that does not exist: needs_attention naming the archive storage; created and retried, the export completes there', async () => {
  const missing = 'dsar-archives-missing';
  const id = await needsAttentionThenRetry(
    'bob@example.com',
    () => (stack.config.EXPORT_STORAGE = { kind: 's3', bucket: missing, prefix: PREFIX }),
    () => stack.s3!.createBucket(missing),
    's3 NoSuchBucket',
  );
  assert.deepEqual(await keysUnder(missing, ''), [`${PREFIX}/${id}.zip`]);
});

test('credentials the storage refuses: needs_attention, not retried; with the right keys again the retry completes', async () => {
  const id = await needsAttentionThenRetry(
    'user7@example.net',
    () => (stack.config.EXPORT_S3_ACCESS_KEY_ID = 'no-such-access-key'),
    async () => void (stack.config.EXPORT_S3_ACCESS_KEY_ID = stack.s3!.accessKeyId),
    's3 InvalidAccessKeyId',
  );
  assert.ok((await keysUnder(BUCKET, `${PREFIX}/`)).includes(`${PREFIX}/${id}.zip`));
});
