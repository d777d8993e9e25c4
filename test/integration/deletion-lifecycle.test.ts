// A deletion's lifecycle on the real stack, with Temporal's Java test server skipping time where
// timers are involved: a legal hold makes it wait on_hold and its release resumes it; the account
// purge runs inside the deadline and is proven before the request completes; a purge that leaves
// rows escalates instead of reporting done; held rows survive the retention sweep after the
// account is gone; progress counts each row once.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { createAdminKey } from '../../api/admin-keys';
import { addAccountData } from '../../demo/seed';
import { stateQuery, verifyUpdate } from '../../schemas/contract';
import type { DsarRequestState } from '../../schemas/workflow';
import { waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

const DAY = 86_400_000;
let stack: Stack;
let adminKey: string;
before(async () => {
  stack = await startStack({ timeSkipping: true });
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
});
after(async () => stack?.stop());

const asAdmin = () => ({ authorization: `Bearer ${adminKey}` });
const accountId = async (email: string) =>
  String((await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email])).rows[0].id);

/** Row counts of everything an account owns, by collection (counted in the product database). */
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

async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const auditCount = async (requestId: string, action: string) =>
  Number(
    (await stack.db.engineDb.query('SELECT count(*) AS n FROM audit_events WHERE request_id = $1 AND action = $2', [requestId, action]))
      .rows[0].n,
  );

/** Waits until the workflow sleeps on a timer of at least `minMs` (skipping time while a task runs would time it out). */
async function timerStarted(handle: WorkflowHandle, minMs: number): Promise<void> {
  await until('the purge timer', async () =>
    (await handle.fetchHistory()).events?.some(
      (e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0) * 1000 >= minMs,
    ),
  );
}

/** Skips time to just past the request's purge. */
async function skipPastPurge(handle: WorkflowHandle): Promise<void> {
  const { purgeAt } = (await handle.query(stateQuery)) as DsarRequestState;
  assert.ok(purgeAt, 'the purge instant is visible in the state');
  await timerStarted(handle, Math.max(1000, Date.parse(purgeAt) - (await stack.env.currentTimeMs()) - 60_000));
  await stack.env.sleep(Date.parse(purgeAt) - (await stack.env.currentTimeMs()) + 1000);
}

/** A request row and its workflow started directly, received `receivedDaysAgo` days ago in workflow time. */
async function startDeletion(email: string, jurisdiction: 'gdpr' | 'ccpa', opts: { preVerified: boolean; verificationDays?: number }) {
  const now = await stack.env.currentTimeMs();
  const {
    rows: [req],
  } = await stack.db.engineDb.query(
    `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, jurisdiction)
     VALUES (gen_random_uuid(), 'deletion', 'admin', 'received', $1, $4, $2, $2::timestamptz + interval '45 days', $3) RETURNING id`,
    [email, new Date(now), jurisdiction, createHash('sha256').update(email).digest('hex')],
  );
  const handle = await stack.env.client.workflow.start('dsarRequest', {
    workflowId: req.id,
    taskQueue: stack.taskQueue,
    args: [
      {
        requestId: req.id,
        type: 'deletion',
        receivedAt: new Date(now).toISOString(),
        jurisdiction,
        verificationTimeout: `${opts.verificationDays ?? 1} days`,
        preVerified: opts.preVerified,
        purgeMarginDays: 2,
        // the company's own policy no stricter than the law here: the law's 45 days (CCPA) apply
        policyDays: 45,
      },
    ],
  });
  return { requestId: String(req.id), handle, receivedAt: now };
}

test(
  'GDPR Art. 17(3)(e): a deletion under a legal hold deletes nothing and waits on_hold; releasing the hold resumes it within a minute and the subject is told',
  { timeout: 180_000 },
  async () => {
    const email = 'alice@example.com';
    const id = await accountId(email);
    const before = await holdings(id);
    const hold = await stack.app.inject({
      method: 'POST',
      url: '/v1/admin/legal-holds',
      payload: { email, reason: 'internal: litigation 2026-114, counsel J. Doe', category: 'legal_claims' },
      headers: asAdmin(),
    });
    assert.equal(hold.statusCode, 201, hold.body);
    assert.equal(hold.json().identitiesResolved, true, 'the hold stored its subject’s identities when placed');
    const stored = await stack.db.engineDb.query(
      "SELECT value FROM legal_hold_identity_values WHERE hold_id = $1 AND identity = 'account_id'",
      [hold.json().id],
    );
    assert.deepEqual(
      stored.rows.map((r) => r.value),
      [id],
    );

    const submitted = await stack.app.inject({
      method: 'POST',
      url: '/v1/requests',
      payload: { type: 'deletion', email, jurisdiction: 'gdpr' },
    });
    assert.equal(submitted.statusCode, 202, submitted.body);
    const requestId = submitted.json().id as string;
    const statusToken = submitted.json().statusToken as string;
    const confirm = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /Confirm/.test(m.subject));
    const code = /confirm with the code: (\S+)/.exec(confirm.text)![1];
    assert.equal(
      (await stack.app.inject({ method: 'POST', url: `/v1/requests/${requestId}/verify`, payload: { token: code } })).statusCode,
      200,
    );

    const view = await waitForStatus(stack, requestId, 'on_hold', 60_000, statusToken);
    assert.equal(view.holdCategory, 'legal_claims');
    assert.deepEqual(await holdings(id), before, 'nothing of the held subject is deleted');
    const held = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /postponed/.test(m.subject));
    assert.match(held.text, /Nothing has been deleted so far/);
    assert.match(held.text, /establish, exercise or defend legal claims/);
    assert.match(held.text, /GDPR Art\. 17\(3\)\(e\)/);
    assert.doesNotMatch(held.text, /2026-114|J\. Doe|internal/, 'the hold’s internal notes are never told');
    assert.equal(await auditCount(requestId, 'request.completed'), 0, 'a held deletion is not completed');
    const report = await stack.db.engineDb.query("SELECT count(*)::int AS n FROM requests WHERE id = $1 AND status = 'completed'", [
      requestId,
    ]);
    assert.equal(report.rows[0].n, 0, 'and not counted complied');

    const released = Date.now();
    const release = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/legal-holds/${hold.json().id}/release`,
      payload: { reason: 'case closed' },
      headers: asAdmin(),
    });
    assert.equal(release.statusCode, 200, release.body);
    assert.equal(release.json().requestsResumed, 1, 'the release signalled the waiting request');
    const erasing = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /being deleted/.test(m.subject), 60_000);
    assert.ok(Date.now() - released < 60_000, 'resumed within a minute');
    const purgeDay = /permanently purged on (\d{4}-\d{2}-\d{2})/.exec(erasing.text)?.[1];
    assert.ok(purgeDay, 'the subject is told the day of the purge');
    const afterErasure = await holdings(id);
    assert.deepEqual(
      { ...afterErasure, accounts: undefined },
      { ...before, accounts: undefined, api_keys: 0, usage_logs: 0, support_tickets: 0 },
      'deleted at once; billing is retained by law',
    );
    const { rows: acc } = await stack.db.appDb.query('SELECT status FROM accounts WHERE id = $1', [id]);
    assert.equal(acc[0].status, 'deleted', 'the account is deactivated at once');
    assert.equal((await waitForStatus(stack, requestId, 'in_progress', 10_000, statusToken)).purgeAt.slice(0, 10), purgeDay);

    const handle = stack.env.client.workflow.getHandle(requestId);
    await skipPastPurge(handle);
    const done = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /purged/.test(m.subject), 60_000);
    assert.match(done.text, /is complete/);
    await waitForStatus(stack, requestId, 'completed', 60_000);
    assert.equal((await holdings(id)).accounts, 0, 'the account row is gone');
    assert.equal(await auditCount(requestId, 'request.purged'), 1);
  },
);

test('held retained rows survive the retention sweep after the account is purged', { timeout: 120_000 }, async () => {
  // alice's account was purged above; her 12 billing rows are retained. A hold placed now reaches them
  // through the identities her request resolved to, though her address finds nothing any more.
  const email = 'alice@example.com';
  const { rows } = await stack.db.engineDb.query(
    "SELECT value FROM subject_identity_values v JOIN requests r ON r.id = v.request_id WHERE r.subject_email = $1 AND v.identity = 'account_id'",
    [email],
  );
  const aliceId = rows[0].value as string;
  assert.equal((await holdings(aliceId)).accounts, 0, 'the account is purged');
  const {
    rows: [{ id: control }],
  } = await stack.db.appDb.query("INSERT INTO accounts (email, name) VALUES ('control@example.com', 'Control') RETURNING id::text AS id");
  await stack.db.appDb.query(
    `INSERT INTO billing_records (account_id, invoice_number, billing_email, billing_name, amount_cents, issued_at)
     VALUES ($1, 'CONTROL-1', 'control@example.com', 'Control', 100, now())`,
    [control],
  );
  await stack.db.appDb.query("UPDATE billing_records SET issued_at = now() - interval '8 years' WHERE account_id = ANY($1::bigint[])", [
    [aliceId, control],
  ]);
  const aliceBilling = (await holdings(aliceId)).billing_records;
  assert.ok(aliceBilling > 0);
  assert.ok((await holdings(control)).billing_records > 0);

  const hold = await stack.app.inject({
    method: 'POST',
    url: '/v1/admin/legal-holds',
    payload: { email, reason: 'tax audit 2027', category: 'regulatory_investigation' },
    headers: asAdmin(),
  });
  assert.equal(hold.statusCode, 201, hold.body);
  await stack.env.client.workflow.execute('retentionSweep', { workflowId: `sweep-${Date.now()}`, taskQueue: stack.taskQueue });
  assert.equal((await holdings(aliceId)).billing_records, aliceBilling, 'the held subject’s billing rows past 7 years stay');
  assert.equal((await holdings(control)).billing_records, 0, 'an unheld subject’s rows past 7 years are swept');
});

test('CCPA §7022: the account is purged within 45 days of receipt, however late it was verified', { timeout: 180_000 }, async () => {
  const email = 'bob@example.com';
  const id = await accountId(email);
  const before = await holdings(id);
  const { requestId, handle, receivedAt } = await startDeletion(email, 'ccpa', { preVerified: false, verificationDays: 44 });
  await timerStarted(handle, 30 * DAY); // waits for the code (a 44-day window here) beside the deadline clock
  await stack.env.sleep(40 * DAY);
  await handle.executeUpdate(verifyUpdate);
  const state = await until('the deactivation', async () => {
    const s = (await handle.query(stateQuery)) as DsarRequestState;
    return s.purgeAt ? s : undefined;
  });
  const dueAt = Date.parse(state.dueAt!);
  assert.equal(dueAt, receivedAt + 45 * DAY, 'due 45 days after receipt');
  assert.ok(Date.parse(state.purgeAt!) <= dueAt - 2 * DAY, 'the purge is set no later than the due date less the margin');
  assert.equal(state.status, 'in_progress', 'not completed before the purge');
  assert.equal(await auditCount(requestId, 'request.completed'), 0);

  // progress counts each row once: per collection, the rows the product database held
  const rows = Object.fromEntries(state.progress.map((p) => [p.collection, p.rows]));
  assert.deepEqual(
    {
      accounts: rows.accounts,
      api_keys: rows.api_keys,
      usage_logs: rows.usage_logs,
      billing_records: rows.billing_records,
      support_tickets: rows.support_tickets,
    },
    before,
  );

  await skipPastPurge(handle);
  const result = (await handle.result()) as DsarRequestState;
  assert.equal(result.status, 'completed');
  assert.ok(Date.parse(result.purgedAt!) <= receivedAt + 45 * DAY, 'purged within 45 days of receipt');
  assert.equal((await holdings(id)).accounts, 0, 'the account row is gone');
  const { rows: done } = await stack.db.engineDb.query("SELECT completed_at FROM requests WHERE id = $1 AND status = 'completed'", [
    requestId,
  ]);
  assert.equal(done.length, 1);
  const mails = stack.smtp.mails.filter((m) => m.text.includes(requestId) && m.to.includes(email) && !/Confirm/.test(m.subject));
  assert.deepEqual(
    mails.map((m) => m.subject),
    // CCPA §7021: the receipt is acknowledged first
    ['We received your privacy request', 'Your data is being deleted', 'Your deletion request is complete: your account has been purged'],
    'told "deactivated, purged on D", then "purged"',
  );
});

test('a purge that leaves rows does not report request.purged and escalates to the privacy team', { timeout: 180_000 }, async () => {
  const email = 'carol@example.com';
  const id = await accountId(email);
  // something in the product keeps the row (a rule, a trigger, a replica writing it back): the delete does nothing
  await stack.db.appDb.query(`CREATE FUNCTION keep_account() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`);
  await stack.db.appDb.query(
    `CREATE TRIGGER keep_account BEFORE DELETE ON accounts FOR EACH ROW WHEN (OLD.id = ${Number(id)}) EXECUTE FUNCTION keep_account()`,
  );
  try {
    const { requestId, handle } = await startDeletion(email, 'gdpr', { preVerified: true });
    await until('the deactivation', async () => (await handle.query(stateQuery)).purgeAt);
    await skipPastPurge(handle);
    const alert = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /NEEDS ATTENTION/.test(m.subject), 60_000);
    assert.match(alert.text, /still there after the purge/);
    assert.ok(alert.to.includes(stack.config.PRIVACY_TEAM_EMAIL));
    const state = (await handle.query(stateQuery)) as DsarRequestState;
    assert.equal(state.status, 'needs_attention');
    assert.equal(state.attention?.collection, 'accounts');
    assert.equal(await auditCount(requestId, 'request.purged'), 0, 'never logged purged while rows remain');
    assert.equal(await auditCount(requestId, 'request.completed'), 0);
    assert.equal(
      stack.smtp.mails.filter((m) => m.text.includes(requestId) && /purged/.test(m.subject)).length,
      0,
      'the subject is not told it is done',
    );

    await stack.db.appDb.query('DROP TRIGGER keep_account ON accounts');
    const retry = await stack.app.inject({ method: 'POST', url: `/v1/admin/requests/${requestId}/retry`, headers: asAdmin() });
    assert.equal(retry.statusCode, 200, retry.body);
    const result = (await handle.result()) as DsarRequestState;
    assert.equal(result.status, 'completed');
    assert.equal((await holdings(id)).accounts, 0);
    assert.equal(await auditCount(requestId, 'request.purged'), 1);
  } finally {
    await stack.db.appDb.query('DROP TRIGGER IF EXISTS keep_account ON accounts');
  }
});

test(
  'a hold placed during the grace period postpones the purge: on_hold, the account stays deactivated, the subject told; the release purges it',
  { timeout: 180_000 },
  async () => {
    const email = 'grace@example.com';
    const {
      rows: [{ id }],
    } = await stack.db.appDb.query("INSERT INTO accounts (email, name) VALUES ($1, 'Grace') RETURNING id::text AS id", [email]);
    await addAccountData(stack.db.appDb, id, 0);
    const { requestId, handle } = await startDeletion(email, 'gdpr', { preVerified: true });
    const { purgeAt } = await until('the deactivation', async () => {
      const s = (await handle.query(stateQuery)) as DsarRequestState;
      return s.purgeAt ? s : undefined;
    });
    const hold = await stack.app.inject({
      method: 'POST',
      url: '/v1/admin/legal-holds',
      payload: { email, reason: 'statutory retention order', category: 'legal_obligation' },
      headers: asAdmin(),
    });
    assert.equal(hold.statusCode, 201, hold.body);
    const left = Date.parse(purgeAt!) - (await stack.env.currentTimeMs());
    if (left > 0) {
      await timerStarted(handle, Math.max(1000, left - 60_000));
      await stack.env.sleep(left + 1000);
    }
    await until('on_hold at the purge', async () => ((await handle.query(stateQuery)) as DsarRequestState).status === 'on_hold');
    const postponed = await stack.smtp.waitFor((m) => m.text.includes(requestId) && /postponed/.test(m.subject), 30_000);
    assert.match(postponed.text, /permanent purge of your deactivated account, planned for \d{4}-\d{2}-\d{2}/);
    assert.match(postponed.text, /GDPR Art\. 17\(3\)\(b\)/);
    const { rows: acc } = await stack.db.appDb.query('SELECT status FROM accounts WHERE id = $1', [id]);
    assert.deepEqual(acc, [{ status: 'deleted' }], 'deactivated, not purged, while held');
    assert.equal(await auditCount(requestId, 'request.purged'), 0);

    const release = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/legal-holds/${hold.json().id}/release`,
      payload: { reason: 'order lifted' },
      headers: asAdmin(),
    });
    assert.equal(release.json().requestsResumed, 1);
    const result = (await handle.result()) as DsarRequestState;
    assert.equal(result.status, 'completed');
    assert.equal((await holdings(id)).accounts, 0, 'purged once released');
    await stack.smtp.waitFor((m) => m.text.includes(requestId) && /purged/.test(m.subject), 30_000);
  },
);
