// The pure parts of `dsar datamap init` and `check`: guesses from names, types and sampled
// values; masks and soft-deletes that must fit their columns; erase order against foreign keys;
// cycles; coverage; TODOs; the draft written from a schema snapshot.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { draftDataMap } from '../../lib/datamap-draft';
import { guessCategory, personalReason, tableKind } from '../../lib/datamap-guess';
import {
  coverageFindings,
  cycleFindings,
  eraseOrderFindings,
  indexNeeds,
  isIndexed,
  maskProblem,
  todoFindings,
  valueProblem,
} from '../../lib/datamap-rules';
import { classifySample, type SchemaSnapshot, type SnapshotColumn } from '../../lib/schema-snapshot';
import { parseDataMap } from '../../schemas/datamap';
import { addressKey, compileDataMap, type CollectionEntry } from '../../schemas/datamap-graph';

const col = (name: string, type = 'text', extra: Partial<SnapshotColumn> = {}): SnapshotColumn => ({
  name,
  type,
  maxLength: null,
  nullable: true,
  looks: null,
  ...extra,
});

test('sampled values: e-mail, IP and phone patterns when at least half match; nothing otherwise', () => {
  assert.equal(classifySample(['a@b.example', 'c@d.example', 'not one']), 'email');
  assert.equal(classifySample(['10.0.0.1', '2001:db8::1']), 'ip');
  assert.equal(classifySample(['+49 30 1234567', '030 7654321']), 'phone');
  assert.equal(classifySample(['newsletter', 'blog']), null);
  assert.equal(classifySample([]), null);
});

test('categories guessed from names, types and sampled values; personal ones flagged for coverage', () => {
  assert.equal(guessCategory(col('key_hash'))?.category, 'user.credentials.hash');
  assert.equal(guessCategory(col('key_prefix')), null);
  assert.equal(guessCategory(col('contact', 'text', { looks: 'email' }))?.category, 'contact.email');
  assert.equal(guessCategory(col('origin', 'inet'))?.category, 'device.ip_address');
  assert.equal(guessCategory(col('user_agent'))?.category, 'device.user_agent');
  assert.equal(guessCategory(col('billing_name'))?.category, 'user.name');
  assert.equal(guessCategory(col('issued_at', 'timestamp with time zone'))?.category, 'system.timestamps');
  assert.equal(guessCategory(col('plan')), null);
  assert.ok(personalReason(col('email')));
  assert.equal(personalReason(col('issued_at', 'timestamp with time zone')), null);
  assert.equal(personalReason(col('contact')), null);
  assert.equal(tableKind({ name: 'billing_records', columns: [], primaryKey: [] }), 'financial');
  assert.equal(tableKind({ name: 'usage_logs', columns: [], primaryKey: [] }), 'log');
  assert.equal(tableKind({ name: 'api_keys', columns: [], primaryKey: [] }), 'other');
});

test('masks and soft-delete values must fit their columns: type, NOT NULL and length', () => {
  assert.match(maskProblem('hash', col('e', 'character varying', { maxLength: 40 }))!, /writes 71 characters.*at most 40/);
  assert.equal(maskProblem('hash', col('e', 'character varying', { maxLength: 71 })), null);
  assert.match(maskProblem('null', col('e', 'text', { nullable: false }))!, /NOT NULL/);
  assert.match(maskProblem('redact', col('n', 'integer'))!, /writes text/);
  assert.match(maskProblem('redact', col('e', 'character', { maxLength: 8 }))!, /writes 10 characters/);
  assert.match(valueProblem(null, col('s', 'text', { nullable: false }))!, /NOT NULL/);
  assert.match(valueProblem('deleted', col('s', 'character varying', { maxLength: 3 }))!, /7 characters/);
  assert.match(valueProblem(true, col('s', 'text'))!, /boolean/);
  assert.match(valueProblem('deleted', col('active', 'boolean'))!, /is text/);
  assert.equal(valueProblem(false, col('active', 'boolean')), null);
  assert.equal(valueProblem('deleted', col('status', 'text')), null);
});

const MAP = `
identities: [email, account_id]
stores:
  shop:
    kind: postgres
    url: postgres://x/y
    collections:
      accounts:
        identity: { email: email }
        provides: { account_id: id }
        onErasure: { action: purge, after: P30D, softDelete: { set: { status: deleted } } }
      orders:
        references: { account_id: accounts.id }
      order_items:
        references: { account_id: accounts.id }
      invoices:
        references: { account_id: accounts.id }
        retention: { maxAge: P7Y, timestamp: issued_at, basis: TODO }
        onErasure: { action: retain }
`;

const fk = (table: string, column: string, refTable: string, onDelete: 'no action' | 'cascade' = 'no action') => ({
  name: `${table}_${column}`,
  table,
  columns: [column],
  refTable,
  refColumns: ['id'],
  onDelete,
});

function setup(foreignKeys: SchemaSnapshot['foreignKeys']) {
  const map = compileDataMap(parseDataMap(MAP));
  const snapshot: SchemaSnapshot = {
    tables: [
      { name: 'accounts', columns: [col('id', 'bigint'), col('email'), col('status'), col('phone')], primaryKey: ['id'] },
      { name: 'orders', columns: [col('id', 'bigint'), col('account_id', 'bigint')], primaryKey: ['id'] },
      { name: 'order_items', columns: [col('id', 'bigint'), col('account_id', 'bigint'), col('order_id', 'bigint')], primaryKey: ['id'] },
      { name: 'invoices', columns: [col('id', 'bigint'), col('account_id', 'bigint')], primaryKey: ['id'] },
      { name: 'notes', columns: [col('id', 'bigint'), col('account_id', 'bigint')], primaryKey: ['id'] },
    ],
    foreignKeys,
    indexedLeading: { accounts: ['id', 'lower(email)'], orders: ['account_id'] },
  };
  const levelOf = (e: CollectionEntry) => map.eraseOrder.findIndex((l) => l.some((t) => addressKey(t) === addressKey(e)));
  return { map, snapshot, levelOf };
}

test('erase order against the real foreign keys: a child erased at the same step, a kept child and an unmapped child each block', () => {
  const { map, snapshot, levelOf } = setup([
    fk('order_items', 'order_id', 'orders'),
    fk('invoices', 'account_id', 'accounts'),
    fk('notes', 'account_id', 'accounts'),
    fk('orders', 'account_id', 'accounts'),
  ]);
  const found = eraseOrderFindings(map.collections, snapshot, levelOf);
  const lines = found.map((f) => `${f.path}: ${f.message}`);
  assert.equal(found.length, 3, lines.join('\n'));
  assert.ok(
    lines.some((l) => /^stores\.shop\.collections\.order_items: .*order_items\(order_id\) → orders\(id\).*not before orders/.test(l)),
  );
  assert.ok(lines.some((l) => /^stores\.shop\.collections\.invoices: .*invoices keeps its rows \(onErasure: retain\)/.test(l)));
  assert.ok(lines.some((l) => /^stores\.shop\.collections\.accounts: .*table notes is not in the map/.test(l)));
  // orders → accounts is in the map's order (orders first): no finding; a cascading key never blocks
  assert.deepEqual(
    eraseOrderFindings(map.collections, { ...snapshot, foreignKeys: [fk('notes', 'account_id', 'accounts', 'cascade')] }, levelOf),
    [],
  );
});

test('cycles, coverage, index needs and TODOs', () => {
  const { map, snapshot } = setup([
    fk('orders', 'account_id', 'accounts'),
    fk('accounts', 'status', 'orders'),
    fk('notes', 'account_id', 'accounts'),
  ]);
  const cycles = cycleFindings(map.collections, snapshot);
  assert.deepEqual(
    cycles.map((f) => f.message.split(' (')[0]),
    ['reference cycle accounts → orders → accounts'],
  );
  const coverage = coverageFindings('shop', map.collections, snapshot);
  assert.deepEqual(
    coverage.map((f) => [f.severity, f.path]),
    [
      ['warning', 'stores.shop.collections.accounts.fields.phone'],
      ['error', 'stores.shop.collections.notes'],
    ],
  );
  const needs = indexNeeds(
    map.collections,
    (e) => map.referencedColumns(e),
    (id) => id === 'email',
  );
  assert.deepEqual(
    needs.filter((n) => !isIndexed(snapshot, n)).map((n) => `${n.table}.${n.expression}`),
    ['order_items.account_id', 'invoices.account_id'],
  );
  assert.deepEqual(
    todoFindings(map.source).map((f) => f.path),
    ['stores.shop.collections.invoices.retention.basis'],
  );
});

test('init drafts a commented map: references from foreign keys and by name, every guess marked, TODOs for what only a human knows', () => {
  const { snapshot } = setup([fk('orders', 'account_id', 'accounts'), fk('order_items', 'order_id', 'orders')]);
  snapshot.tables.push({ name: 'countries', columns: [col('code')], primaryKey: ['code'] });
  const draft = draftDataMap(snapshot, { kind: 'postgres', store: 'shop', urlVariable: 'SHOP_URL', identityTable: 'accounts' });
  assert.match(draft, /identities: \[email, account_id\]/);
  assert.match(draft, /url: \$\{SHOP_URL\}/);
  assert.match(draft, /identity: \{ email: email \}\s+# GUESS/);
  assert.match(draft, /orders:\n\s+references: \{ account_id: accounts\.id \}\s+# from foreign keys/);
  assert.match(draft, /order_items:\n\s+references: \{ order_id: orders\.id \}\s+# from foreign keys/);
  assert.match(draft, /invoices:\n\s+references: \{ account_id: accounts\.id \}\s+# GUESS: no foreign key/);
  assert.match(draft, /invoices:[\s\S]*basis: TODO/);
  assert.match(draft, /status: \{ category: TODO \}\s+# TODO/);
  assert.match(draft, /phone: \{ category: contact\.phone \}\s+# GUESS/);
  assert.match(draft, /# Not linked to accounts[^\n]*\n#\s+countries/);
  const parsed = parseDataMap(draft, { SHOP_URL: 'postgres://x/y' });
  assert.deepEqual(Object.keys(parsed.stores.shop.kind === 'postgres' ? parsed.stores.shop.collections : {}), [
    'accounts',
    'orders',
    'order_items',
    'invoices',
    'notes',
  ]);
});
