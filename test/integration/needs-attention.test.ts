// Errors no retry can fix: a data map naming a missing table or column keeps the worker from
// starting (the same check `dsar worker` runs), and a table dropped from under a running
// deletion stops the request in needs_attention — visible to admins, mailed to the privacy team —
// until the table is back and an admin retries; then it completes with every row counted once.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Pool } from 'pg';
import { createAdminKey } from '../../api/admin-keys';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { stateQuery } from '../../schemas/contract';
import { parseDataMaps } from '../../schemas/datamap';
import { compileDataMap } from '../../schemas/datamap-graph';
import { checkStoresAtStart, StoreSchemaError } from '../../worker/store-check';
import { closeMysqlPools } from '../../activities/stores/mysql';
import { submitAndVerify, waitForErasure, waitForStatus } from '../support/flow';
import { createLegacyShop } from '../support/legacy-shop';
import { startMariaDb } from '../support/mariadb';
import { recordFaultOutcome } from '../support/fault-report';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let adminKey: string;
let demoMap: string;

before(async () => {
  stack = await startStack();
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
  demoMap = await readFile(path.join(PROJECT_ROOT, 'demo', 'datamap.yml'), 'utf8');
});
after(async () => {
  await stack?.stop();
});

const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });
const mapOf = (text: string, url = stack.db.appUrl) =>
  compileDataMap(parseDataMaps([{ name: 'demo/datamap.yml', text }], { APP_DATABASE_URL: url }));

/** The start-up check's refusal, or null when the worker would start; warnings collected. */
async function startUpCheck(text: string, url?: string): Promise<{ error: StoreSchemaError | null; warnings: string[] }> {
  const warnings: string[] = [];
  try {
    await checkStoresAtStart(mapOf(text, url), (w) => warnings.push(w));
    return { error: null, warnings };
  } catch (err) {
    assert.ok(err instanceof StoreSchemaError, String(err));
    return { error: err, warnings };
  }
}

test('start-up check: the demo map passes; a missing table, a missing column or a mask on an unknown column refuses the start, naming each path', async () => {
  assert.deepEqual(await startUpCheck(demoMap), { error: null, warnings: [] });

  const missingTable = demoMap.replace('      usage_logs:\n', '      usage_logs:\n        table: usage_log_entries\n');
  const t = await startUpCheck(missingTable);
  assert.ok(t.error);
  assert.deepEqual(t.error.problems, ['stores.app_db.collections.usage_logs: table "usage_log_entries" does not exist']);
  assert.match(t.error.message, /worker does not start/);

  const missingColumns = demoMap
    .replace('retention: { maxAge: P90D, timestamp: ts }', 'retention: { maxAge: P90D, timestamp: logged_at }')
    .replace('mask: { billing_email: hash }', 'mask: { billing_email: hash, billing_phone: "null" }');
  const c = await startUpCheck(missingColumns);
  assert.ok(c.error);
  assert.deepEqual(c.error.problems, [
    'stores.app_db.collections.billing_records: column "billing_phone" (onErasure.mask) does not exist in table "billing_records"',
    'stores.app_db.collections.usage_logs: column "logged_at" (retention.timestamp) does not exist in table "usage_logs"',
  ]);

  // a role that may only read: every collection that deletes, masks or corrects is named
  await stack.db.appDb.query("CREATE ROLE dsar_reader LOGIN PASSWORD 'reader'; GRANT SELECT ON ALL TABLES IN SCHEMA public TO dsar_reader");
  const readerUrl = stack.db.appUrl.replace(/\/\/[^@]*@/, '//dsar_reader:reader@');
  const r = await startUpCheck(demoMap, readerUrl);
  assert.ok(r.error);
  assert.ok(
    r.error.problems.includes(
      'stores.app_db.collections.usage_logs: role "dsar_reader" lacks DELETE on table "usage_logs" (needed by onErasure: delete)',
    ),
    r.error.problems.join('\n'),
  );
  assert.ok(r.error.problems.some((p) => p.startsWith('stores.app_db.collections.accounts: role "dsar_reader" lacks UPDATE')));

  // an unreachable store is a warning, not a refusal
  const down = await startUpCheck(demoMap, 'postgres://nobody@127.0.0.1:1/none');
  assert.equal(down.error, null);
  assert.equal(down.warnings.length, 1);
  assert.match(down.warnings[0], /stores\.app_db: not reachable at start/);
});

test('a table dropped under a running deletion: needs_attention with the reason, an alert mail; restored and retried, the request completes with every row counted once', async () => {
  const email = 'carol@example.com';
  const app = stack.db.appDb;
  const accountId = (await app.query('SELECT id FROM accounts WHERE email = $1', [email])).rows[0].id;
  const count = async (table: string) =>
    Number((await app.query(`SELECT count(*) AS n FROM ${table} WHERE account_id = $1`, [accountId])).rows[0].n);
  const before = {
    api_keys: await count('api_keys'),
    usage_logs: await count('usage_logs'),
    support_tickets: await count('support_tickets'),
  };
  assert.ok(before.usage_logs > 0, 'the subject has usage logs');

  // Hold usage_logs so its erase step blocks once it starts; then rename the table under it.
  const holder = new Pool({ connectionString: stack.db.appUrl, max: 1 });
  const lock = await holder.connect();
  await lock.query('BEGIN');
  await lock.query('LOCK TABLE usage_logs IN ACCESS EXCLUSIVE MODE');
  const id = await submitAndVerify(stack, 'deletion', email);
  const waiting = async () =>
    Number(
      (await app.query("SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%usage_logs%'")).rows[0]
        .n,
    ) > 0;
  for (const until = Date.now() + 30_000; !(await waiting());) {
    if (Date.now() > until) throw new Error('the erase step of usage_logs never started');
    await new Promise((r) => setTimeout(r, 100));
  }
  await lock.query('ALTER TABLE usage_logs RENAME TO usage_logs_parked');
  await lock.query('COMMIT');
  lock.release();
  await holder.end();

  await waitForStatus(stack, id, 'needs_attention', 60_000);
  const state = await stack.env.client.workflow.getHandle(id).query(stateQuery);
  assert.equal(state.status, 'needs_attention');
  assert.deepEqual(
    [state.attention?.store, state.attention?.collection, state.attention?.errorClass],
    ['app_db', 'usage_logs', 'postgres 42P01'],
  );
  assert.match(state.attention?.reason ?? '', /^relation "(public\.)?usage_logs" does not exist$/);
  assert.ok(Date.parse(state.attention?.since ?? '') > 0);
  // the alert goes out after the projection and the audit event are written
  const alert = await stack.smtp.waitFor((m) => m.to.includes(stack.config.PRIVACY_TEAM_EMAIL) && m.subject.includes('NEEDS ATTENTION'));
  assert.match(alert.text, new RegExp(id));
  assert.match(alert.text, /Collection: usage_logs/);
  assert.match(alert.text, /postgres 42P01: relation "(public\.)?usage_logs" does not exist/);
  assert.ok(!alert.text.includes(email), 'no personal data in the alert');
  const view = await stack.app.inject({ method: 'GET', url: `/v1/admin/requests/${id}`, headers: asAdmin() });
  assert.equal(view.statusCode, 200);
  assert.equal(view.json().status, 'needs_attention');
  assert.equal(view.json().attention.errorClass, 'postgres 42P01');
  const listed = await stack.app.inject({ method: 'GET', url: '/v1/admin/requests?status=needs_attention', headers: asAdmin() });
  assert.deepEqual(
    listed.json().requests.map((r: { id: string; attention: { collection: string } }) => [r.id, r.attention.collection]),
    [[id, 'usage_logs']],
  );
  const { rows: flagged } = await stack.db.engineDb.query(
    'SELECT actor, store, collection, details FROM audit_events WHERE request_id = $1 AND action = $2',
    [id, AUDIT_ACTIONS.requestNeedsAttention],
  );
  assert.equal(flagged.length, 1);
  assert.equal(flagged[0].collection, 'usage_logs');
  assert.ok(!JSON.stringify(flagged[0].details).includes(email));
  const metrics = await stack.app.inject({ method: 'GET', url: '/metrics' });
  assert.match(metrics.body, /dsar_requests_needing_attention\{type="deletion"\} 1/);

  // the other collections of the level finished and are not erased again; usage_logs rows are untouched
  assert.equal(await count('api_keys'), 0);
  assert.equal(
    Number((await app.query('SELECT count(*) AS n FROM usage_logs_parked WHERE account_id = $1', [accountId])).rows[0].n),
    before.usage_logs,
  );

  // restore, retry: the request completes
  await app.query('ALTER TABLE usage_logs_parked RENAME TO usage_logs');
  const retried = await stack.app.inject({ method: 'POST', url: `/v1/admin/requests/${id}/retry`, headers: asAdmin() });
  assert.equal(retried.statusCode, 200, retried.body);
  assert.deepEqual(retried.json(), { id, status: 'in_progress', retried: true });
  await waitForErasure(stack, id, 60_000);
  assert.equal(await count('usage_logs'), 0);

  // the erasure's counts are in the event that deactivates the account (it completes once the purge is proven);
  // the live state shows the purge date a moment before that event is written
  const completedEvent = async () =>
    (
      await stack.db.engineDb.query('SELECT details FROM audit_events WHERE request_id = $1 AND action = $2', [
        id,
        AUDIT_ACTIONS.requestDeactivated,
      ])
    ).rows;
  let completed = await completedEvent();
  for (const until = Date.now() + 15_000; !completed.length && Date.now() < until; completed = await completedEvent())
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(completed[0].details.deleted, before.api_keys + before.usage_logs + before.support_tickets);
  assert.equal(completed[0].details.remainingDue, 0);
  const { rows: retries } = await stack.db.engineDb.query('SELECT actor FROM audit_events WHERE request_id = $1 AND action = $2', [
    id,
    AUDIT_ACTIONS.requestRetried,
  ]);
  assert.deepEqual(retries, [{ actor: 'admin:privacy-lead' }]);
  const alerts = stack.smtp.mails.filter((m) => m.text.includes(id) && m.to.includes(stack.config.PRIVACY_TEAM_EMAIL));
  recordFaultOutcome({
    scenario: 'table renamed away under a running deletion, restored, retried',
    requests: 1,
    completed: 1,
    lost: 0,
    duplicateMails: alerts.length - new Set(alerts.map((m) => m.messageId)).size,
    note: `needs_attention with the reason and an alert; after retry deleted ${completed[0].details.deleted} = rows before`,
  });

  // a request that does not need attention: 409 naming its status
  const again = await stack.app.inject({ method: 'POST', url: `/v1/admin/requests/${id}/retry`, headers: asAdmin() });
  assert.equal(again.statusCode, 409);
  assert.match(again.json().message ?? again.body, /already finished|not needs_attention/);
});

test('start-up check on MariaDB: the legacy shop map passes; a missing column and a user that may only read are refused, naming each path', async () => {
  const server = await startMariaDb();
  try {
    const root = await server.connect();
    await createLegacyShop(root);
    await root.query(`CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY 'reader-pw'`);
    await root.query(`GRANT SELECT ON \`${server.database}\`.* TO 'reader'@'127.0.0.1'`);
    await root.end();
    const fixture = await readFile(path.join(PROJECT_ROOT, 'test', 'fixtures', 'mysql-store.yml'), 'utf8');
    const shop = (text: string, url = server.url) =>
      compileDataMap(parseDataMaps([{ name: 'shop.yml', text: `identities: [email, account_id]\nstores:\n${text}` }], { MYSQL_URL: url }));
    const check = async (text: string, url?: string) => {
      try {
        await checkStoresAtStart(shop(text, url), () => undefined);
        return [];
      } catch (err) {
        assert.ok(err instanceof StoreSchemaError, String(err));
        return err.problems;
      }
    };
    assert.deepEqual(await check(fixture), []);
    assert.deepEqual(await check(fixture.replace(/shipping_address: redact/, 'shipping_address: redact, gift_note: redact')), [
      'stores.legacy_db.collections.orders: column "gift_note" (onErasure.mask) does not exist in table "orders"',
    ]);
    const readerUrl = server.url.replace(/\/\/dsar:[^@]*@/, '//reader:reader-pw@');
    const reader = await check(fixture, readerUrl);
    assert.ok(
      reader.includes(
        'stores.legacy_db.collections.events: user "reader@127.0.0.1" lacks DELETE on table "events" (needed by onErasure: delete)',
      ),
      reader.join('\n'),
    );
    assert.ok(
      reader.some((p) => p.startsWith('stores.legacy_db.collections.orders: user "reader@127.0.0.1" lacks UPDATE')),
      reader.join('\n'),
    );
  } finally {
    await closeMysqlPools();
    await server.stop();
  }
});
