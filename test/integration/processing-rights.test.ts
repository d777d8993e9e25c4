// The rights that change processing, on the real stack: opt-out of sale/sharing (CCPA §7026),
// restriction and its lifting (GDPR Art. 18), objection to direct marketing (Art. 21(3)) and the
// Global Privacy Control signal (§7025). Each test counts the rows in the product database and
// reads the calls the advertising partner (a local HTTP server) received.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createAdminKey } from '../../api/admin-keys';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { stateQuery } from '../../schemas/contract';
import { addBusinessDays } from '../../schemas/deadline';
import { codeFrom, submit, verify, waitForStatus } from '../support/flow';
import { startStack, productToken, type Stack } from '../support/stack';

let stack: Stack;
let partner: Server;
const partnerCalls: { method: string; path: string }[] = [];
let admin: Record<string, string>;

before(async () => {
  partner = createServer((req, res) => {
    partnerCalls.push({ method: req.method ?? '', path: req.url ?? '' });
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
  stack = await startStack({
    extraMaps: ['test/fixtures/processing-processor.yml'],
    mapEnv: { AD_PARTNER_URL: `http://127.0.0.1:${(partner.address() as AddressInfo).port}` },
  });
  await stack.startWorker();
  admin = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key}` };
});
after(async () => {
  await stack?.stop();
  await new Promise<void>((resolve) => partner?.close(() => resolve()));
});

const accountId = async (email: string): Promise<string> =>
  (await stack.db.appDb.query<{ id: string }>('SELECT id::text FROM accounts WHERE email = $1', [email])).rows[0].id;

/** Submits, confirms with the mailed code and waits until the request is completed. */
async function submitConfirmed(body: Record<string, unknown>): Promise<string> {
  const email = body.email as string;
  const { status, body: accepted } = await submit(stack, body);
  assert.equal(status, 202, JSON.stringify(accepted));
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(accepted.id) && /Confirm/.test(m.subject));
  assert.equal((await verify(stack, accepted.id, codeFrom(mail.text))).status, 200);
  await waitForStatus(stack, accepted.id, 'completed');
  return accepted.id;
}

test('CCPA §7026: an opt-out sets the mapped flag and calls the processor', async () => {
  const email = 'alice@example.com';
  const id = await submitConfirmed({ type: 'opt_out', email, jurisdiction: 'ccpa' });
  const { rows } = await stack.db.appDb.query<{ email: string }>('SELECT email FROM accounts WHERE sale_opt_out');
  assert.deepEqual(
    rows.map((r) => r.email),
    [email],
    'the subject (and nobody else) is opted out',
  );
  const account = await accountId(email);
  assert.ok(
    partnerCalls.some((c) => c.method === 'POST' && c.path === `/v1/users/${account}/opt-out`),
    'the partner was told',
  );
  const request = (await stack.db.engineDb.query('SELECT received_at, due_at FROM requests WHERE id = $1', [id])).rows[0];
  assert.equal(request.due_at.getTime(), addBusinessDays(request.received_at, 15).getTime(), 'due within 15 business days');
  const done = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /done/.test(m.subject));
  assert.match(done.text, /no longer sell or share/);
  assert.match(done.text, /Advertising partner/);
  const day = (ms: number) => new Date(Date.now() + ms).toISOString().slice(0, 10);
  const period = `from=${day(-86_400_000)}&to=${day(2 * 86_400_000)}`;
  const res = await stack.app.inject({ method: 'GET', url: `/v1/admin/reports/compliance?${period}`, headers: admin });
  assert.equal(res.statusCode, 200, res.body);
  const report = res.json();
  assert.equal(report.ccpa7102.optOut.received, 1);
  assert.equal(report.ccpa7102.optOut.complied, 1, 'counted complied once applied');
  assert.equal(report.rows.find((r: { type: string }) => r.type === 'opt_out')?.complied, 1);
  const audit = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM audit_events WHERE request_id = $1 AND action = $2', [
    id,
    AUDIT_ACTIONS.processingChanged,
  ]);
  assert.equal(audit.rows[0].n, 1, 'the change in app_db.accounts is audited');
});

test('GDPR Art. 18: a restriction marks rows in every store that supports it, and lifting it tells the subject first', async () => {
  const email = 'bob@example.com';
  const account = await accountId(email);
  const id = await submitConfirmed({ type: 'restriction', email });
  const marked = async () =>
    (
      await stack.db.appDb.query<{ accounts: number; tickets: number; others: number }>(
        `SELECT (SELECT count(*) FROM accounts WHERE id = $1 AND restricted_at IS NOT NULL)::int AS accounts,
                (SELECT count(*) FROM support_tickets WHERE account_id = $1 AND restricted_at IS NOT NULL)::int AS tickets,
                ((SELECT count(*) FROM accounts WHERE id <> $1 AND restricted_at IS NOT NULL)
                 + (SELECT count(*) FROM support_tickets WHERE account_id <> $1 AND restricted_at IS NOT NULL))::int AS others`,
        [account],
      )
    ).rows[0];
  const tickets = Number(
    (await stack.db.appDb.query('SELECT count(*) FROM support_tickets WHERE account_id = $1', [account])).rows[0].count,
  );
  assert.ok(tickets > 0, 'the subject has tickets');
  assert.deepEqual(await marked(), { accounts: 1, tickets, others: 0 });
  assert.ok(partnerCalls.some((c) => c.method === 'POST' && c.path === `/v1/users/${account}/restriction`));

  const lift = await stack.app.inject({
    method: 'POST',
    url: `/v1/admin/requests/${id}/lift-restriction`,
    headers: admin,
    payload: { reason: 'the accuracy of the data was verified' },
  });
  assert.equal(lift.statusCode, 200, lift.body);
  assert.deepEqual(await marked(), { accounts: 0, tickets: 0, others: 0 });
  assert.ok(partnerCalls.some((c) => c.method === 'DELETE' && c.path === `/v1/users/${account}/restriction`));
  const notice = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /being lifted/.test(m.subject));
  assert.match(notice.text, /accuracy of the data was verified/);
  const { rows: events } = await stack.db.engineDb.query<{ action: string; details: { change?: string } }>(
    'SELECT action, details FROM audit_events WHERE request_id = $1 ORDER BY seq',
    [id],
  );
  const told = events.findIndex((e) => e.action === AUDIT_ACTIONS.restrictionLiftNotified);
  const firstCleared = events.findIndex((e) => e.details.change === 'lift_restriction');
  assert.ok(told >= 0 && firstCleared > told, 'the subject was told before any mark was cleared');
  assert.ok(events.some((e) => e.action === AUDIT_ACTIONS.restrictionLifted));
  const again = await stack.app.inject({
    method: 'POST',
    url: `/v1/admin/requests/${id}/lift-restriction`,
    headers: admin,
    payload: { reason: 'again' },
  });
  assert.equal(again.statusCode, 409);
});

test('GDPR Art. 21(3): an objection to direct marketing stops the mapped processing', async () => {
  const email = 'carol@example.com';
  const missing = await submit(stack, { type: 'objection', email });
  assert.equal(missing.status, 400);
  assert.ok(JSON.stringify(missing.body).includes('purpose'));
  const unknown = await submit(stack, { type: 'objection', email, purpose: 'astrology' });
  assert.equal(unknown.status, 400);
  assert.ok(JSON.stringify(unknown.body).includes('purpose'));

  const id = await submitConfirmed({ type: 'objection', email, purpose: 'direct_marketing' });
  const { rows } = await stack.db.appDb.query<{ email: string; marketing_opt_in: boolean; analytics_opt_in: boolean }>(
    'SELECT email, marketing_opt_in, analytics_opt_in FROM accounts WHERE NOT marketing_opt_in OR NOT analytics_opt_in',
  );
  assert.deepEqual(rows, [{ email, marketing_opt_in: false, analytics_opt_in: true }], 'only marketing stops, only for her');
  const done = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /done/.test(m.subject));
  assert.match(done.text, /direct marketing/);
});

test('CCPA §7025: Sec-GPC from a signed-in subject records one opt-out a day, pre-verified', async () => {
  const email = 'gpc-user@example.com';
  await stack.db.appDb.query(`INSERT INTO accounts (email, name) VALUES ($1, 'Gina Park')`, [email]);
  const token = await productToken(email);
  const headers = { 'x-subject-token': token, 'sec-gpc': '1' };
  const first = await submit(stack, { type: 'access', email }, headers);
  assert.equal(first.status, 202);
  const optOutId = first.headers['gpc-opt-out-request'] as string;
  assert.ok(optOutId, 'the GPC signal recorded an opt-out');
  const second = await submit(stack, { type: 'export', email }, headers);
  assert.equal(second.headers['gpc-opt-out-request'], optOutId, 'once a day per subject');
  const withoutToken = await submit(stack, { type: 'access', email }, { 'sec-gpc': '1' });
  assert.equal(withoutToken.headers['gpc-opt-out-request'], undefined, 'an unverified sender records nothing');
  await waitForStatus(stack, optOutId, 'completed');
  const n = await stack.db.engineDb.query(`SELECT count(*)::int AS n FROM requests WHERE type = 'opt_out' AND subject_email = $1`, [email]);
  assert.equal(n.rows[0].n, 1);
  const flag = await stack.db.appDb.query('SELECT sale_opt_out FROM accounts WHERE email = $1', [email]);
  assert.equal(flag.rows[0].sale_opt_out, true);
});

test('GDPR Art. 21(1): an objection to another purpose waits for the privacy team, who may refuse it only with compelling legitimate grounds', async () => {
  const [refused, accepted] = ['dora@example.com', 'emil@example.com'];
  for (const email of [refused, accepted]) await stack.db.appDb.query(`INSERT INTO accounts (email, name) VALUES ($1, 'Someone')`, [email]);
  const waiting = async (email: string) => {
    const { body } = await submit(stack, { type: 'objection', email, purpose: 'product_analytics' });
    const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(body.id) && /Confirm/.test(m.subject));
    assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
    for (let i = 0; i < 100; i++) {
      const s = await stack.env.client.workflow.getHandle(body.id).query(stateQuery);
      if (s.awaitingDecision) return body.id as string;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the objection is not waiting for a decision');
  };
  const analytics = async (email: string) =>
    (await stack.db.appDb.query('SELECT analytics_opt_in FROM accounts WHERE email = $1', [email])).rows[0].analytics_opt_in;

  const r = await waiting(refused);
  const deny = await stack.app.inject({
    method: 'POST',
    url: `/v1/admin/requests/${r}/deny`,
    headers: admin,
    payload: { reason: 'compelling_legitimate_grounds', details: 'Usage analysis is needed to detect abuse of the API.' },
  });
  assert.equal(deny.statusCode, 200, deny.body);
  await waitForStatus(stack, r, 'denied');
  assert.equal(await analytics(refused), true, 'processing continues on the grounds given');
  const notice = await stack.smtp.waitFor((m) => m.to.includes(refused) && m.text.includes(r) && /declined/.test(m.subject));
  assert.match(notice.text, /compelling legitimate grounds/);
  assert.match(notice.text, /detect abuse of the API/);

  const a = await waiting(accepted);
  const accept = await stack.app.inject({ method: 'POST', url: `/v1/admin/requests/${a}/accept-objection`, headers: admin });
  assert.equal(accept.statusCode, 200, accept.body);
  await waitForStatus(stack, a, 'completed');
  assert.equal(await analytics(accepted), false);
});
