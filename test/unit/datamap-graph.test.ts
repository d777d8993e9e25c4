// The compiled data map: erase order, cycles, and which stores each request type touches.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { missingOperations } from '../../activities/stores/registry';
import { DataMapError, parseDataMap } from '../../schemas/datamap';
import { addressKey, compileDataMap } from '../../schemas/datamap-graph';
import { OPERATIONS, supportOf } from '../../schemas/store-kinds';

const root = path.join(__dirname, '..', '..');
const demoText = readFileSync(path.join(root, 'demo', 'datamap.yml'), 'utf8');
const extraText = readFileSync(path.join(root, 'test', 'fixtures', 'extra-stores.yml'), 'utf8');
const env = {
  APP_DATABASE_URL: 'postgres://u:p@localhost/app',
  REDIS_URL: 'redis://localhost',
  BILLING_PROVIDER_URL: 'http://localhost:1',
  BILLING_PROVIDER_TOKEN: 't',
};
const compile = (text: string) => compileDataMap(parseDataMap(text, env));
const keys = (ts: { store: string; collection: string }[]) => ts.map(addressKey);

test('erase order puts every collection after the collections that reference it', () => {
  const map = compile(`${demoText}\n${extraText}`);
  const position = new Map(map.eraseOrder.flatMap((level, i) => level.map((t) => [addressKey(t), i] as const)));
  for (const c of map.collections) {
    for (const r of c.references) {
      assert.ok(position.get(addressKey(c))! < position.get(addressKey(r.target))!, `${addressKey(c)} before ${addressKey(r.target)}`);
    }
  }
  assert.deepEqual(keys(map.eraseOrder.at(-1)!), ['app_db.accounts']);
});

test('a chain of references is erased from the leaves up, level by level', () => {
  const map = compile(`
identities: [email]
stores:
  db:
    kind: postgres
    url: postgres://x
    collections:
      users: { identity: { email: email } }
      projects: { references: { user_id: users.id } }
      tasks: { references: { project_id: projects.id } }
      comments: { references: { task_id: tasks.id, user_id: users.id } }
`);
  assert.deepEqual(
    map.eraseOrder.map((l) => l.map((t) => t.collection)),
    [['comments'], ['tasks'], ['projects'], ['users']],
  );
  assert.deepEqual(
    map.resolutionOrder.map((l) => l.map((c) => c.collection)),
    [['users'], ['projects', 'comments'], ['tasks']],
  );
});

test('a reference cycle is refused and named', () => {
  const cyclic = `
identities: [email]
stores:
  db:
    kind: postgres
    url: postgres://x
    collections:
      users: { identity: { email: email }, references: { team_id: teams.id } }
      teams: { references: { owner_id: users.id } }
`;
  assert.throws(
    () => compile(cyclic),
    (err: unknown) =>
      err instanceof DataMapError &&
      err.issues[0].path === 'stores.db.collections' &&
      /cycle (users → teams → users|teams → users → teams)/.test(err.issues[0].message),
  );
});

test('erasure specs carry what their action needs', () => {
  const base = (onErasure: string) => `
identities: [email]
stores:
  db:
    kind: postgres
    url: postgres://x
    collections:
      users: { identity: { email: email }, onErasure: ${onErasure} }
`;
  const issues = (text: string) => {
    try {
      compile(text);
    } catch (err) {
      return (err as DataMapError).issues.map((i) => i.path);
    }
    return [];
  };
  assert.ok(issues(base('{ action: mask }')).includes('stores.db.collections.users.onErasure.mask'));
  assert.ok(
    issues(base('{ action: purge, softDelete: { set: { status: deleted } } }')).includes('stores.db.collections.users.onErasure.after'),
  );
  assert.ok(issues(base('{ action: delete, mask: { email: hash } }')).some((p) => p.startsWith('stores.db.collections.users.onErasure')));
  assert.deepEqual(issues(base('{ action: mask, mask: { email: hash } }')), []);
});

test('targetsFor: one decision for every request type, with what each cannot include and why', () => {
  const map = compile(`${demoText}\n${extraText}`);
  const access = map.targetsFor('access');
  // the processor has no export call and the manual archive is for deletion only: named, not silent
  assert.deepEqual(keys(access.targets).sort(), [...keys(map.collections), 'cache.keys'].sort());
  assert.deepEqual(access.notIncluded.map((n) => addressKey(n.target)).sort(), [
    'billing_provider.processor',
    'helpdesk_archive.manual_task',
  ]);
  assert.match(access.notIncluded.find((n) => n.target.store === 'billing_provider')!.reason, /no export call/);

  const deletion = map.targetsFor('deletion');
  assert.deepEqual(
    keys(deletion.targets).sort(),
    [...keys(map.collections), 'cache.keys', 'billing_provider.processor', 'helpdesk_archive.manual_task'].sort(),
  );
  assert.deepEqual(deletion.notIncluded, []);
  assert.deepEqual(deletion.levels, map.targetsFor('plan').levels, 'a plan shows the order deletion runs in');

  const correction = map.targetsFor('correction');
  assert.ok(keys(correction.targets).includes('billing_provider.processor'));
  assert.ok(!keys(correction.targets).includes('app_db.usage_logs'), 'no correctable field there');
  assert.ok(!keys(correction.targets).includes('cache.keys'));
  assert.deepEqual(
    correction.notIncluded.map((n) => addressKey(n.target)),
    ['helpdesk_archive.manual_task'],
  );
});

test('a manual store named for access is read through a task; a processor with an export call is read', () => {
  const text = `${demoText}\n${extraText}`
    .replace('for: [deletion]', 'for: [access, export, deletion]')
    .replace('    erase: { method: DELETE', '    export: { path: "/v1/customers/{account_id}" }\n    erase: { method: DELETE');
  const access = compile(text).targetsFor('access');
  assert.deepEqual(access.notIncluded, []);
  assert.ok(keys(access.targets).includes('helpdesk_archive.manual_task'));
  assert.ok(keys(access.targets).includes('billing_provider.processor'));
});

test('every operation a store supports has its connector implementation', () => {
  const text = `${demoText}\n${extraText}`
    .replace('for: [deletion]', 'for: [access, export, correction, deletion]')
    .replace('    erase: { method: DELETE', '    export: { path: "/v1/customers/{account_id}" }\n    erase: { method: DELETE');
  const map = compile(text);
  for (const node of map.nodes) assert.deepEqual(missingOperations(node), [], addressKey(node));
  // and every kind appears with every operation decided (none left undefined)
  for (const node of map.nodes) for (const op of OPERATIONS) assert.equal(typeof supportOf(node, op).ok, 'boolean');
});

test('warnings name what a map author should know', () => {
  const map = compile(`${demoText}\n${extraText}`);
  assert.ok(map.warnings.some((w) => w.startsWith('billing_provider.processor: read is not supported')));
  assert.ok(map.warnings.some((w) => w.startsWith('helpdesk_archive.manual_task: read is not supported')));
});

const mixedStores = `
identities: [email, customer_id]
stores:
  app:
    kind: postgres
    url: postgres://x
    collections:
      users: { identity: { email: email }, fields: { name: { category: user.name, correctable: true } } }
  shop:
    kind: mysql
    url: mysql://u:p@db:3306/shop
    collections:
      customers: { identity: { email: email }, provides: { customer_id: id }, fields: { name: { category: user.name, correctable: true } } }
      orders: { references: { customer_id: customers.id }, onErasure: { action: purge, after: P30D, softDelete: { set: { state: gone } } } }
      lines: { schema: archive, table: order_lines, references: { order_id: orders.id } }
`;

test('MySQL collections are nodes with edges like PostgreSQL ones: resolved, erased children first, every operation implemented', () => {
  const map = compile(mixedStores);
  assert.deepEqual(
    map.collections.map((c) => [addressKey(c), c.kind, c.schema, c.table]),
    [
      ['app.users', 'postgres', 'public', 'users'],
      ['shop.customers', 'mysql', null, 'customers'],
      ['shop.orders', 'mysql', null, 'orders'],
      ['shop.lines', 'mysql', 'archive', 'order_lines'],
    ],
  );
  assert.deepEqual(
    map.resolutionOrder.map((l) => l.map(addressKey)),
    [['app.users', 'shop.customers'], ['shop.orders'], ['shop.lines']],
  );
  assert.deepEqual(
    map.eraseOrder.map((l) => l.map(addressKey)),
    [['app.users', 'shop.lines'], ['shop.orders'], ['shop.customers']],
  );
  assert.deepEqual(map.referencedColumns({ store: 'shop', collection: 'customers' }), ['id']);
  assert.equal(map.collection({ store: 'shop', collection: 'orders' }).kind, 'mysql');
  assert.deepEqual(keys(map.targetsFor('correction').targets), ['app.users', 'shop.customers']);
  assert.deepEqual(map.warnings, []);
  for (const node of map.nodes) assert.deepEqual(missingOperations(node), [], addressKey(node));
  assert.equal(supportOf(map.node({ store: 'shop', collection: 'orders' }), 'purge').ok, true);
  assert.equal(supportOf(map.node({ store: 'shop', collection: 'lines' }), 'purge').ok, false);
});

test('a MySQL store is refused without a database in its URL, and its references stay within it', () => {
  const issues = (text: string) => {
    try {
      compile(text);
    } catch (err) {
      return (err as DataMapError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  };
  assert.ok(issues(mixedStores.replace('mysql://u:p@db:3306/shop', 'mysql://u:p@db:3306')).some((i) => i.startsWith('stores.shop.url')));
  assert.ok(issues(mixedStores.replace('mysql://u:p@db:3306/shop', 'postgres://db/shop')).some((i) => i.startsWith('stores.shop.url')));
  assert.deepEqual(issues(mixedStores.replace('customer_id: customers.id', 'customer_id: users.id')), [
    'stores.shop.collections.orders.references.customer_id: references unknown collection "users" in store shop',
  ]);
});
