// S3-compatible object storage (`kind: s3`) against a real MinIO server: access streams every
// object of the subject into the archive byte for byte; deletion removes every version and delete
// marker, keeps named prefixes with their basis and what object lock holds; identity values that
// could widen a prefix are refused; the retention sweep deletes old objects and skips held subjects.
import {
  GetObjectCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Manifest } from '../../activities/manifest';
import { openReadSink } from '../../activities/staging';
import { archiveKeyName, s3Connector } from '../../activities/stores/s3-connector';
import { resolvedSubject } from '../../activities/subject';
import { sweepCollection, sweepTargets } from '../../activities/sweep';
import { createAdminKey } from '../../api/admin-keys';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { stateQuery } from '../../schemas/contract';
import { parseDataMap } from '../../schemas/datamap';
import { compileDataMap } from '../../schemas/datamap-graph';
import type { PlanEntry } from '../../schemas/workflow';
import { downloadPathFrom, submitAndVerify, waitForErasure, waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';
import { readZip } from '../support/zip';

let stack: Stack;
let adminKey: string;

const UPLOADS = 'product-uploads';
const INVOICES = 'invoice-archive';

before(async () => {
  stack = await startStack({ s3: true });
  await stack.s3!.createBucket(UPLOADS, { versioning: true });
  await stack.s3!.createBucket(INVOICES, { objectLock: true });
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
});
after(async () => {
  await stack?.stop();
});

const s3 = () => stack.s3!.client;
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });
const accountId = async (email: string) =>
  String((await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email])).rows[0].id);

async function put(bucket: string, key: string, body: Buffer | string): Promise<string | undefined> {
  return (await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))).VersionId;
}

/** The object's bytes as the server returns them. */
async function fetchObject(bucket: string, key: string): Promise<Buffer> {
  const r = await s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await r.Body!.transformToByteArray());
}

/** Every version and delete marker under a prefix, listed by the test itself. */
async function versionsUnder(bucket: string, prefix: string): Promise<{ key: string; versionId: string; marker: boolean }[]> {
  const out: { key: string; versionId: string; marker: boolean }[] = [];
  let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
  for (;;) {
    const page = await s3().send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, ...marker }));
    for (const v of page.Versions ?? []) out.push({ key: v.Key!, versionId: v.VersionId!, marker: false });
    for (const m of page.DeleteMarkers ?? []) out.push({ key: m.Key!, versionId: m.VersionId!, marker: true });
    if (!page.IsTruncated) return out;
    marker = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
  }
}

async function outcomesOf(requestId: string) {
  return (await stack.env.client.workflow.getHandle(requestId).query(stateQuery)).outcomes!;
}

async function download(requestId: string, email: string): Promise<Map<string, Buffer>> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(requestId) && /ready/.test(m.subject));
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
  assert.equal(res.statusCode, 200);
  return readZip(res.rawPayload);
}

/** The stack's activity deps with the fixture's `uploads` store moved to another bucket and changed by `edit`. */
function variantDeps(bucket: string, edit: (fixture: string) => string) {
  const demo = readFileSync(path.join(PROJECT_ROOT, 'demo', 'datamap.yml'), 'utf8');
  const fixture = readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 's3-store.yml'), 'utf8');
  const text = `${demo}\n${edit(fixture.replace(`bucket: ${UPLOADS}`, `bucket: ${bucket}`))}`;
  return { ...stack.deps, dataMap: compileDataMap(parseDataMap(text, { APP_DATABASE_URL: stack.db.appUrl, ...stack.s3!.env })) };
}

describe('kind: s3', () => {
  test('access: the archive holds every object of the subject byte for byte, and none of a neighbour whose id shares its digits', async () => {
    const email = 'alice@example.com';
    const id = await accountId(email);
    const neighbour = `${id}0`; // "1" must not match "10"
    const keys = [
      `uploads/${id}/avatar.png`,
      `uploads/${id}/docs/contract v2 ü.pdf`,
      `uploads/${id}/100%/report.csv`,
      `uploads/${id}/folder/`,
      `charts/${id}/usage-7d.json`,
    ];
    await put(UPLOADS, keys[0], randomBytes(64 * 1024)); // an older version: access reads the current one
    await put(UPLOADS, keys[0], randomBytes(70 * 1024));
    await put(UPLOADS, keys[1], randomBytes(300 * 1024));
    await put(UPLOADS, keys[2], 'day,calls\n1,3\n');
    await put(UPLOADS, keys[3], '');
    await put(UPLOADS, keys[4], JSON.stringify({ points: [1, 2, 3] }));
    const big = `uploads/${id}/video.bin`; // multipart, streamed through as parts arrive
    await new Upload({
      client: s3(),
      params: { Bucket: UPLOADS, Key: big, Body: randomBytes(12 * 1024 * 1024) },
      partSize: 5 * 1024 * 1024,
    }).done();
    keys.push(big);
    await put(UPLOADS, `uploads/${neighbour}/secret.txt`, 'not alice');
    await put(UPLOADS, `charts/${neighbour}/usage-7d.json`, 'not alice');
    await put(INVOICES, `invoices/${id}/2025-01.pdf`, randomBytes(2048));

    const requestId = await submitAndVerify(stack, 'access', email);
    await waitForStatus(stack, requestId, 'completed');
    const files = await download(requestId, email);
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    const uploads = manifest.collections.find((c) => c.store === 'uploads')!;
    assert.equal(uploads.kind, 's3');
    assert.equal(uploads.unit, 'files');
    assert.equal(uploads.rows, keys.length);
    assert.deepEqual(uploads.categories, ['derived.usage_charts', 'user.uploads']);
    for (const f of uploads.files) {
      const content = files.get(f.name);
      assert.ok(content, `${f.name} is in the archive`);
      assert.equal(f.bytes, content.length, `${f.name} bytes`);
      assert.equal(f.sha256, sha256(content), `${f.name} SHA-256`);
    }

    const index = JSON.parse(files.get('data/uploads/objects.json')!.toString()) as {
      key: string;
      file: string;
      size: number;
      etag: string;
      versionId: string;
      sha256: string;
    }[];
    assert.deepEqual(index.map((o) => o.key).sort(), [...keys].sort());
    for (const key of keys) {
      const fromServer = await fetchObject(UPLOADS, key);
      const entry = index.find((o) => o.key === key)!;
      const archived = files.get(entry.file)!;
      assert.equal(entry.file, `files/uploads/${archiveKeyName(key)}`);
      assert.equal(sha256(archived), sha256(fromServer), `${key}: byte for byte`);
      assert.equal(entry.sha256, sha256(fromServer));
      assert.equal(entry.size, fromServer.length);
      const head = await s3().send(new HeadObjectCommand({ Bucket: UPLOADS, Key: key }));
      assert.equal(entry.etag, head.ETag);
      assert.equal(entry.versionId, head.VersionId ?? null, `${key}: version id`);
    }
    assert.ok(files.has(`files/uploads/uploads/${id}/folder/%`), 'a folder marker gets a name that is not a folder');
    assert.ok(files.has(`files/uploads/uploads/${id}/100%25/report.csv`));
    assert.ok(![...files.keys()].some((n) => n.includes(`/${neighbour}/`)), "no neighbour's object");
    assert.ok(!files.get('data/uploads/objects.json')!.toString().includes(`/${neighbour}/`));

    const { rows: audit } = await stack.db.engineDb.query(
      `SELECT details FROM audit_events WHERE request_id = $1 AND store = 'uploads' AND action = 'collection.read'`,
      [requestId],
    );
    assert.equal(audit[0].details.files.length, keys.length + 1, 'each file audited by size and SHA-256');
    assert.ok(
      !JSON.stringify(audit).includes('contract v2'),
      'object keys (names that may say something about the subject) stay out of the audit',
    );

    const invoices = manifest.collections.find((c) => c.store === 'invoice_archive')!;
    assert.equal(invoices.rows, 1);
    const report = files.get('report.html')!.toString();
    assert.ok(report.includes('Files users upload'));
  });

  test('deletion on a versioned bucket removes every version and delete marker of the subject, proven by listing versions', async () => {
    const email = 'bob@example.com';
    const id = await accountId(email);
    const neighbour = `${id}0`;
    await put(UPLOADS, `uploads/${id}/a.txt`, 'one');
    await put(UPLOADS, `uploads/${id}/a.txt`, 'two');
    await put(UPLOADS, `uploads/${id}/a.txt`, 'three');
    await put(UPLOADS, `uploads/${id}/b.txt`, 'gone already');
    await s3().send(new DeleteObjectCommand({ Bucket: UPLOADS, Key: `uploads/${id}/b.txt` })); // a delete marker over a version
    await put(UPLOADS, `charts/${id}/c.json`, '{}');
    await put(UPLOADS, `uploads/${neighbour}/n.txt`, 'keep 1');
    await put(UPLOADS, `uploads/${neighbour}/n.txt`, 'keep 2');
    const before = [...(await versionsUnder(UPLOADS, `uploads/${id}/`)), ...(await versionsUnder(UPLOADS, `charts/${id}/`))];
    assert.equal(before.filter((v) => !v.marker).length, 5);
    assert.equal(before.filter((v) => v.marker).length, 1);

    const planRes = await stack.app.inject({ method: 'POST', url: '/v1/plans', payload: { email, type: 'deletion' }, headers: asAdmin() });
    assert.equal(planRes.statusCode, 200, planRes.body);
    const plan = (planRes.json().entries as PlanEntry[]).find((p) => p.store === 'uploads')!;
    assert.deepEqual({ action: plan.action, rows: plan.rows, bytes: plan.bytes }, { action: 'delete', rows: 5, bytes: 3 + 3 + 5 + 12 + 2 });

    const requestId = await submitAndVerify(stack, 'deletion', email);
    await waitForErasure(stack, requestId);
    const o = (await outcomesOf(requestId)).find((x) => x.store === 'uploads')!;
    assert.equal(o.action, 'delete');
    assert.equal(o.deleted, 5, 'every version, as planned');
    assert.equal(o.remainingDue, 0);
    assert.match(o.note ?? '', /1 delete marker/);
    assert.deepEqual(await versionsUnder(UPLOADS, `uploads/${id}/`), [], 'no version, no delete marker');
    assert.deepEqual(await versionsUnder(UPLOADS, `charts/${id}/`), []);
    assert.equal((await versionsUnder(UPLOADS, `uploads/${neighbour}/`)).length, 2, "the neighbour's versions are untouched");
    const { rows: audit } = await stack.db.engineDb.query('SELECT details FROM audit_events WHERE request_id = $1', [requestId]);
    assert.ok(!JSON.stringify(audit).includes(`uploads/${id}/`), 'no object key in the audit trail');
    assert.ok(!JSON.stringify(audit).includes(email));
  });

  test('a retained prefix stays, locked, with its basis in the outcome; the rest of the store is deleted', async () => {
    const email = 'carol@example.com';
    const id = await accountId(email);
    await put(INVOICES, `invoices/${id}/2025-01.pdf`, randomBytes(1000));
    await put(INVOICES, `invoices/${id}/2025-02.pdf`, randomBytes(1000));
    await put(INVOICES, `statements/${id}/2025.pdf`, randomBytes(1000));

    const requestId = await submitAndVerify(stack, 'deletion', email);
    await waitForErasure(stack, requestId);
    const o = (await outcomesOf(requestId)).find((x) => x.store === 'invoice_archive')!;
    assert.equal(o.action, 'retain');
    assert.equal(o.basis, 'invoices are kept 10 years under tax law');
    assert.equal(o.retained, 2);
    assert.equal(o.deleted, 1);
    assert.equal(o.remainingDue, 0);
    assert.match(o.note!, /kept under invoices\/\{account_id\}\//);
    assert.ok(new Date(o.retainedUntil!).getTime() > Date.now() + 9 * 365 * 86_400_000);

    const kept = await versionsUnder(INVOICES, `invoices/${id}/`);
    assert.equal(kept.length, 2);
    for (const v of kept) {
      const r = await s3().send(new GetObjectRetentionCommand({ Bucket: INVOICES, Key: v.key, VersionId: v.versionId }));
      assert.equal(r.Retention?.Mode, 'GOVERNANCE', 'the bucket itself now refuses to delete it');
    }
    assert.deepEqual(await versionsUnder(INVOICES, `statements/${id}/`), []);
    const notice = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /deleted/.test(m.subject));
    assert.match(notice.text, /invoices are kept 10 years under tax law/);
  });

  test('an object under an object legal hold is reported kept, not failed', async () => {
    const email = 'user1@example.net';
    const id = await accountId(email);
    const held = await put(INVOICES, `statements/${id}/disputed.pdf`, 'in dispute');
    await s3().send(
      new PutObjectLegalHoldCommand({
        Bucket: INVOICES,
        Key: `statements/${id}/disputed.pdf`,
        VersionId: held,
        LegalHold: { Status: 'ON' },
      }),
    );
    await put(INVOICES, `statements/${id}/2024.pdf`, 'ordinary');

    const requestId = await submitAndVerify(stack, 'deletion', email);
    await waitForErasure(stack, requestId);
    const o = (await outcomesOf(requestId)).find((x) => x.store === 'invoice_archive')!;
    assert.deepEqual(
      { deleted: o.deleted, retained: o.retained, remainingDue: o.remainingDue },
      { deleted: 1, retained: 1, remainingDue: 0 },
    );
    assert.match(o.basis!, /object lock/);
    assert.match(o.note!, /1 under an object legal hold/);
    assert.deepEqual(
      (await versionsUnder(INVOICES, `statements/${id}/`)).map((v) => v.key),
      [`statements/${id}/disputed.pdf`],
    );
    const progress = (await stack.env.client.workflow.getHandle(requestId).query(stateQuery)).progress;
    assert.equal(progress.find((p) => p.store === 'invoice_archive')!.state, 'done');
  });

  test('an identity value with "/" or ".." is refused before any prefix is listed, so nothing is read or deleted', async () => {
    const node = stack.deps.dataMap.node({ store: 'uploads', collection: 'objects' });
    assert.equal(node.kind, 's3');
    const id = await accountId('user2@example.net');
    await put(UPLOADS, `uploads/${id}/keep.txt`, 'keep');
    const sink = {
      write: () => Promise.reject(new Error('nothing may be written')),
      sample: () => Promise.resolve(),
    };
    for (const bad of [`${id}/../${id}`, `${id}/`, '..', '.', '']) {
      const ctx = { deps: stack.deps, node, subject: resolvedSubject([], { account_id: [id, bad] }) };
      const refused = (err: unknown) => {
        const e = err as { type?: string; message: string; nonRetryable?: boolean };
        assert.equal(e.type, 'IdentityRefused');
        assert.equal(e.nonRetryable, true, 'retrying cannot help');
        assert.match(e.message, /uploads: a value of identity account_id cannot form an object key prefix/);
        return true;
      };
      await assert.rejects(s3Connector.read(ctx as never, sink as never), refused);
      await assert.rejects(s3Connector.plan(ctx as never), refused);
      await assert.rejects(s3Connector.erase(ctx as never), refused);
    }
    assert.equal((await versionsUnder(UPLOADS, `uploads/${id}/`)).length, 1, 'nothing was deleted');
  });

  test("with tags and metadata filters, only objects carrying all of them are the subject's: read, planned and erased", async () => {
    const bucket = 'tagged-bucket';
    await stack.s3!.createBucket(bucket, { versioning: true });
    const deps = variantDeps(bucket, (f) =>
      f.replace(
        'prefixes: ["uploads/{account_id}/", "charts/{account_id}/"]',
        '$&\n    tags: { owner: user }\n    metadata: { Subject-Data: "yes" }',
      ),
    );
    const node = deps.dataMap.node({ store: 'uploads', collection: 'objects' });
    assert.equal(node.kind === 's3' && node.spec.tags?.owner, 'user');
    const id = await accountId('user5@example.net');
    const putTagged = (key: string, tags: string | undefined, meta: Record<string, string> | undefined) =>
      s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key, Tagging: tags, Metadata: meta }));
    await putTagged(`uploads/${id}/mine.txt`, 'owner=user&kind=photo', { 'subject-data': 'yes' });
    await putTagged(`uploads/${id}/system.txt`, 'owner=system', { 'subject-data': 'yes' });
    await putTagged(`uploads/${id}/untagged.txt`, undefined, { 'subject-data': 'yes' });
    await putTagged(`uploads/${id}/no-meta.txt`, 'owner=user', undefined);
    const ctx = { deps, node, subject: resolvedSubject([], { account_id: [id] }) };

    const sink = await openReadSink(stack.config.EXPORT_DIR, randomUUID(), 'uploads.objects');
    const read = await s3Connector.read(ctx as never, sink);
    assert.deepEqual(
      read.files.map((f) => f.name),
      ['data/uploads/objects.json', `files/uploads/uploads/${id}/mine.txt`],
    );
    assert.equal((await s3Connector.plan(ctx as never)).rows, 1);
    const erased = await s3Connector.erase(ctx as never);
    assert.deepEqual({ deleted: erased.deleted, remainingDue: erased.remainingDue }, { deleted: 1, remainingDue: 0 });
    assert.deepEqual((await versionsUnder(bucket, `uploads/${id}/`)).map((v) => v.key).sort(), [
      `uploads/${id}/no-meta.txt`,
      `uploads/${id}/system.txt`,
      `uploads/${id}/untagged.txt`,
    ]);
  });

  test('the retention sweep deletes objects past maxAge by LastModified, and skips subjects under a legal hold', async () => {
    const bucket = 'sweep-bucket';
    await stack.s3!.createBucket(bucket, { versioning: true });
    const deps = variantDeps(bucket, (f) => f.replace('maxAge: P1Y', 'maxAge: PT2S'));
    assert.ok(sweepTargets(deps).some((t) => t.store === 'uploads' && t.collection === 'objects'));

    const subject = await accountId('user3@example.net');
    const heldEmail = 'user4@example.net';
    const heldId = await accountId(heldEmail);
    await put(bucket, `uploads/${subject}/old.txt`, 'old 1');
    await put(bucket, `uploads/${subject}/old.txt`, 'old 2');
    await put(bucket, `charts/${subject}/old.json`, '{}');
    await put(bucket, `uploads/${heldId}/old.txt`, 'held');
    await put(bucket, `elsewhere/${subject}/old.txt`, 'not under the data map');
    await new Promise((r) => setTimeout(r, 3000));
    await put(bucket, `uploads/${subject}/new.txt`, 'new');

    const hold = await stack.app.inject({
      method: 'POST',
      url: '/v1/admin/legal-holds',
      payload: { email: heldEmail, reason: 'litigation 2026-7' },
      headers: asAdmin(),
    });
    assert.equal(hold.statusCode, 201, hold.body);
    try {
      const [r] = await sweepCollection(deps, 'uploads', 'objects');
      assert.deepEqual(
        { rule: r.rule, olderThan: r.olderThan, deleted: r.deleted, heldSkipped: r.heldSkipped },
        { rule: 'retention', olderThan: 'PT2S', deleted: 3, heldSkipped: 1 },
      );
      assert.deepEqual(
        (await versionsUnder(bucket, `uploads/${subject}/`)).map((v) => v.key),
        [`uploads/${subject}/new.txt`],
      );
      assert.deepEqual(await versionsUnder(bucket, `charts/${subject}/`), []);
      assert.equal((await versionsUnder(bucket, `uploads/${heldId}/`)).length, 1, 'the held subject keeps its old object');
      assert.equal((await versionsUnder(bucket, 'elsewhere/')).length, 1, 'keys the data map does not describe are not touched');
    } finally {
      await stack.app.inject({
        method: 'POST',
        url: `/v1/admin/legal-holds/${hold.json().id}/release`,
        payload: { reason: 'case closed' },
        headers: asAdmin(),
      });
    }
  });
});
