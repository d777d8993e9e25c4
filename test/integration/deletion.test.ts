import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Redis from 'ioredis';
import { createAdminKey } from '../../api/admin-keys';
import { stateQuery } from '../../schemas/contract';
import type { PlanEntry } from '../../schemas/workflow';
import { ensureRetentionSchedule, retentionScheduleId } from '../../worker/schedules';
import { auditAnchorSecret } from '../../lib/audit-anchor';
import { verifyAuditChain } from '../../records/audit-events';
import { addAccountData } from '../../demo/seed';
import { codeFrom, submit, submitAndVerify, verify, waitForErasure, waitForStatus } from '../support/flow';
import { auditHashSecret, keyedHash } from '../../lib/keyed-hash';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let adminKey: string;
let auditorKey: string;
let redis: Redis;

before(async () => {
  stack = await startStack({ extraStores: true });
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
  auditorKey = (await createAdminKey(stack.db.engineDb, 'auditor', 'auditor')).key;
  redis = new Redis(stack.redis!.url);
});
after(async () => {
  redis?.disconnect();
  await stack?.stop();
});

const app = () => stack.app;
const asAdmin = (key = adminKey) => ({ authorization: `Bearer ${key}` });
const accountId = async (email: string) =>
  String((await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email])).rows[0].id);

/** Row counts of everything an account owns, by collection. */
async function holdings(id: string) {
  const q = async (sql: string) => Number((await stack.db.appDb.query(sql, [id])).rows[0].n);
  return {
    accounts: await q('SELECT count(*) AS n FROM accounts WHERE id = $1'),
    api_keys: await q('SELECT count(*) AS n FROM api_keys WHERE account_id = $1'),
    usage_logs: await q('SELECT count(*) AS n FROM usage_logs WHERE account_id = $1'),
    billing_records: await q('SELECT count(*) AS n FROM billing_records WHERE account_id = $1'),
    support_tickets: await q('SELECT count(*) AS n FROM support_tickets WHERE account_id = $1'),
  };
}

async function seedCache(id: string) {
  await redis.set(`chart:${id}:usage-7d`, 'x');
  await redis.set(`chart:${id}:usage-30d`, 'x');
  await redis.set(`session:${id}:s1`, 'x');
}

async function completeManualTask(id: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const state = await stack.env.client.workflow.getHandle(id).query(stateQuery);
    if (state.progress.find((p) => p.store === 'helpdesk_archive')?.state === 'waiting') break;
    if (Date.now() > deadline) throw new Error('manual task never opened');
    await new Promise((r) => setTimeout(r, 100));
  }
  const url = `/v1/admin/requests/${id}/manual-tasks/helpdesk_archive/complete`;
  const payload = { note: 'Threads deleted from the archive by hand.' };
  assert.equal((await app().inject({ method: 'POST', url, payload })).statusCode, 401, 'no key');
  assert.equal((await app().inject({ method: 'POST', url, payload, headers: asAdmin('dsar_wrong') })).statusCode, 401, 'wrong key');
  assert.equal((await app().inject({ method: 'POST', url, payload, headers: asAdmin(auditorKey) })).statusCode, 403, 'auditors read only');
  const res = await app().inject({ method: 'POST', url, payload, headers: asAdmin() });
  assert.equal(res.statusCode, 200, res.body);
}

describe('deletion request', () => {
  test('a deletion does what the plan said, keeps billing masked and restricted, and leaves neighbours alone', async () => {
    const email = 'alice@example.com';
    const id = await accountId(email);
    const neighbour = await accountId('bob@example.com');
    await seedCache(id);
    await seedCache(neighbour);
    stack.processor!.customers.set(id, { id, email, name: 'at the processor', invoices: [] });
    const neighbourBefore = await holdings(neighbour);
    const before = await holdings(id);
    stack.processor!.failNext(2); // the processor is down for a moment: Temporal retries

    const planRes = await app().inject({ method: 'POST', url: '/v1/plans', payload: { email, type: 'deletion' }, headers: asAdmin() });
    assert.equal(planRes.statusCode, 200, planRes.body);
    const plan: PlanEntry[] = planRes.json().entries;
    assert.deepEqual(await holdings(id), before, 'a plan changes nothing');
    assert.equal(await redis.exists(`session:${id}:s1`), 1);

    const requestId = await submitAndVerify(stack, 'deletion', email);
    await completeManualTask(requestId);
    await waitForErasure(stack, requestId);
    const state = await stack.env.client.workflow.getHandle(requestId).query(stateQuery);
    const outcomes = state.outcomes!;

    // the plan, row for row
    for (const p of plan) {
      const o = outcomes.find((x) => x.store === p.store && x.collection === p.collection)!;
      assert.equal(o.action, p.action, `${p.collection} action`);
      const did = {
        delete: o.deleted,
        mask: o.masked,
        retain: o.retained,
        purge: o.softDeleted,
        notify: o.deleted,
        manual: 0,
        held: o.retained,
      }[o.action];
      assert.equal(did, p.rows, `${p.store}.${p.collection}: plan ${p.rows}, did ${did}`);
      assert.equal(o.remainingDue, 0, `${p.collection}: proof of deletion`);
    }
    assert.equal(plan.find((p) => p.collection === 'usage_logs')!.rows, before.usage_logs);

    const after = await holdings(id);
    assert.deepEqual(
      { api_keys: after.api_keys, usage_logs: after.usage_logs, support_tickets: after.support_tickets },
      { api_keys: 0, usage_logs: 0, support_tickets: 0 },
    );
    assert.equal(after.billing_records, before.billing_records, 'billing records are kept');
    const { rows: bills } = await stack.db.appDb.query(
      'SELECT billing_email, issued_at, restricted_until FROM billing_records WHERE account_id = $1',
      [id],
    );
    for (const b of bills) {
      assert.match(b.billing_email, /^sha256:[0-9a-f]{64}$/, 'the email is hashed');
      const expected = new Date(b.issued_at);
      expected.setUTCFullYear(expected.getUTCFullYear() + 7);
      assert.equal(
        new Date(b.restricted_until).toISOString().slice(0, 10),
        expected.toISOString().slice(0, 10),
        'restricted until issued + 7 years',
      );
    }
    const {
      rows: [acc],
    } = await stack.db.appDb.query('SELECT status, deleted_at FROM accounts WHERE id = $1', [id]);
    assert.equal(acc.status, 'deleted', 'deactivated at once');
    assert.ok(acc.deleted_at);
    assert.equal(after.accounts, 1, 'purged only after the grace period');

    assert.deepEqual(await redis.keys(`*:${id}:*`), [], 'cache and sessions gone');
    assert.equal((await redis.keys(`*:${neighbour}:*`)).length, 3, "the neighbour's keys stay");
    const deletes = stack.processor!.calls.filter((c) => c.method === 'DELETE' && c.path === `/v1/customers/${id}`);
    assert.equal(deletes.length, 3, 'two failures, then one successful call');

    assert.deepEqual(await holdings(neighbour), neighbourBefore, "a neighbour's rows are untouched");
    const {
      rows: [neighbourAcc],
    } = await stack.db.appDb.query('SELECT status FROM accounts WHERE id = $1', [neighbour]);
    assert.equal(neighbourAcc.status, 'active');

    const notice = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /deleted/.test(m.subject));
    assert.match(notice.text, /permanently purged on \d{4}-\d{2}-\d{2}/);
    assert.match(notice.text, /told these service providers, who process your data for us, to delete it: Payment processor\./);
    assert.match(notice.text, /GDPR Art\. 17\(3\)\(b\)/);
    assert.equal(stack.smtp.mails.filter((m) => m.text.includes(requestId) && /deleted/.test(m.subject)).length, 1);

    const { rows: audit } = await stack.db.engineDb.query(
      "SELECT collection, details FROM audit_events WHERE request_id = $1 AND action = 'collection.erased'",
      [requestId],
    );
    assert.equal(audit.length, plan.length);
    assert.ok(!JSON.stringify(audit).includes(email));
  });

  test('a subject under a legal hold keeps everything: the deletion waits on_hold, and the hold is audited', async () => {
    const email = 'carol@example.com';
    const id = await accountId(email);
    const before = await holdings(id);
    const hold = await app().inject({
      method: 'POST',
      url: '/v1/admin/legal-holds',
      payload: { email, reason: 'litigation 2026-114' },
      headers: asAdmin(),
    });
    assert.equal(hold.statusCode, 201);
    const requestId = await submitAndVerify(stack, 'deletion', email);
    await waitForStatus(stack, requestId, 'on_hold');
    assert.deepEqual(await holdings(id), before);
    const notice = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /postponed/.test(m.subject));
    assert.match(notice.text, /legal hold/);
    const { rows } = await stack.db.engineDb.query(
      "SELECT action FROM audit_events WHERE details->>'holdId' = $1 OR (request_id = $2 AND action = 'request.on_hold') ORDER BY seq",
      [hold.json().id, requestId],
    );
    assert.deepEqual(
      rows.map((r) => r.action),
      ['legal_hold.placed', 'request.on_hold'],
    );
  });
});

describe('retention sweep', () => {
  test('deletes usage rows past 90 days and billing past 7 years, keeps younger ones, skips held subjects', async () => {
    const db = stack.db.appDb;
    const {
      rows: [fresh],
    } = await db.query("INSERT INTO accounts (email, name) VALUES ('sweep@example.com', 'Sweep') RETURNING id");
    const {
      rows: [held],
    } = await db.query("INSERT INTO accounts (email, name) VALUES ('held@example.com', 'Held') RETURNING id");
    await addAccountData(db, fresh.id, 0);
    const usage = (acc: string, age: string) =>
      db.query(
        `INSERT INTO usage_logs (account_id, ts, method, endpoint, status, latency_ms) VALUES ($1, now() - $2::interval, 'GET', '/v1/x', 200, 5)`,
        [acc, age],
      );
    const bill = (acc: string, age: string, n: string) =>
      db.query(
        `INSERT INTO billing_records (account_id, invoice_number, billing_email, billing_name, amount_cents, issued_at) VALUES ($1, $3, 'x@example.com', 'X', 100, now() - $2::interval)`,
        [acc, age, n],
      );
    await db.query("DELETE FROM usage_logs WHERE ts < now() - interval '89 days'"); // start from a known state
    await usage(fresh.id, '91 days');
    await usage(fresh.id, '89 days');
    await usage(held.id, '91 days');
    await bill(fresh.id, '7 years 1 day', 'OLD-1');
    await bill(fresh.id, '7 years -1 day', 'YOUNG-1');
    await bill(held.id, '7 years 1 day', 'OLD-HELD');
    await app().inject({
      method: 'POST',
      url: '/v1/admin/legal-holds',
      payload: { email: 'held@example.com', reason: 'tax audit' },
      headers: asAdmin(),
    });

    const results = await stack.env.client.workflow.execute('retentionSweep', {
      workflowId: `sweep-test-${Date.now()}`,
      taskQueue: stack.taskQueue,
    });
    const count = async (sql: string, p: unknown[]) => Number((await db.query(sql, p)).rows[0].n);
    assert.equal(
      await count("SELECT count(*) AS n FROM usage_logs WHERE account_id = $1 AND ts < now() - interval '90 days'", [fresh.id]),
      0,
    );
    assert.equal(
      await count("SELECT count(*) AS n FROM usage_logs WHERE account_id = $1 AND ts > now() - interval '90 days'", [fresh.id]),
      1,
    );
    assert.equal(await count('SELECT count(*) AS n FROM usage_logs WHERE account_id = $1', [held.id]), 1, 'held rows stay');
    assert.equal(await count("SELECT count(*) AS n FROM billing_records WHERE invoice_number = 'OLD-1'", []), 0);
    assert.equal(await count("SELECT count(*) AS n FROM billing_records WHERE invoice_number = 'YOUNG-1'", []), 1);
    assert.equal(await count("SELECT count(*) AS n FROM billing_records WHERE invoice_number = 'OLD-HELD'", []), 1);
    const usageResult = (results as { collection: string; rule: string; deleted: number; heldSkipped: number }[]).find(
      (r) => r.collection === 'usage_logs',
    )!;
    assert.equal(usageResult.heldSkipped, 1);
    assert.ok(usageResult.deleted >= 1);
    const {
      rows: [event],
    } = await stack.db.engineDb.query("SELECT details FROM audit_events WHERE action = 'retention.sweep' ORDER BY seq DESC LIMIT 1");
    assert.ok(
      event.details.collections.some(
        (c: { target: string; heldSkipped: number }) => c.target === 'app_db.usage_logs' && c.heldSkipped === 1,
      ),
    );

    // the daily run anchors the audit chain's head, its own sweep event included
    const {
      rows: [sweepEvent],
    } = await stack.db.engineDb.query("SELECT seq, hash FROM audit_events WHERE action = 'retention.sweep' ORDER BY seq DESC LIMIT 1");
    const {
      rows: [anchor],
    } = await stack.db.engineDb.query('SELECT seq, hash FROM audit_anchors ORDER BY id DESC LIMIT 1');
    assert.ok(anchor, 'an anchor was written');
    assert.ok(Number(anchor.seq) >= Number(sweepEvent.seq));
    const verdict = await verifyAuditChain(stack.db.engineDb, 5000, { anchorSecret: auditAnchorSecret(stack.config) });
    assert.equal(verdict.ok, true, JSON.stringify(verdict));
    assert.equal(verdict.anchor?.seq, Number(anchor.seq));
  });

  test('one daily schedule per task queue, created once and re-applied idempotently; neither queue touches the other', async () => {
    const client = stack.env.client;
    const other = `${stack.taskQueue}-other`;
    assert.equal(await ensureRetentionSchedule(client, stack.taskQueue), 'created');
    assert.equal(await ensureRetentionSchedule(client, other, '5 4 * * *'), 'created');
    const describe = async (queue: string) => {
      const d = await client.schedule.getHandle(retentionScheduleId(queue)).describe();
      assert.equal(d.action.type, 'startWorkflow');
      return { workflowType: d.action.workflowType, taskQueue: d.action.taskQueue, calendars: JSON.stringify(d.spec.calendars) };
    };
    const ours = await describe(stack.taskQueue);
    const theirs = await describe(other);
    assert.equal(ours.workflowType, 'retentionSweep');
    assert.equal(ours.taskQueue, stack.taskQueue);
    assert.equal(theirs.taskQueue, other);
    assert.notEqual(ours.calendars, theirs.calendars, 'each keeps its own spec');
    // re-applying either changes only its own schedule, and leaves it as it was
    assert.equal(await ensureRetentionSchedule(client, other, '5 4 * * *'), 'updated');
    assert.equal(await ensureRetentionSchedule(client, stack.taskQueue), 'updated');
    assert.deepEqual(await describe(stack.taskQueue), ours);
    assert.deepEqual(await describe(other), theirs);
    await client.schedule.getHandle(retentionScheduleId(other)).delete();
  });
});

describe('correction request', () => {
  test('a correction changes the field in every collection that holds it, and nowhere else; the audit holds keyed hashes only', async () => {
    const email = 'bob@example.com';
    const id = await accountId(email);
    const neighbour = await accountId('user1@example.net');
    const snapshot = async (acc: string) => ({
      accounts: (await stack.db.appDb.query('SELECT email, name, company, plan, status FROM accounts WHERE id = $1', [acc])).rows,
      billing: (
        await stack.db.appDb.query(
          'SELECT billing_email, billing_name, amount_cents FROM billing_records WHERE account_id = $1 ORDER BY id',
          [acc],
        )
      ).rows,
    });
    const before = await snapshot(id);
    stack.processor!.customers.set(id, { id, email, name: 'Bob Keller', invoices: [] });
    const neighbourBefore = await snapshot(neighbour);
    const newName = 'Robert Keller-Smith';
    const { body } = await submit(stack, { type: 'correction', email, corrections: { name: newName } });
    const mail = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /Confirm/.test(m.subject));
    assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
    await waitForStatus(stack, body.id, 'completed');

    const after = await snapshot(id);
    assert.equal(after.accounts[0].name, newName);
    assert.ok(
      after.billing.every((b) => b.billing_name === newName),
      'the billing name (category user.name) too',
    );
    assert.deepEqual({ ...after.accounts[0], name: undefined }, { ...before.accounts[0], name: undefined }, 'nothing else changed');
    assert.deepEqual(
      after.billing.map((b) => [b.billing_email, b.amount_cents]),
      before.billing.map((b) => [b.billing_email, b.amount_cents]),
    );
    assert.deepEqual(await snapshot(neighbour), neighbourBefore, "a neighbour's rows are untouched");

    const patch = stack.processor!.calls.find((c) => c.method === 'PATCH' && c.path === `/v1/customers/${id}`);
    assert.ok(patch, 'the processor is told (Art. 19)');
    const { rows: audit } = await stack.db.engineDb.query('SELECT details FROM audit_events WHERE request_id = $1', [body.id]);
    const text = JSON.stringify(audit);
    assert.ok(!text.includes(newName) && !text.includes('Bob Keller'), 'no values in the audit');
    const accountsChange = audit.flatMap((a) => a.details.changes ?? []).find((c: { column: string }) => c.column === 'name');
    const keyed = (v: string) => keyedHash(auditHashSecret(stack.config), v);
    assert.equal(accountsChange.newHash, keyed(newName));
    assert.deepEqual(accountsChange.oldHash, [keyed('Bob Keller')]);
    const done = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /corrected/.test(m.subject));
    assert.match(done.text, /app db accounts: name/);
    assert.match(done.text, /app db billing records: name/);
    assert.match(done.text, /told these service providers, who process your data for us: Payment processor\./);
    assert.match(
      done.text,
      /could not pass the correction on to these places:\n {2}- Archived helpdesk mailbox \(no API\): the data map names this store for deletion only/,
    );
  });
});
