// Which law a request answers to is decided by the engine — configuration, the requester's label,
// a declared residence and the residence the product's own records hold — and the strictest
// limits apply; CCPA requests are acknowledged (§7021). Real stack: PostgreSQL, Temporal, SMTP.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdminKey } from '../../api/admin-keys';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { codeFrom, submit, verify, waitForErasure, waitForStatus } from '../support/flow';
import { startStack, productToken, type Stack } from '../support/stack';

let stack: Stack;
let admin: Record<string, string>;
before(async () => {
  stack = await startStack({ extraMaps: ['test/fixtures/jurisdiction-from.yml'] });
  // the product records where each account holder lives
  await stack.db.appDb.query('ALTER TABLE accounts ADD COLUMN country text');
  await stack.db.appDb.query("UPDATE accounts SET country = 'DE' WHERE email = 'user7@example.net'");
  await stack.db.appDb.query("UPDATE accounts SET country = 'US-CA' WHERE email = 'user8@example.net'");
  // a deployment that promises 60 days: only the laws can shorten it
  stack.config.RESPONSE_DAYS = 60;
  await stack.startWorker();
  admin = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'lead', 'admin')).key}` };
});
after(async () => stack?.stop());

const DAY = 86_400_000;
const vouch = (email: string) => productToken(email);

/** One calendar month later, worked out here: the same day next month, or its last day. */
function oneMonthAfter(t: number): number {
  const r = new Date(t);
  const lastDay = new Date(Date.UTC(r.getUTCFullYear(), r.getUTCMonth() + 2, 0)).getUTCDate();
  return Date.UTC(r.getUTCFullYear(), r.getUTCMonth() + 1, Math.min(r.getUTCDate(), lastDay)) + (t % DAY);
}

/** Ten business days later, counted one day at a time. */
function tenBusinessDaysAfter(t: number): number {
  let at = t;
  for (let left = 10; left > 0;) {
    at += DAY;
    const wd = new Date(at).getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return at;
}

const row = async (id: string) =>
  (
    await stack.db.engineDb.query<{
      jurisdiction: string;
      jurisdictions: string[];
      due_at: Date;
      received_at: Date;
      residence: string | null;
    }>('SELECT jurisdiction, jurisdictions, due_at, received_at, residence FROM requests WHERE id = $1', [id])
  ).rows[0];
/** The request's audit events of one action, once there is one (the mail may be caught before its event is written). */
async function auditOf(id: string, action: string) {
  for (let waited = 0; ; waited += 100) {
    const { rows } = await stack.db.engineDb.query('SELECT details FROM audit_events WHERE request_id = $1 AND action = $2', [id, action]);
    if (rows.length || waited > 10_000) return rows;
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('CCPA §7021: a CCPA request is acknowledged within 10 business days', async () => {
  // one waiting for verification, one pre-verified by the product: both are acknowledged at once
  const waiting = await submit(stack, { type: 'export', email: 'user3@example.net', jurisdiction: 'ccpa' });
  const preVerified = await submit(
    stack,
    { type: 'deletion', email: 'user4@example.net', jurisdiction: 'ccpa' },
    { 'x-subject-token': await vouch('user4@example.net') },
  );
  const policy = await submit(stack, { type: 'export', email: 'user5@example.net' });
  for (const r of [waiting, preVerified, policy]) assert.equal(r.status, 202, JSON.stringify(r.body));

  for (const { body } of [waiting, preVerified]) {
    const received = Date.parse(body.receivedAt);
    const ack = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /We received your privacy request/.test(m.subject));
    assert.ok(Date.now() <= tenBusinessDaysAfter(received), 'sent within 10 business days of receipt (here: at once)');
    assert.match(ack.text, /How we process it/);
    assert.match(ack.text, new RegExp(`response by ${body.dueAt.slice(0, 10)}`), 'says when to expect the answer');
    const [event] = await auditOf(body.id, AUDIT_ACTIONS.requestAcknowledged);
    assert.equal(event?.details.basis, 'CCPA 11 CCR §7021');
    assert.equal(event.details.dueAt, body.dueAt);
  }
  await waitForErasure(stack, preVerified.body.id); // a deletion completes at its purge; the acknowledgement came first
  await stack.smtp.waitFor((m) => m.text.includes(policy.body.id) && /Confirm/.test(m.subject));
  assert.equal(
    stack.smtp.mails.filter((m) => m.text.includes(policy.body.id) && /We received/.test(m.subject)).length,
    0,
    'no CCPA acknowledgement where the CCPA does not apply',
  );
  assert.equal(stack.smtp.mails.filter((m) => m.text.includes(preVerified.body.id) && /We received/.test(m.subject)).length, 1, 'once');
});

test("a requester's ccpa label cannot loosen an EU subject's deadline: a declared residence in France keeps GDPR's month", async () => {
  const { status, body } = await submit(stack, { type: 'export', email: 'user9@example.net', jurisdiction: 'ccpa', residence: 'FR' });
  assert.equal(status, 202);
  const received = Date.parse(body.receivedAt);
  assert.equal(body.dueAt, new Date(oneMonthAfter(received)).toISOString(), 'one month, not 45 days');
  const stored = await row(body.id);
  assert.deepEqual(stored.jurisdictions, ['gdpr', 'ccpa']);
  assert.equal(stored.residence, 'FR');

  const bad = await submit(stack, { type: 'export', email: 'user9@example.net', residence: 'somewhere nice' });
  assert.equal(bad.status, 400);
  assert.ok(
    bad.body.issues.some((i: { path: string }) => i.path.endsWith('residence')),
    JSON.stringify(bad.body),
  );
});

test("the data map decides too: an account recorded in Germany is answered within GDPR's month, even under a ccpa label", async () => {
  const { body } = await submit(stack, { type: 'export', email: 'user7@example.net', jurisdiction: 'ccpa' });
  const received = Date.parse(body.receivedAt);
  assert.equal(body.dueAt, new Date(received + 45 * DAY).toISOString(), 'at intake only the CCPA is known: 45 days');
  const mail = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /Confirm/.test(m.subject));
  assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
  await waitForStatus(stack, body.id, 'completed');

  const stored = await row(body.id);
  const oneMonth = new Date(oneMonthAfter(received)).toISOString();
  assert.deepEqual(stored.jurisdictions, ['gdpr', 'ccpa']);
  assert.equal(stored.due_at.toISOString(), oneMonth, 'brought forward to one month once the account was found');
  const [decided] = await auditOf(body.id, AUDIT_ACTIONS.jurisdictionDecided);
  assert.deepEqual(decided?.details.jurisdictions, ['gdpr', 'ccpa']);
  assert.equal(decided.details.dueAt, oneMonth);
  const view = await stack.app.inject({ method: 'GET', url: `/v1/admin/requests/${body.id}`, headers: admin });
  assert.equal(view.json().dueAt, oneMonth);
  assert.deepEqual(view.json().jurisdictions, ['gdpr', 'ccpa']);

  // an account recorded in California gets the CCPA (and its acknowledgement) though nobody named it
  const ca = await submit(stack, { type: 'export', email: 'user8@example.net' });
  const caMail = await stack.smtp.waitFor((m) => m.text.includes(ca.body.id) && /Confirm/.test(m.subject));
  assert.equal((await verify(stack, ca.body.id, codeFrom(caMail.text))).status, 200);
  await waitForStatus(stack, ca.body.id, 'completed');
  assert.deepEqual((await row(ca.body.id)).jurisdictions, ['ccpa']);
  await stack.smtp.waitFor((m) => m.text.includes(ca.body.id) && /We received your privacy request/.test(m.subject));
});
