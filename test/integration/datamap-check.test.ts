// `dsar datamap check` and `dsar datamap init` against live PostgreSQL: the demo product passes;
// a deliberately flawed schema is reported path by path; a map drafted by init from the demo
// schema, once its TODOs are filled, passes check and exports the same rows as demo/datamap.yml.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable, type Readable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, test } from 'node:test';
import { isScalar, parseDocument, visit } from 'yaml';
import type { ActivityDeps } from '../../activities/deps';
import type { ReadSink } from '../../activities/staging';
import { connectorFor } from '../../activities/stores/registry';
import { resolveSubject } from '../../activities/stores/resolve';
import { resolvedSubject } from '../../activities/subject';
import { main } from '../../cli/dsar';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { createPool } from '../../records/pool';
import type { DataMapCheckResult } from '../../schemas/datamap-check';
import { parseDataMap } from '../../schemas/datamap';
import { loadDataMap } from '../../schemas/datamap-load';
import type { CompiledDataMap } from '../../schemas/datamap-graph';
import { createAdminKey } from '../../api/admin-keys';
import { buildApp } from '../../api/app';
import { saveDataMapCheck } from '../../records/datamap-checks';
import { Config } from '../../schemas/config';
import { checkStoresAtStart, StoreSchemaError } from '../../worker/store-check';
import { addLegacyCustomer, createLegacyShop } from '../support/legacy-shop';
import { startMariaDb } from '../support/mariadb';
import { startDatabases, TEST_SECRET, type Databases } from '../support/stack';

let db: Databases;
let shopUrl: string;
before(async () => {
  db = await startDatabases({ extraAccounts: 5, usagePerExtraAccount: 3 });
  await db.pg!.createDatabase('flawed_shop');
  shopUrl = db.pg!.url('flawed_shop');
  const shop = createPool(shopUrl, { statementTimeoutMs: 60_000, lockTimeoutMs: 10_000, connectTimeoutMs: 10_000 });
  await shop.query(await readFile(path.join(PROJECT_ROOT, 'test/fixtures/flawed-schema.sql'), 'utf8'));
  await shop.end();
});
after(async () => db?.stop());

async function dsar(env: Record<string, string>, ...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'dsar', ...args], { out: (t) => out.push(t), err: (t) => err.push(t), env });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const demoMap = path.join(PROJECT_ROOT, 'demo/datamap.yml');

test('check passes on the demo product and says so', async () => {
  const r = await dsar({ DATAMAP_PATH: demoMap, APP_DATABASE_URL: db.appUrl }, 'datamap', 'check', '--json');
  assert.equal(r.code, 0, r.out + r.err);
  const result = JSON.parse(r.out) as DataMapCheckResult;
  assert.deepEqual(result.errors, []);
  const text = await dsar({ DATAMAP_PATH: demoMap, APP_DATABASE_URL: db.appUrl }, 'datamap', 'check');
  assert.match(text.out, /data map check passed/);
});

test('check reports every flaw of the fixture schema with its path and exits 1', async () => {
  const env = { SHOP_DATABASE_URL: shopUrl };
  const map = path.join(PROJECT_ROOT, 'test/fixtures/flawed-datamap.yml');
  const r = await dsar(env, 'datamap', 'check', '--json', '--map', map);
  assert.equal(r.code, 1, r.err);
  const { errors, warnings } = JSON.parse(r.out) as DataMapCheckResult;
  const at = (list: typeof errors, kind: string, p: string, message: RegExp) =>
    assert.ok(
      list.some((f) => f.kind === kind && f.path === p && message.test(f.message)),
      `expected ${kind} at ${p} matching ${message}; got\n${JSON.stringify([...errors, ...warnings], null, 1)}`,
    );
  const c = 'stores.shop.collections';
  at(
    warnings,
    'index',
    `${c}.accounts.identity.email`,
    /no index leads with lower\(email\).*Seq Scan of ~50 rows.*CREATE INDEX CONCURRENTLY/,
  );
  at(warnings, 'index', `${c}.orders.references.account_id`, /no index leads with account_id.*Seq Scan.*CREATE INDEX/);
  assert.equal(warnings.filter((f) => f.kind === 'index').length, 2);
  at(warnings, 'coverage', `${c}.newsletter_signups.fields.email`, /unmapped column "email" looks personal/);
  assert.ok(
    !warnings.some((f) => f.path === `${c}.newsletter_signups.fields.contact`),
    'a column named neutrally with neutral values is not flagged',
  );
  at(
    errors,
    'coverage',
    `${c}.customer_notes`,
    /unmapped table customer_notes has a foreign key customer_notes\(account_id\) → accounts\(id\)/,
  );
  at(errors, 'mask', `${c}.billing_records.onErasure.mask.billing_email`, /writes 71 characters.*at most 40/);
  at(errors, 'erase_order', `${c}.order_items`, /order_items\(order_id\) → orders\(id\) blocks erasing orders.*not before orders/);
  at(errors, 'cycle', `${c}.accounts`, /reference cycle accounts → teams → accounts/);
  // no sampled value is ever printed
  assert.doesNotMatch(r.out, /@example\.org/);

  const text = await dsar(env, 'datamap', 'check', '--map', map);
  assert.equal(text.code, 1);
  assert.match(text.out, new RegExp(`${c}.billing_records.onErasure.mask.billing_email: mask "hash"`));
  assert.match(text.out, /data map check failed: \d+ error\(s\)/);
});

test('an invalid map is reported as errors naming each path, in JSON too', async () => {
  const file = path.join(db.tmp, 'invalid.yml');
  const demo = await readFile(demoMap, 'utf8');
  await writeFile(
    file,
    demo.replace(
      'references: { account_id: accounts.id }\n        purposes: [operate',
      'references: { account_id: acounts.id }\n        purposes: [operate',
    ),
  );
  const r = await dsar({ APP_DATABASE_URL: db.appUrl }, 'datamap', 'check', '--json', '--map', file);
  assert.equal(r.code, 1);
  assert.deepEqual((JSON.parse(r.out) as DataMapCheckResult).errors, [
    {
      severity: 'error',
      kind: 'map',
      path: 'stores.app_db.collections.usage_logs.references.account_id',
      message: 'references unknown collection "acounts" in store app_db',
    },
  ]);
});

/** Fills each TODO value of a draft map (and nothing else). */
function fillTodos(text: string): { text: string; filled: number } {
  const doc = parseDocument(text);
  let filled = 0;
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || !isScalar(node) || node.value !== 'TODO') return;
      filled++;
      node.value = 'confirmed by the test';
    },
  });
  return { text: doc.toString(), filled };
}

/** A sink that keeps each archive entry's bytes in memory. */
function memorySink(files: Map<string, string>): ReadSink {
  return {
    async write(name: string, source: unknown, via?: Transform) {
      const chunks: Buffer[] = [];
      const collect = new Writable({
        write(chunk: Buffer | string, _enc, done) {
          chunks.push(Buffer.from(chunk));
          done();
        },
      });
      await pipeline(...([source as Readable, ...(via ? [via] : []), collect] as [Readable, Writable]));
      files.set(name, Buffer.concat(chunks).toString('utf8'));
      return { name } as never;
    },
    async sample() {},
  };
}

async function exportRows(dataMap: CompiledDataMap, email: string): Promise<Map<string, unknown>> {
  const deps = { engineDb: db.engineDb, dataMap, config: { EXPORT_FORMATS: ['json'] } } as unknown as ActivityDeps;
  const { selectors, identities } = await resolveSubject(deps, { email: [email] });
  const subject = resolvedSubject(selectors, identities);
  const rows = new Map<string, unknown>();
  for (const node of dataMap.collections) {
    const files = new Map<string, string>();
    await connectorFor(node).read({ deps, node, subject }, memorySink(files));
    const json = [...files].find(([name]) => name.endsWith('.json'));
    rows.set(node.collection, JSON.parse(json![1]));
  }
  return rows;
}

test('init drafts a map from the demo schema that, its TODOs filled, passes check and exports the same rows', async () => {
  const file = path.join(db.tmp, 'draft.yml');
  const env = { APP_DATABASE_URL: db.appUrl };
  const drafted = await dsar(
    env,
    'datamap',
    'init',
    '--url',
    db.appUrl,
    '--identity-table',
    'accounts',
    '--url-env',
    'APP_DATABASE_URL',
    '--out',
    file,
  );
  assert.equal(drafted.code, 0, drafted.err);
  const draft = await readFile(file, 'utf8');
  assert.doesNotMatch(draft, /postgres:\/\//, 'the URL (and its password) never enters the map');
  assert.match(draft, /key_hash: \{ category: user\.credentials\.hash \}\s+# GUESS/);
  assert.match(draft, /ip: \{ category: device\.ip_address \}\s+# GUESS/);
  assert.match(draft, /references: \{ account_id: accounts\.id \}\s+# GUESS: no foreign key/);
  assert.match(draft, /billing_records:[\s\S]*basis: TODO/);

  const unfilled = await dsar(env, 'datamap', 'check', '--json', '--map', file);
  assert.equal(unfilled.code, 1, 'a draft with TODOs left is refused');
  assert.ok(
    (JSON.parse(unfilled.out) as DataMapCheckResult).errors.every((f) => f.kind === 'todo'),
    unfilled.out,
  );

  const { text, filled } = fillTodos(draft);
  assert.ok(filled > 0);
  await writeFile(file, text);
  const checked = await dsar(env, 'datamap', 'check', '--json', '--map', file);
  assert.equal(checked.code, 0, checked.out + checked.err);

  const fromDraft = await exportRows(await loadDataMap(file, env), 'alice@example.com');
  const fromDemo = await exportRows(await loadDataMap(demoMap, env), 'alice@example.com');
  assert.deepEqual([...fromDraft.keys()].sort(), [...fromDemo.keys()].sort());
  for (const [collection, rows] of fromDemo) {
    assert.ok(Array.isArray(rows) && rows.length > 0, `${collection}: alice has rows`);
    assert.deepEqual(fromDraft.get(collection), rows, collection);
  }
});

test('the worker start-up check refuses the flawed map naming each path, logs warnings, and the dashboard route shows the saved result', async () => {
  const flawed = await loadDataMap(path.join(PROJECT_ROOT, 'test/fixtures/flawed-datamap.yml'), { SHOP_DATABASE_URL: shopUrl });
  const logged: string[] = [];
  const save = (r: DataMapCheckResult) => saveDataMapCheck(db.engineDb, r);
  const refused = await checkStoresAtStart(flawed, (w) => logged.push(w), save).then(
    () => assert.fail('the worker must not start'),
    (err: unknown) => err,
  );
  assert.ok(refused instanceof StoreSchemaError);
  assert.match(refused.message, /worker does not start/);
  assert.ok(
    refused.problems.includes(
      "stores.shop.collections.accounts: reference cycle accounts → teams → accounts (foreign keys): no erase order deletes each table's rows before those they reference; make one key ON DELETE SET NULL or CASCADE",
    ),
    refused.problems.join('\n'),
  );
  assert.ok(logged.some((w) => w.startsWith('data map: stores.shop.collections.newsletter_signups.fields.email: unmapped column')));
  assert.ok(!logged.some((w) => /@example\.org/.test(w)), 'no sampled value in the log');

  const config = Config.parse({
    DATABASE_URL: db.engineUrl,
    TEMPORAL_ADDRESS: '127.0.0.1:1',
    SMTP_URL: 'smtp://127.0.0.1:1',
    SIGNING_SECRET: TEST_SECRET,
    PUBLIC_BASE_URL: 'http://dsar.test',
    LOG_LEVEL: 'silent',
  });
  const demo = await loadDataMap(demoMap, { APP_DATABASE_URL: db.appUrl });
  const app = await buildApp({ config, engineDb: db.engineDb, temporal: null as never, dataMap: demo }, { logger: false });
  try {
    const { key } = await createAdminKey(db.engineDb, 'privacy-lead', 'auditor');
    const res = await app.inject({ method: 'GET', url: '/v1/admin/datamap/check', headers: { authorization: `Bearer ${key}` } });
    assert.equal(res.statusCode, 200, res.body);
    const { check } = res.json() as { check: DataMapCheckResult };
    assert.deepEqual(check.errors.map((f) => `${f.path}: ${f.message}`).sort(), refused.problems);
    assert.ok(check.warnings.some((f) => f.kind === 'index'));

    // the demo map passes: the worker starts, and the latest result says so
    const passed = await checkStoresAtStart(demo, (w) => logged.push(w), save);
    assert.deepEqual(passed.errors, []);
    const latest = (
      await app.inject({ method: 'GET', url: '/v1/admin/datamap/check', headers: { authorization: `Bearer ${key}` } })
    ).json();
    assert.deepEqual(latest.check.errors, []);
    assert.equal(latest.check.checkedAt, passed.checkedAt);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/admin/datamap/check' })).statusCode, 401);
  } finally {
    await app.close();
  }
});

test('check on MariaDB: an unmapped table referencing customers, an unmapped column holding addresses and a missing index are reported', async () => {
  const server = await startMariaDb();
  try {
    const root = await server.connect();
    await createLegacyShop(root);
    await root.query('ALTER TABLE reviews DROP INDEX reviews_customer');
    await root.query('ALTER TABLE customers ADD COLUMN alt_contact VARCHAR(191) NULL');
    await root.query(
      `CREATE TABLE wishlists (id BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT, customer_id BIGINT UNSIGNED NOT NULL,
         CONSTRAINT wishlists_customer FOREIGN KEY (customer_id) REFERENCES customers (id)) ENGINE=InnoDB`,
    );
    const id = await addLegacyCustomer(root, { email: 'dana@example.com', name: 'Dana Roth', orders: 1, events: 1, reviews: 1 });
    await root.query('UPDATE customers SET alt_contact = ? WHERE id = ?', ['dana.private@example.net', id]);
    await root.end();
    const fixture = await readFile(path.join(PROJECT_ROOT, 'test/fixtures/mysql-store.yml'), 'utf8');
    const file = path.join(db.tmp, 'shop.yml');
    await writeFile(file, `identities: [email, account_id]\nstores:\n${fixture}`);
    const r = await dsar({ MYSQL_URL: server.url }, 'datamap', 'check', '--json', '--map', file);
    assert.equal(r.code, 1, r.out + r.err);
    const { errors, warnings } = JSON.parse(r.out) as DataMapCheckResult;
    const c = 'stores.legacy_db.collections';
    assert.deepEqual(
      errors.map((f) => [f.kind, f.path]),
      [
        ['erase_order', `${c}.customers`], // its key blocks the purge's hard delete of customers
        ['coverage', `${c}.wishlists`],
      ],
    );
    assert.ok(
      warnings.some((f) => f.kind === 'coverage' && f.path === `${c}.customers.fields.alt_contact` && /sampled values/.test(f.message)),
    );
    assert.ok(
      warnings.some(
        (f) =>
          f.kind === 'index' &&
          f.path === `${c}.reviews.references.customer_id` &&
          /CREATE INDEX `reviews_customer_id_dsar` ON `reviews` \(`customer_id`\)/.test(f.message),
      ),
    );
    assert.doesNotMatch(r.out, /dana/);

    // init drafts the shop too: customers by e-mail, the rest by foreign key or by customer_id
    const drafted = await dsar({}, 'datamap', 'init', '--url', server.url, '--store', 'legacy_db', '--url-env', 'MYSQL_URL');
    assert.equal(drafted.code, 0, drafted.err);
    assert.doesNotMatch(drafted.out, /mysql:\/\/|dana/);
    assert.match(drafted.out, /customers:\n\s+identity: \{ email: email \}/);
    assert.match(drafted.out, /events:\n\s+references: \{ customer_id: customers\.id \}\s+# from foreign keys/);
    assert.match(drafted.out, /orders:\n\s+references: \{ customer_id: customers\.id \}\s+# GUESS: no foreign key/);
    assert.match(drafted.out, /alt_contact: \{ category: contact\.email \}\s+# GUESS: e-mail by name or sampled values/);
    const parsed = parseDataMap(fillTodos(drafted.out).text, { MYSQL_URL: server.url });
    const shop = parsed.stores.legacy_db;
    assert.ok(shop.kind === 'mysql');
    assert.deepEqual(Object.keys(shop.collections).sort(), ['customers', 'events', 'orders', 'reviews', 'wishlists']);
  } finally {
    await server.stop();
  }
});
