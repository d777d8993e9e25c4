// One subject spread over every store kind: PostgreSQL rows, Redis keys (a real redis-server),
// a customer at the processor stand-in and a manual store. Access gives one archive holding all
// of it, compared file by file with each store; deletion leaves nothing due anywhere, proven
// per store by re-query, in the order the references require.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import { createAdminKey } from '../../api/admin-keys';
import type { Manifest } from '../../activities/manifest';
import { stateQuery } from '../../schemas/contract';
import { downloadPathFrom, submitAndVerify, waitForErasure, waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';
import { readZip } from '../support/zip';

let stack: Stack;
let adminKey: string;
let redis: Redis;

before(async () => {
  stack = await startStack({ extraStores: true, storesFixture: 'all-stores' });
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
  redis = new Redis(stack.redis!.url);
});
after(async () => {
  redis?.disconnect();
  await stack?.stop();
});

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });
const accountId = async (email: string) =>
  String((await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email])).rows[0].id);

async function seedKeys(id: string) {
  await redis.set(`chart:${id}:usage-7d`, '{"points":[1,2,3]}', 'EX', 3600);
  await redis.hset(`session:${id}:s1`, { ip: '203.0.113.9', agent: 'curl/8' });
  await redis.rpush(`chart:${id}:recent`, 'a', 'b');
  await redis.sadd(`chart:${id}:tags`, 'x', 'y');
  await redis.zadd(`chart:${id}:top`, 2, 'GET /v1/charts', 1, 'GET /v1/keys');
}

function seedCustomer(id: string, email: string, invoices: number) {
  stack.processor!.customers.set(id, {
    id,
    email,
    name: 'At The Processor',
    invoices: Array.from({ length: invoices }, (_, i) => ({ id: `in_${i}`, amount_cents: 1000 + i, status: 'paid' })),
  });
}

async function waitForProgress(requestId: string, store: string, state: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = await stack.env.client.workflow.getHandle(requestId).query(stateQuery);
    if (s.progress.find((p) => p.store === store)?.state === state) return s;
    if (Date.now() > deadline) throw new Error(`${store} never reached ${state}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function download(id: string, email: string): Promise<Map<string, Buffer>> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /ready/.test(m.subject));
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
  assert.equal(res.statusCode, 200);
  return readZip(res.rawPayload);
}

describe('every store answers every request', () => {
  test('access: one archive holds every store, each file equal to what its store holds', async () => {
    const email = 'alice@example.com';
    const id = await accountId(email);
    await seedKeys(id);
    await seedKeys('999999'); // a neighbour's keys
    seedCustomer(id, email, 5); // three pages of invoices
    stack.processor!.rateLimitNext(1); // one 429 with Retry-After: waited out, not failed

    const requestId = await submitAndVerify(stack, 'access', email);
    await waitForProgress(requestId, 'helpdesk_archive', 'waiting');
    const tooLarge = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${requestId}/manual-tasks/helpdesk_archive/files`,
      headers: { ...asAdmin(), 'content-type': 'application/octet-stream', 'x-file-name': 'mailbox.mbox' },
      payload: Buffer.alloc(stack.config.MANUAL_UPLOAD_MAX_BYTES + 1),
    });
    assert.equal(tooLarge.statusCode, 413, 'uploads are size-limited');
    const badName = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${requestId}/manual-tasks/helpdesk_archive/files`,
      headers: { ...asAdmin(), 'content-type': 'application/octet-stream', 'x-file-name': '../../etc/passwd' },
      payload: Buffer.from('x'),
    });
    assert.equal(badName.statusCode, 400, 'a file name with folders is refused, naming the header');
    assert.match(badName.body, /x-file-name/);
    const thread = Buffer.from('From: alice@example.com\nSubject: my invoice\n\nHello, a question about invoice 7.\n');
    const upload = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${requestId}/manual-tasks/helpdesk_archive/files`,
      headers: { ...asAdmin(), 'content-type': 'application/octet-stream', 'x-file-name': 'thread-7.eml' },
      payload: thread,
    });
    assert.equal(upload.statusCode, 201, upload.body);
    assert.equal(upload.json().sha256, sha256(thread));
    const done = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${requestId}/manual-tasks/helpdesk_archive/complete`,
      headers: asAdmin(),
      payload: { note: 'one thread found', outcome: 'uploaded' },
    });
    assert.equal(done.statusCode, 200, done.body);
    await waitForStatus(stack, requestId, 'completed');

    const files = await download(requestId, email);
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    assert.deepEqual(manifest.notIncluded, [], 'every store of the map is included');
    const stores = new Set(manifest.collections.map((c) => c.store));
    assert.deepEqual([...stores].sort(), ['app_db', 'billing_provider', 'cache', 'helpdesk_archive']);
    for (const c of manifest.collections) {
      assert.ok(c.files.length > 0 || c.rows === 0, `${c.store}.${c.collection} has its files`);
      for (const f of c.files) {
        const content = files.get(f.name);
        assert.ok(content, `${f.name} is in the archive`);
        assert.equal(f.bytes, content.length, `${f.name} bytes`);
        assert.equal(f.sha256, sha256(content), `${f.name} SHA-256`);
      }
    }

    // PostgreSQL: the rows of each collection
    const usage = JSON.parse(files.get('data/app_db/usage_logs.json')!.toString()) as { id: string }[];
    const { rows: usageRows } = await stack.db.appDb.query('SELECT id FROM usage_logs WHERE account_id = $1 ORDER BY id', [id]);
    assert.deepEqual(
      usage.map((r) => String(r.id)),
      usageRows.map((r) => String(r.id)),
    );

    // Redis: every key of the subject, in its type's shape, with its TTL; none of the neighbour's
    const keys = JSON.parse(files.get('data/cache/keys.json')!.toString()) as {
      key: string;
      type: string;
      ttlSeconds: number | null;
      value: unknown;
    }[];
    const expectedKeys = (await redis.keys(`*:${id}:*`)).sort();
    assert.deepEqual(keys.map((k) => k.key).sort(), expectedKeys);
    const byKey = new Map(keys.map((k) => [k.key, k]));
    assert.equal(byKey.get(`chart:${id}:usage-7d`)!.value, await redis.get(`chart:${id}:usage-7d`));
    assert.ok(byKey.get(`chart:${id}:usage-7d`)!.ttlSeconds! > 3500, 'its TTL');
    assert.deepEqual(byKey.get(`session:${id}:s1`)!.value, await redis.hgetall(`session:${id}:s1`));
    assert.deepEqual(byKey.get(`chart:${id}:recent`)!.value, await redis.lrange(`chart:${id}:recent`, 0, -1));
    assert.deepEqual(byKey.get(`chart:${id}:tags`)!.value, (await redis.smembers(`chart:${id}:tags`)).sort());
    assert.deepEqual(
      (byKey.get(`chart:${id}:top`)!.value as { member: string }[]).map((m) => m.member),
      await redis.zrange(`chart:${id}:top`, 0, -1),
    );
    assert.equal(byKey.get(`session:${id}:s1`)!.ttlSeconds, null);
    assert.equal(manifest.collections.find((c) => c.store === 'cache')!.rows, expectedKeys.length);

    // The processor: the customer, and every invoice across its pages
    const customer = stack.processor!.customers.get(id)!;
    assert.deepEqual(JSON.parse(files.get('data/billing_provider/customer.json')!.toString()), [
      { id: customer.id, email: customer.email, name: customer.name },
    ]);
    assert.deepEqual(JSON.parse(files.get('data/billing_provider/invoices.json')!.toString()), customer.invoices);
    const invoiceCalls = stack.processor!.calls.filter((c) => c.method === 'GET' && c.path.startsWith(`/v1/customers/${id}/invoices`));
    assert.ok(invoiceCalls.length >= 3, 'three pages were fetched');
    assert.equal(manifest.collections.find((c) => c.store === 'billing_provider')!.rows, 1 + customer.invoices.length);

    // The manual store: the file the privacy team uploaded, as uploaded
    assert.deepEqual(files.get('files/helpdesk_archive/thread-7.eml'), thread);
    const { rows: left } = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM manual_uploads WHERE request_id = $1', [
      requestId,
    ]);
    assert.equal(left[0].n, 0, 'the upload leaves the engine database once packed');

    // and the human-readable report names every place
    const report = files.get('report.html')!.toString();
    for (const s of ['Payment processor', 'Chart cache and sessions', 'Archived helpdesk mailbox']) assert.ok(report.includes(s), s);
  });

  test('a store that cannot be read holds the request: it waits, then completes with it, never without', async () => {
    const email = 'bob@example.com';
    const id = await accountId(email);
    seedCustomer(id, email, 1);
    stack.processor!.failNext(3); // down for a while: Temporal retries the read
    const requestId = await submitAndVerify(stack, 'export', email);
    await waitForProgress(requestId, 'helpdesk_archive', 'waiting');
    const failedOnce = Date.now() + 20_000;
    while (!stack.processor!.calls.some((c) => c.path === `/v1/customers/${id}`) && Date.now() < failedOnce)
      await new Promise((r) => setTimeout(r, 50));
    const during = await stack.env.client.workflow.getHandle(requestId).query(stateQuery);
    assert.notEqual(during.status, 'completed');
    const nothing = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${requestId}/manual-tasks/helpdesk_archive/complete`,
      headers: asAdmin(),
      payload: { note: 'searched, nothing found', outcome: 'done' },
    });
    assert.equal(nothing.statusCode, 409, 'a task to provide data is not merely "done"');
    const ok = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${requestId}/manual-tasks/helpdesk_archive/complete`,
      headers: asAdmin(),
      payload: { note: 'searched, nothing found', outcome: 'nothing_held' },
    });
    assert.equal(ok.statusCode, 200, ok.body);
    await waitForStatus(stack, requestId, 'completed', 90_000);
    const files = await download(requestId, email);
    assert.deepEqual(JSON.parse(files.get('data/billing_provider/customer.json')!.toString())[0].id, id);
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    const manual = manifest.collections.find((c) => c.store === 'helpdesk_archive')!;
    assert.equal(manual.rows, 0);
    assert.match(manual.note!, /found nothing held/);
  });

  test('deletion: nothing left where deletion was due, proven per store, children before parents', async () => {
    const email = 'carol@example.com';
    const id = await accountId(email);
    await seedKeys(id);
    seedCustomer(id, email, 2);
    const requestId = await submitAndVerify(stack, 'deletion', email);
    await waitForProgress(requestId, 'helpdesk_archive', 'waiting');
    const done = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${requestId}/manual-tasks/helpdesk_archive/complete`,
      headers: asAdmin(),
      payload: { note: 'threads deleted' },
    });
    assert.equal(done.statusCode, 200, done.body);
    await waitForErasure(stack, requestId);
    const state = await stack.env.client.workflow.getHandle(requestId).query(stateQuery);
    for (const o of state.outcomes!) assert.equal(o.remainingDue, 0, `${o.store}.${o.collection}: proof of deletion`);

    // each store re-queried by the test itself
    const count = async (sql: string) => Number((await stack.db.appDb.query(sql, [id])).rows[0].n);
    assert.equal(await count('SELECT count(*) AS n FROM usage_logs WHERE account_id = $1'), 0);
    assert.equal(await count('SELECT count(*) AS n FROM api_keys WHERE account_id = $1'), 0);
    assert.equal(await count('SELECT count(*) AS n FROM support_tickets WHERE account_id = $1'), 0);
    assert.ok((await count('SELECT count(*) AS n FROM billing_records WHERE account_id = $1')) > 0, 'billing kept, as the map says');
    assert.equal(await count(`SELECT count(*) AS n FROM billing_records WHERE account_id = $1 AND billing_email NOT LIKE 'sha256:%'`), 0);
    assert.equal(await count(`SELECT count(*) AS n FROM accounts WHERE id = $1 AND status <> 'deleted'`), 0);
    assert.deepEqual(await redis.keys(`*:${id}:*`), []);
    assert.equal(stack.processor!.customers.has(id), false, 'the processor no longer holds the customer');
    const { rows: task } = await stack.db.engineDb.query('SELECT completed_by, outcome FROM manual_tasks WHERE request_id = $1', [
      requestId,
    ]);
    assert.deepEqual(task, [{ completed_by: 'privacy-lead', outcome: 'done' }]);

    // erase order: every collection referencing accounts was erased before accounts
    const { rows: erased } = await stack.db.engineDb.query<{ seq: string; store: string; collection: string }>(
      `SELECT seq, store, collection FROM audit_events WHERE request_id = $1 AND action = 'collection.erased' ORDER BY seq`,
      [requestId],
    );
    const seqOf = (collection: string) => Number(erased.find((e) => e.collection === collection)!.seq);
    for (const child of ['api_keys', 'usage_logs', 'billing_records', 'support_tickets'])
      assert.ok(seqOf(child) < seqOf('accounts'), `${child} before accounts`);
    const everyTarget = stack.deps.dataMap.nodes.map((n) => `${n.store}.${n.collection}`).sort();
    assert.deepEqual(
      [...new Set(erased.map((e) => `${e.store}.${e.collection}`))].sort(),
      everyTarget,
      'every target of the map was erased',
    );
    assert.equal(erased.length, everyTarget.length, 'each once');
  });
});
