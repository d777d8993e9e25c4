// The legacy shop in a real MariaDB server (kind: mysql) beside the demo product's PostgreSQL:
// access archives compared row by row with the database, a plan, a deletion that leaves nothing
// due (masks, retention and restriction read back from MariaDB), the purge after the grace
// period, a correction, the retention sweep, and a subject large enough to need several batches.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { createAdminKey } from '../../api/admin-keys';
import { purgeTarget } from '../../activities/erase';
import { connectorFor } from '../../activities/stores/registry';
import { persistedSubject, resolvedSubject } from '../../activities/subject';
import type { Manifest } from '../../activities/manifest';
import { maskingSalt } from '../../activities/stores/masking';
import { auditHashSecret, keyedHash } from '../../lib/keyed-hash';
import { stateQuery } from '../../schemas/contract';
import { addIsoDuration } from '../../schemas/duration';
import type { PlanEntry, SweepResult } from '../../schemas/workflow';
import { codeFrom, downloadPathFrom, submit, submitAndVerify, verify, waitForErasure, waitForStatus } from '../support/flow';
import { addLegacyCustomer, addLegacyEvents } from '../support/legacy-shop';
import { startStack, type Stack } from '../support/stack';
import { readZip } from '../support/zip';
import { correctionGuard } from '../../activities/stores/correction-guard';
import { mysqlBackend } from '../../activities/stores/mysql-connector';
import { mysqlPool } from '../../activities/stores/mysql';
import { statementText } from '../../activities/stores/planned-statements';
import { isCollection } from '../../schemas/datamap-graph';

let stack: Stack;
let adminKey: string;
let shop: Connection;

before(async () => {
  stack = await startStack({ mysql: true });
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
  shop = await stack.mysql!.connect();
});
after(async () => {
  await shop?.end();
  await stack?.stop();
});

const TABLES = ['customers', 'orders', 'events', 'reviews'] as const;
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });
const accountId = async (email: string) =>
  String((await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email])).rows[0].id);

/** Rows of the shop, read as the engine reads them (prepared statements, dates as the server's text). */
async function rows(sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const [r] = await shop.execute<RowDataPacket[]>(sql, params as never[]);
  return r;
}
const count = async (sql: string, params: unknown[] = []) => Number((await rows(sql, params))[0].n);

/** Every row a customer has, per table, in key order. */
async function holdings(customerId: string): Promise<Record<(typeof TABLES)[number], Record<string, unknown>[]>> {
  return {
    customers: await rows('SELECT * FROM customers WHERE id = ? ORDER BY id', [customerId]),
    orders: await rows('SELECT * FROM orders WHERE customer_id = ? ORDER BY id', [customerId]),
    events: await rows('SELECT * FROM events WHERE customer_id = ? ORDER BY id', [customerId]),
    reviews: await rows('SELECT * FROM reviews WHERE customer_id = ? ORDER BY id', [customerId]),
  };
}

/** A value as the archive writes it: binary as `\x` and hex, the rest as the driver gives it. */
const archived = (v: unknown) => (Buffer.isBuffer(v) ? `\\x${v.toString('hex')}` : v);
const csvText = (v: unknown) => {
  const a = archived(v);
  return a === null ? '' : typeof a === 'object' ? JSON.stringify(a) : String(a);
};

/** RFC 4180: fields separated by commas, quoted when they hold a comma, quote or line break. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (quoted && ch === '"') quoted = false;
    else if (quoted) field += ch;
    else if (ch === '"') quoted = true;
    else if (ch === ',' || ch === '\n') {
      row.push(field);
      field = '';
      if (ch === '\n') {
        out.push(row);
        row = [];
      }
    } else field += ch;
  }
  return out;
}

async function download(requestId: string, email: string): Promise<Map<string, Buffer>> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(requestId) && /ready/.test(m.subject));
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
  assert.equal(res.statusCode, 200);
  return readZip(res.rawPayload);
}

describe('a MySQL store (MariaDB) answers every request', () => {
  test('access: every MariaDB row of the subject is in the archive, JSON and CSV equal to the database; an address differing by an accent is another subject', async () => {
    const email = 'alice@example.com';
    const customer = await addLegacyCustomer(shop, { email: 'Alice@Example.com', name: 'Alice Martin', accountId: await accountId(email) });
    const neighbour = await addLegacyCustomer(shop, { email: 'alíce@example.com', name: 'Alíce Other', events: 5 });
    const requestId = await submitAndVerify(stack, 'access', email);
    await waitForStatus(stack, requestId, 'completed');
    const files = await download(requestId, email);
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    const expected = await holdings(customer);

    for (const table of TABLES) {
      const entry = manifest.collections.find((c) => c.store === 'legacy_db' && c.collection === table)!;
      assert.ok(entry, `${table} is in the manifest`);
      assert.equal(entry.kind, 'mysql');
      assert.equal(entry.rows, expected[table].length, `${table}: rows`);
      assert.ok(expected[table].length > 0, `${table}: the subject has rows there`);
      for (const f of entry.files) assert.equal(f.sha256, sha256(files.get(f.name)!), `${f.name} SHA-256`);

      const json = JSON.parse(files.get(`data/legacy_db/${table}.json`)!.toString()) as Record<string, unknown>[];
      const fromDb = expected[table].map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, archived(v)])));
      assert.deepEqual(json, fromDb, `${table}.json holds exactly the database's rows`);

      const [header, ...lines] = parseCsv(files.get(`data/legacy_db/${table}.csv`)!.toString());
      assert.deepEqual(header, Object.keys(expected[table][0]), `${table}.csv header`);
      assert.deepEqual(
        lines,
        expected[table].map((r) => header.map((c) => csvText(r[c]))),
        `${table}.csv holds exactly the database's rows`,
      );
    }
    const orders = manifest.collections.find((c) => c.collection === 'orders')!;
    assert.equal(orders.retention.period, 'P7Y');
    assert.match(orders.retention.basis!, /commercial record-keeping/);
    assert.deepEqual(orders.categories, ['contact.address', 'contact.email', 'system.timestamps', 'user.financial']);
    const archive = [...files.values()].map((b) => b.toString()).join('\n');
    assert.ok(!archive.includes('alíce@example.com') && !archive.includes('Alíce Other'), "the accented neighbour's rows are not in it");
    assert.equal((await holdings(neighbour)).events.length, 5, 'and they are still in the database');
    assert.match(files.get('report.html')!.toString(), /Legacy shop database/);
  });

  test('plan: per MariaDB table the action and the rows it would touch, its children before the customers, nothing changed', async () => {
    const email = 'alice@example.com';
    const [{ id: customer }] = await rows("SELECT id FROM customers WHERE email = 'Alice@Example.com'");
    const before = await holdings(String(customer));
    const res = await stack.app.inject({ method: 'POST', url: '/v1/plans', payload: { email, type: 'deletion' }, headers: asAdmin() });
    assert.equal(res.statusCode, 200, res.body);
    const plan = (res.json().entries as PlanEntry[]).filter((p) => p.store === 'legacy_db');
    const of = (table: string) => plan.find((p) => p.collection === table)!;
    assert.deepEqual(Object.fromEntries(TABLES.map((t) => [t, [of(t).kind, of(t).action, of(t).rows]])), {
      customers: ['mysql', 'purge', 1],
      orders: ['mysql', 'retain', before.orders.length],
      events: ['mysql', 'delete', before.events.length],
      reviews: ['mysql', 'mask', before.reviews.length],
    });
    for (const child of ['orders', 'events', 'reviews']) assert.ok(of(child).step! < of('customers').step!, `${child} before customers`);
    // the newest order (2020-02-29) is kept until 2027-02-28: seven years on, clamped to February's end
    assert.equal(of('orders').retainedUntil, '2027-02-28T13:45:10.000Z');
    assert.deepEqual(of('reviews').maskedFields, ['author_name', 'body']);
    for (const p of plan) {
      assert.ok(p.statements?.length, `${p.collection}: the statements its erase runs`);
      for (const sql of [...p.statements, ...(p.purgeStatements ?? [])])
        assert.ok(/^(DELETE|UPDATE)\b/.test(sql) && !/example\.com/i.test(sql), `${p.collection}: ${sql}`);
    }
    assert.match(of('events').statements![0], /^DELETE FROM `events` WHERE/);
    assert.match(of('customers').purgeStatements![0], /^DELETE FROM `customers` WHERE/);
    assert.deepEqual(await holdings(String(customer)), before, 'a plan changes nothing');
  });

  test('deletion: nothing due is left in MariaDB — events deleted, reviews masked, orders hashed, redacted and restricted until placed_at + 7 years, the customer deactivated then purged after the grace period', async () => {
    const email = 'bob@example.com';
    const customer = await addLegacyCustomer(shop, { email, name: 'Bob Keller', accountId: await accountId(email), orders: 4 });
    const neighbour = await addLegacyCustomer(shop, { email: 'bob@example.org', name: 'Other Bob' });
    const neighbourBefore = await holdings(neighbour);
    const before = await holdings(customer);

    const planRes = await stack.app.inject({ method: 'POST', url: '/v1/plans', payload: { email, type: 'deletion' }, headers: asAdmin() });
    const plan = (planRes.json().entries as PlanEntry[]).filter((p) => p.store === 'legacy_db');
    // every statement the deletion sends to MariaDB, to compare with the plan's
    const pool = mysqlPool(stack.mysql!.url);
    const execute = pool.execute;
    const sent: string[] = [];
    pool.execute = ((sql: string, ...rest: unknown[]) => {
      sent.push(statementText(sql));
      return (execute as (...a: unknown[]) => unknown).call(pool, sql, ...rest);
    }) as typeof pool.execute;
    let requestId: string;
    try {
      requestId = await submitAndVerify(stack, 'deletion', email);
      await waitForErasure(stack, requestId);
    } finally {
      pool.execute = execute;
    }
    const writes = [...new Set(sent.filter((sql) => /^(DELETE|UPDATE)\b/.test(sql)))];
    for (const p of plan)
      assert.deepEqual(
        writes.filter((w) => p.statements!.includes(w)),
        p.statements,
        `${p.collection}: as planned, in order`,
      );
    assert.deepEqual(
      writes.filter((w) => !plan.some((p) => p.statements!.includes(w))),
      [],
      'nothing the plan did not show',
    );
    const state = await stack.env.client.workflow.getHandle(requestId).query(stateQuery);
    for (const o of state.outcomes!) assert.equal(o.remainingDue, 0, `${o.store}.${o.collection}: proof of deletion`);
    const outcome = (table: string) => state.outcomes!.find((o) => o.store === 'legacy_db' && o.collection === table)!;
    assert.equal(outcome('events').deleted, before.events.length);
    assert.equal(outcome('reviews').masked, before.reviews.length);
    assert.equal(outcome('orders').retained, before.orders.length);
    assert.equal(outcome('customers').softDeleted, 1);

    // read back from MariaDB by the test itself
    assert.equal(await count('SELECT COUNT(*) AS n FROM events WHERE customer_id = ?', [customer]), 0);
    const salt = maskingSalt(stack.deps);
    const orders = await rows('SELECT * FROM orders WHERE customer_id = ? ORDER BY id', [customer]);
    assert.equal(orders.length, before.orders.length, 'orders are kept, as the map says');
    for (const [i, o] of orders.entries()) {
      assert.equal(o.billing_email, `sha256:${sha256(salt + email)}`, 'the email is hashed with the deployment salt');
      assert.equal(o.shipping_address, '[redacted]');
      assert.equal(o.total, before.orders[i].total, 'what the legal basis needs is kept');
      const placed = new Date(`${String(o.placed_at).replace(' ', 'T')}Z`);
      const until = addIsoDuration(placed, 'P7Y').toISOString().replace('T', ' ').slice(0, 19);
      assert.equal(o.restricted_until, until, 'restricted until placed_at + 7 years, to the second');
    }
    assert.equal(orders[0].restricted_until, '2027-02-28 13:45:10', 'a leap day plus seven years is the last day of February');
    const reviews = await rows('SELECT * FROM reviews WHERE customer_id = ? ORDER BY id', [customer]);
    for (const [i, r] of reviews.entries()) {
      assert.equal(r.author_name, '[redacted]');
      assert.equal(r.body, null);
      assert.equal(r.rating, before.reviews[i].rating);
    }
    const [c] = await rows('SELECT status, deleted_at FROM customers WHERE id = ?', [customer]);
    assert.equal(c.status, 'deleted', 'deactivated at once');
    assert.ok(c.deleted_at);
    assert.deepEqual(await holdings(neighbour), neighbourBefore, "a neighbour's rows are untouched");

    // erased again (as a retried activity would): nothing hashed twice, nothing left to do
    const again = await connectorFor(stack.deps.dataMap.node({ store: 'legacy_db', collection: 'orders' })).erase({
      deps: stack.deps,
      node: stack.deps.dataMap.node({ store: 'legacy_db', collection: 'orders' }),
      subject: persistedSubject(stack.db.engineDb, requestId),
    });
    assert.equal(again.remainingDue, 0);
    assert.deepEqual(await rows('SELECT * FROM orders WHERE customer_id = ? ORDER BY id', [customer]), orders);

    // erase order: the shop's children before its customers
    const { rows: erased } = await stack.db.engineDb.query<{ seq: string; collection: string; details: { statements?: number } }>(
      `SELECT seq, collection, details FROM audit_events WHERE request_id = $1 AND action = 'collection.erased' AND store = 'legacy_db' ORDER BY seq`,
      [requestId],
    );
    const seqOf = (t: string) => Number(erased.find((e) => e.collection === t)!.seq);
    for (const child of ['orders', 'events', 'reviews']) assert.ok(seqOf(child) < seqOf('customers'), `${child} before customers`);
    assert.ok(!JSON.stringify(erased).includes(email), 'no address in the audit');

    // the grace period's end (the workflow's durable timer calls the same activity)
    const purged = await purgeTarget(stack.deps, requestId, { store: 'legacy_db', collection: 'customers', kind: 'mysql' });
    assert.deepEqual(purged, { deleted: 1, remaining: 0 });
    assert.equal(await count('SELECT COUNT(*) AS n FROM customers WHERE id = ?', [customer]), 0);
    assert.equal(await count('SELECT COUNT(*) AS n FROM orders WHERE customer_id = ?', [customer]), before.orders.length);
  });

  test('correction: the name is rewritten in MariaDB as well, even when only an accent changes; the audit keeps hashes only', async () => {
    const email = 'carol@example.com';
    const customer = await addLegacyCustomer(shop, { email, name: 'Carol Diaz', accountId: await accountId(email) });
    const neighbour = await addLegacyCustomer(shop, { email: 'carol@example.net', name: 'Carol Diaz' });
    const newName = 'Carol Díaz'; // equal to the old name under MariaDB's accent-insensitive collation
    const { body } = await submit(stack, { type: 'correction', email, corrections: { name: newName } });
    const mail = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /Confirm/.test(m.subject));
    assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
    await waitForStatus(stack, body.id, 'completed');

    const [c] = await rows('SELECT name, email, phone FROM customers WHERE id = ?', [customer]);
    assert.deepEqual(c, { name: newName, email, phone: '+49 30 1234567' });
    const [n] = await rows('SELECT name FROM customers WHERE id = ?', [neighbour]);
    assert.equal(n.name, 'Carol Diaz', "a neighbour's name is untouched");
    const { rows: audit } = await stack.db.engineDb.query(
      "SELECT details FROM audit_events WHERE request_id = $1 AND store = 'legacy_db' AND collection = 'customers'",
      [body.id],
    );
    const change = audit.flatMap((a) => a.details.changes).find((x: { column: string }) => x.column === 'name');
    const keyed = (v: string) => keyedHash(auditHashSecret(stack.config), v);
    assert.deepEqual(change, { field: 'name', column: 'name', rows: 1, oldHash: [keyed('Carol Diaz')], newHash: keyed(newName) });
    assert.ok(!JSON.stringify(audit).includes('Carol'), 'no values in the audit');
  });

  test('GDPR Art. 18(2): in MariaDB a correction leaves masked values and restricted rows alone, or re-masks them with correctRetained', async () => {
    const customer = await addLegacyCustomer(shop, { email: 'guard@example.com', name: 'Guard', events: 0 });
    await shop.query(
      "UPDATE orders SET billing_email = CONCAT('sha256:', REPEAT('0', 64)), restricted_until = placed_at + INTERVAL 7 YEAR WHERE customer_id = ?",
      [customer],
    );
    await shop.query("UPDATE reviews SET author_name = '[redacted]' WHERE customer_id = ?", [customer]);
    const node = (collection: string) => {
      const n = stack.deps.dataMap.node({ store: 'legacy_db', collection });
      assert.ok(isCollection(n) && n.kind === 'mysql');
      return n;
    };
    const preds = [{ column: 'customer_id', values: [customer], caseInsensitive: false }];
    const salt = maskingSalt(stack.deps);
    const orders = node('orders');
    const reviews = node('reviews');
    const fresh = 'guard.new@example.com';
    const ordersSpec = orders.spec.onErasure;
    assert.ok(ordersSpec?.action === 'retain');

    const refused = await mysqlBackend.correctColumn(
      orders,
      preds,
      'billing_email',
      fresh,
      correctionGuard(orders.spec.onErasure, 'billing_email', fresh, salt),
    );
    assert.deepEqual([refused.rows, refused.skipped], [0, { masked: 0, restricted: 3 }]);
    const masked = await mysqlBackend.correctColumn(
      reviews,
      preds,
      'author_name',
      'New',
      correctionGuard(reviews.spec.onErasure, 'author_name', 'New', salt),
    );
    assert.deepEqual([masked.rows, masked.skipped], [0, { masked: 2, restricted: 0 }]);
    assert.deepEqual(
      (await rows('SELECT DISTINCT author_name FROM reviews WHERE customer_id = ?', [customer])).map((r) => r.author_name),
      ['[redacted]'],
    );

    const allowed = correctionGuard({ ...ordersSpec, correctRetained: true }, 'billing_email', fresh, salt);
    const remasked = await mysqlBackend.correctColumn(orders, preds, 'billing_email', fresh, allowed);
    assert.equal(remasked.rows, 3);
    assert.deepEqual(
      (await rows('SELECT DISTINCT billing_email FROM orders WHERE customer_id = ?', [customer])).map((r) => r.billing_email),
      [`sha256:${sha256(salt + fresh)}`],
      'masked again the way erasure masks, never clear text',
    );
  });

  test('retention sweep: MariaDB events past 90 days are deleted oldest first in batches; a held subject’s rows are skipped and counted', async () => {
    const swept = await addLegacyCustomer(shop, { email: 'sweep@example.com', name: 'Sweep', events: 0 });
    const held = await addLegacyCustomer(shop, { email: 'held@example.com', name: 'Held', events: 0 });
    // 12,000 events 91 to 300 days old, 50 younger; the held subject has 7 old ones
    await shop.query(
      `INSERT INTO events (customer_id, ts, kind) SELECT ?, UTC_TIMESTAMP(6) - INTERVAL 91 DAY - INTERVAL (seq * 1500) SECOND, 'view' FROM seq_1_to_12000`,
      [swept],
    );
    await addLegacyEvents(shop, swept, 50, 89);
    await shop.query(`INSERT INTO events (customer_id, ts, kind) SELECT ?, UTC_TIMESTAMP(6) - INTERVAL 100 DAY, 'view' FROM seq_1_to_7`, [
      held,
    ]);
    const hold = await stack.app.inject({
      method: 'POST',
      url: '/v1/admin/legal-holds',
      payload: { email: 'held@example.com', reason: 'fraud investigation' },
      headers: asAdmin(),
    });
    assert.equal(hold.statusCode, 201);
    const oldBefore = await count('SELECT COUNT(*) AS n FROM events WHERE ts < UTC_TIMESTAMP(6) - INTERVAL 90 DAY');

    const results = (await stack.env.client.workflow.execute('retentionSweep', {
      workflowId: `sweep-mysql-${Date.now()}`,
      taskQueue: stack.taskQueue,
    })) as SweepResult[];
    const events = results.find((r) => r.store === 'legacy_db' && r.collection === 'events' && r.rule === 'retention')!;
    assert.ok(events, 'the sweep visits the MariaDB table');
    assert.ok(results.some((r) => r.store === 'legacy_db' && r.collection === 'customers' && r.rule === 'purge_grace'));
    assert.equal(events.heldSkipped, 7);
    assert.equal(events.deleted, oldBefore - 7, 'every expired row but the held ones');
    assert.ok(events.statements >= 2, `batches of ≤ 10,000 rows (${events.statements} statements)`);
    assert.ok(events.longestStatementMs < 1000);
    assert.equal(
      await count('SELECT COUNT(*) AS n FROM events WHERE customer_id = ? AND ts < UTC_TIMESTAMP(6) - INTERVAL 90 DAY', [swept]),
      0,
    );
    assert.equal(await count('SELECT COUNT(*) AS n FROM events WHERE customer_id = ?', [swept]), 50, 'younger rows stay');
    assert.equal(await count('SELECT COUNT(*) AS n FROM events WHERE customer_id = ?', [held]), 7, 'held rows stay');
  });

  /** Deletes a subject through a request; the events outcome and what the audit kept of it. */
  async function eraseSubject(email: string) {
    const requestId = await submitAndVerify(stack, 'deletion', email);
    await waitForErasure(stack, requestId, 120_000);
    const state = await stack.env.client.workflow.getHandle(requestId).query(stateQuery);
    const { rows: audit } = await stack.db.engineDb.query(
      "SELECT details FROM audit_events WHERE request_id = $1 AND action = 'collection.erased' AND store = 'legacy_db' AND collection = 'events'",
      [requestId],
    );
    return { events: state.outcomes!.find((o) => o.store === 'legacy_db' && o.collection === 'events')!, audited: audit[0].details };
  }

  test('a subject with 25,000 events in one index range is erased in batches of at most 10,000 rows: three or more statements, every row gone, neighbours kept', async () => {
    const email = 'user1@example.net';
    const customer = await addLegacyCustomer(shop, { email, name: 'User One', accountId: await accountId(email), events: 25_000 });
    const neighbour = await addLegacyCustomer(shop, { email: 'user2@example.net', name: 'User Two', events: 1_000 });
    const { events, audited } = await eraseSubject(email);
    assert.equal(events.deleted, 25_000);
    assert.equal(events.remainingDue, 0);
    assert.ok(events.statements! >= 3, `at least three batches of ≤ 10,000 (${events.statements} statements)`);
    assert.ok(events.longestStatementMs < 1000, `longest statement ${events.longestStatementMs} ms`);
    assert.equal(await count('SELECT COUNT(*) AS n FROM events WHERE customer_id = ?', [customer]), 0);
    assert.equal(await count('SELECT COUNT(*) AS n FROM events WHERE customer_id = ?', [neighbour]), 1_000);
    assert.equal(audited.statements, events.statements, 'the audit keeps how many batches it took');
  });

  test('a subject with 21,000 events over two customer records is erased by key lists of at most 10,000: three or more statements, every row gone, neighbours kept', async () => {
    const email = 'user3@example.net';
    const first = await addLegacyCustomer(shop, { email, name: 'User Three', accountId: await accountId(email), events: 12_000 });
    const second = await addLegacyCustomer(shop, { email: 'User3@Example.NET', name: 'User Three', events: 9_000 });
    const neighbour = await addLegacyCustomer(shop, { email: 'user4@example.net', name: 'User Four', events: 1_000 });
    const { events } = await eraseSubject(email);
    assert.equal(events.deleted, 21_000);
    assert.equal(events.remainingDue, 0);
    assert.ok(events.statements! >= 3, `at least three batches of ≤ 10,000 (${events.statements} statements)`);
    assert.equal(await count('SELECT COUNT(*) AS n FROM events WHERE customer_id IN (?, ?)', [first, second]), 0);
    assert.equal(await count('SELECT COUNT(*) AS n FROM events WHERE customer_id = ?', [neighbour]), 1_000);
  });
});

describe('a lost MariaDB connection', () => {
  // without the connector's listener on the connection, the read would wait forever: the time limit makes that a failure
  test(
    'a connection killed in the middle of a read fails that read, not the worker; read again, every row is there',
    { timeout: 120_000 },
    async () => {
      // more rows than the sockets between server and worker buffer, so the statement is still running when killed
      const customer = await addLegacyCustomer(shop, { email: 'stream@example.com', name: 'Stream', events: 100_000 });
      const node = stack.deps.dataMap.node({ store: 'legacy_db', collection: 'events' });
      const subject = resolvedSubject(
        [{ store: 'legacy_db', collection: 'events', predicates: [{ column: 'customer_id', caseInsensitive: false, values: [customer] }] }],
        {},
      );
      let reading: () => void = () => undefined;
      const started = new Promise<void>((resolve) => (reading = resolve));
      const slowSink = (delayMs: number) => ({
        async write(name: string, source: AsyncIterable<Buffer | string>) {
          let bytes = 0;
          for await (const chunk of source) {
            bytes += chunk.length;
            reading();
            await new Promise((r) => setTimeout(r, delayMs));
          }
          return { name, bytes, sha256: '' };
        },
        async sample() {},
      });
      const read = connectorFor(node).read({ deps: stack.deps, node, subject }, slowSink(20) as never);
      read.catch(() => undefined);
      await started;
      const reader = async () =>
        (await rows("SELECT ID AS id, INFO AS info FROM information_schema.PROCESSLIST WHERE USER = 'dsar'")).filter((p) =>
          String(p.info ?? '').startsWith('SELECT `events`.* FROM `events` WHERE'),
        );
      let [engine] = await reader();
      for (let tries = 0; !engine && tries < 50; tries++) [engine] = await new Promise((r) => setTimeout(r, 100)).then(reader);
      assert.ok(engine, 'the read is running');
      await shop.query(`KILL CONNECTION ${Number(engine.id)}`);
      await assert.rejects(read, 'the read fails');
      const again = await connectorFor(node).read({ deps: stack.deps, node, subject }, slowSink(0) as never);
      assert.equal(again.rows, 100_000);
    },
  );
});
