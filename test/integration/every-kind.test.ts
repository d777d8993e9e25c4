// One subject spread over every kind of store at once — PostgreSQL (the product), MariaDB (the
// legacy shop), Redis (cache), S3 objects (uploads, on MinIO), the processor stand-in and a
// manual archive — and one request of each type: access and export hold every store's data
// (compared with each store), a correction changes every store that holds the field, a deletion
// leaves nothing due anywhere, proven per store by the test's own queries, billing kept as the map says.
import { ListObjectVersionsCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { Manifest } from '../../activities/manifest';
import { archiveKeyName } from '../../activities/stores/s3-connector';
import { createAdminKey } from '../../api/admin-keys';
import { stateQuery } from '../../schemas/contract';
import { codeFrom, downloadPathFrom, submit, submitAndVerify, verify, waitForErasure, waitForStatus } from '../support/flow';
import { addLegacyCustomer } from '../support/legacy-shop';
import { startStack, type Stack } from '../support/stack';
import { readZip } from '../support/zip';

const EMAIL = 'alice@example.com';
const UPLOADS = 'product-uploads';

let stack: Stack;
let adminKey: string;
let redis: Redis;
let maria: Connection;
let accountId: string;
let customerId: string;

before(async () => {
  stack = await startStack({ extraStores: true, storesFixture: 'all-stores', s3: true, mysql: true });
  await stack.s3!.createBucket(UPLOADS, { versioning: true });
  await stack.s3!.createBucket('invoice-archive', { objectLock: true });
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
  redis = new Redis(stack.redis!.url);
  maria = await stack.mysql!.connect();
  await maria.query(`USE ${stack.mysql!.database}`);

  accountId = String((await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [EMAIL])).rows[0].id);
  customerId = await addLegacyCustomer(maria, { email: EMAIL, name: 'Alice Martin', accountId, orders: 2, events: 20, reviews: 1 });
  await redis.set(`chart:${accountId}:usage-7d`, '{"points":[3,1,4]}');
  await redis.hset(`session:${accountId}:s1`, { ip: '203.0.113.7' });
  for (const key of [`uploads/${accountId}/avatar.png`, `charts/${accountId}/usage.svg`]) {
    await stack.s3!.client.send(new PutObjectCommand({ Bucket: UPLOADS, Key: key, Body: `object ${key}` }));
  }
  stack.processor!.customers.set(accountId, {
    id: accountId,
    email: EMAIL,
    name: 'Alice Martin',
    invoices: [{ id: 'in_1', amount_cents: 900, status: 'paid' }],
  });
});
after(async () => {
  redis?.disconnect();
  await maria?.end();
  await stack?.stop();
});

const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const mariaRows = async (sql: string, params: unknown[] = []) => (await maria.query<RowDataPacket[]>(sql, params))[0];

/** Completes the helpdesk archive's task once it is open, the way its operation asks. */
async function completeManualTask(requestId: string, outcome: 'done' | 'nothing_held') {
  const deadline = Date.now() + 30_000;
  while (
    (await stack.env.client.workflow.getHandle(requestId).query(stateQuery)).progress.find((p) => p.store === 'helpdesk_archive')?.state !==
    'waiting'
  ) {
    if (Date.now() > deadline) throw new Error('the manual task never opened');
    await new Promise((r) => setTimeout(r, 100));
  }
  const res = await stack.app.inject({
    method: 'POST',
    url: `/v1/admin/requests/${requestId}/manual-tasks/helpdesk_archive/complete`,
    headers: asAdmin(),
    payload: { note: 'checked the archive', outcome },
  });
  assert.equal(res.statusCode, 200, res.body);
}

async function archiveOf(requestId: string): Promise<{ files: Map<string, Buffer>; manifest: Manifest }> {
  const mail = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /ready/.test(m.subject));
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
  assert.equal(res.statusCode, 200);
  const files = await readZip(res.rawPayload);
  return { files, manifest: JSON.parse(files.get('manifest.json')!.toString()) as Manifest };
}

const json = (files: Map<string, Buffer>, name: string) => JSON.parse(files.get(name)!.toString()) as Record<string, unknown>[];
const ids = (rows: Record<string, unknown>[]) => rows.map((r) => String(r.id)).sort();

describe('one subject in every kind of store', () => {
  for (const type of ['access', 'export'] as const) {
    test(`${type}: the archive holds every store's data, each compared with its store`, async () => {
      const requestId = await submitAndVerify(stack, type, EMAIL);
      await completeManualTask(requestId, 'nothing_held');
      await waitForStatus(stack, requestId, 'completed');
      const { files, manifest } = await archiveOf(requestId);
      assert.deepEqual(manifest.notIncluded, []);
      assert.deepEqual([...new Set(manifest.collections.map((c) => c.store))].sort(), [
        'app_db',
        'billing_provider',
        'cache',
        'helpdesk_archive',
        'invoice_archive',
        'legacy_db',
        'uploads',
      ]);
      for (const c of manifest.collections) for (const f of c.files) assert.equal(f.sha256, sha256(files.get(f.name)!), f.name);

      // PostgreSQL
      const usage = (await stack.db.appDb.query('SELECT id FROM usage_logs WHERE account_id = $1', [accountId])).rows;
      assert.deepEqual(ids(json(files, 'data/app_db/usage_logs.json')), ids(usage));
      // MariaDB: every table of the legacy shop, row for row by id
      for (const table of ['customers', 'orders', 'events', 'reviews']) {
        const where = table === 'customers' ? 'id = ?' : 'customer_id = ?';
        const rows = await mariaRows(`SELECT id FROM ${table} WHERE ${where}`, [customerId]);
        assert.ok(rows.length > 0, table);
        assert.deepEqual(ids(json(files, `data/legacy_db/${table}.json`)), ids(rows), `legacy_db.${table}`);
      }
      // Redis
      assert.deepEqual(
        json(files, 'data/cache/keys.json')
          .map((k) => k.key)
          .sort(),
        (await redis.keys(`*:${accountId}:*`)).sort(),
      );
      // S3: each object byte for byte
      for (const key of [`uploads/${accountId}/avatar.png`, `charts/${accountId}/usage.svg`]) {
        assert.equal(files.get(`files/uploads/${archiveKeyName(key)}`)?.toString(), `object ${key}`, key);
      }
      // the processor
      const customer = stack.processor!.customers.get(accountId)!;
      assert.deepEqual(json(files, 'data/billing_provider/customer.json'), [
        { id: customer.id, email: customer.email, name: customer.name },
      ]);
      assert.deepEqual(json(files, 'data/billing_provider/invoices.json'), customer.invoices);
    });
  }

  test('correction: every store that holds the field changes, and nothing else', async () => {
    const name = 'Alice Martin-Okafor';
    const { body } = await submit(stack, { type: 'correction', email: EMAIL, corrections: { name } });
    const mail = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /Confirm/.test(m.subject));
    assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
    await waitForStatus(stack, body.id, 'completed');

    assert.equal((await stack.db.appDb.query('SELECT name FROM accounts WHERE id = $1', [accountId])).rows[0].name, name);
    const billing = (await stack.db.appDb.query('SELECT DISTINCT billing_name FROM billing_records WHERE account_id = $1', [accountId]))
      .rows;
    assert.deepEqual(billing, [{ billing_name: name }]);
    assert.deepEqual(await mariaRows('SELECT name FROM customers WHERE id = ?', [customerId]), [{ name }]);
    assert.equal(stack.processor!.customers.get(accountId)!.name, name, 'the processor is told');
    const [{ author_name: reviewer }] = await mariaRows('SELECT author_name FROM reviews WHERE customer_id = ?', [customerId]);
    assert.equal(reviewer, 'Alice Martin', 'a column the map does not mark correctable is left alone');
  });

  test('deletion: nothing due is left in any store, proven per store; billing kept as the map says', async () => {
    const requestId = await submitAndVerify(stack, 'deletion', EMAIL);
    await completeManualTask(requestId, 'done');
    await waitForErasure(stack, requestId);
    const state = await stack.env.client.workflow.getHandle(requestId).query(stateQuery);
    for (const o of state.outcomes!) assert.equal(o.remainingDue, 0, `${o.store}.${o.collection}`);

    const pg = async (sql: string) => Number((await stack.db.appDb.query(sql, [accountId])).rows[0].n);
    assert.equal(await pg('SELECT count(*) AS n FROM usage_logs WHERE account_id = $1'), 0);
    assert.equal(await pg('SELECT count(*) AS n FROM api_keys WHERE account_id = $1'), 0);
    assert.ok((await pg('SELECT count(*) AS n FROM billing_records WHERE account_id = $1')) > 0, 'billing kept (7 years)');
    assert.equal(
      await pg(
        `SELECT count(*) AS n FROM billing_records WHERE account_id = $1 AND (billing_email NOT LIKE 'sha256:%' OR restricted_until IS NULL)`,
      ),
      0,
    );
    assert.equal(await pg(`SELECT count(*) AS n FROM accounts WHERE id = $1 AND status <> 'deleted'`), 0);

    const [events] = await mariaRows('SELECT count(*) AS n FROM events WHERE customer_id = ?', [customerId]);
    assert.equal(Number(events.n), 0);
    const orders = await mariaRows('SELECT billing_email, restricted_until FROM orders WHERE customer_id = ?', [customerId]);
    assert.ok(
      orders.length > 0 && orders.every((o) => String(o.billing_email).startsWith('sha256:') && o.restricted_until),
      'orders kept, masked, restricted',
    );
    assert.deepEqual(await mariaRows('SELECT status FROM customers WHERE id = ?', [customerId]), [{ status: 'deleted' }]);

    assert.deepEqual(await redis.keys(`*:${accountId}:*`), []);
    const versions = await stack.s3!.client.send(new ListObjectVersionsCommand({ Bucket: UPLOADS }));
    const left = [...(versions.Versions ?? []), ...(versions.DeleteMarkers ?? [])].filter((v) => v.Key?.includes(`/${accountId}/`));
    assert.deepEqual(left, [], 'no object or version of the subject is left');
    assert.equal(stack.processor!.customers.has(accountId), false);
  });
});
