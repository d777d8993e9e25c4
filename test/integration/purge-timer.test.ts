// The 30-day account purge is a durable timer in the request workflow: tested with Temporal's
// Java test server skipping time, not by waiting.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stateQuery } from '../../schemas/contract';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
before(async () => {
  stack = await startStack({ timeSkipping: true });
  await stack.startWorker();
});
after(async () => stack?.stop());

test('the account is deactivated at once, purged by the due date less 2 days; billing records stay', { timeout: 120_000 }, async () => {
  const email = 'alice@example.com';
  const {
    rows: [acc],
  } = await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email]);
  const {
    rows: [req],
  } = await stack.db.engineDb.query(
    `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at)
     VALUES (gen_random_uuid(), 'deletion', 'admin', 'received', $1, 'h', now(), now() + interval '30 days') RETURNING id`,
    [email],
  );
  const handle = await stack.env.client.workflow.start('dsarRequest', {
    workflowId: req.id,
    taskQueue: stack.taskQueue,
    args: [{ requestId: req.id, type: 'deletion', verificationTimeout: '1 hour', preVerified: true }],
  });

  const notice = await stack.smtp.waitFor((m) => m.text.includes(req.id) && /deleted/.test(m.subject), 60_000);
  const purgeDay = /permanently purged on (\d{4}-\d{2}-\d{2})/.exec(notice.text)?.[1];
  assert.ok(purgeDay, 'the notice says when the purge happens');
  const status = async () => (await stack.db.appDb.query('SELECT status FROM accounts WHERE id = $1', [acc.id])).rows[0]?.status;
  assert.equal(await status(), 'deleted', 'deactivated at once');

  // Wait until the workflow sleeps on its purge timer: skipping time while a workflow task is
  // still being processed would time that task out.
  const timerDeadline = Date.now() + 30_000;
  const purgeTimerStarted = async () =>
    (await handle.fetchHistory()).events?.some(
      (e) => Number(e.timerStartedEventAttributes?.startToFireTimeout?.seconds ?? 0) > 25 * 86_400,
    );
  while (!(await purgeTimerStarted())) {
    if (Date.now() > timerDeadline) throw new Error('the purge timer was never started');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Time moves only when the test says so (see createTimeSkippingEnv).
  await stack.env.sleep('27 days');
  assert.equal(await status(), 'deleted', 'still there, deactivated, within the grace period');
  assert.equal(await handle.query(stateQuery).then((s) => s.status), 'in_progress', 'not completed before the purge');

  const { purgeAt } = await handle.query(stateQuery);
  await stack.env.sleep(Date.parse(purgeAt!) - (await stack.env.currentTimeMs()) + 1000); // just past the timer
  const deadline = Date.now() + 30_000;
  while (
    (await stack.db.engineDb.query("SELECT 1 FROM audit_events WHERE request_id = $1 AND action = 'request.purged'", [req.id])).rowCount ===
    0
  ) {
    if (Date.now() > deadline) throw new Error('the purge did not run');
    await new Promise((r) => setTimeout(r, 100));
  }
  const result = await handle.result();
  assert.equal(await status(), undefined, 'purged');
  assert.equal(result.status, 'completed');
  assert.equal(
    Date.parse(result.purgeAt!),
    Date.parse(result.dueAt!) - 2 * 86_400_000,
    'the map’s 30 days end after the due date: due less 2 days',
  );
  assert.ok(result.purgedAt);
  assert.equal(result.purgedAt!.slice(0, 10), purgeDay);
  const billing = await stack.db.appDb.query('SELECT count(*)::int AS n FROM billing_records WHERE account_id = $1', [acc.id]);
  assert.equal(billing.rows[0].n, 12, 'billing records are kept 7 years');
  const {
    rows: [purged],
  } = await stack.db.engineDb.query("SELECT details FROM audit_events WHERE request_id = $1 AND action = 'collection.purged'", [req.id]);
  assert.deepEqual([purged.details.deleted, purged.details.remainingDue], [1, 0]);
  const { rows: progress } = await stack.db.engineDb.query(
    "SELECT address, deleted::int FROM erasure_progress WHERE request_id = $1 AND operation = 'purge'",
    [req.id],
  );
  assert.deepEqual(progress, [{ address: 'app_db.accounts', deleted: 1 }], 'the purge counted where a retry would add to it');
  assert.deepEqual(
    stack.smtp.mails.filter((m) => m.text.includes(req.id) && m.to.includes(email)).map((m) => m.subject),
    ['Your data is being deleted', 'Your deletion request is complete: your account has been purged'],
    'two emails: "deactivated, purged on D", then "purged"',
  );
});
