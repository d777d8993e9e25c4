// The 30-day clock, tested with Temporal's Java test server skipping time: reminders 7 days
// before the due date, escalation when it passes, extensions moving both, completion and
// denial cancelling them — and no email twice. Also the admin API that drives them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createAdminKey } from '../../api/admin-keys';
import { stateQuery } from '../../schemas/contract';
import { codeFrom, submit, verify } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let admin: Record<string, string>;
let auditor: Record<string, string>;
before(async () => {
  stack = await startStack({ timeSkipping: true });
  await stack.startWorker();
  admin = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'lead', 'admin')).key}` };
  auditor = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'auditor', 'auditor')).key}` };
});
after(async () => stack?.stop());

const DAY = 86_400_000;
const team = () => stack.smtp.mails.filter((m) => m.to.includes(stack.config.PRIVACY_TEAM_EMAIL));
const teamMails = (id: string, what: RegExp) => team().filter((m) => m.text.includes(id) && what.test(m.subject));
const api = (method: 'GET' | 'POST', url: string, headers = admin, payload?: object) => stack.app.inject({ method, url, headers, payload });

/** A request that stays open: never verified, with a verification window longer than the test. */
async function openRequest(email: string, jurisdiction = 'policy'): Promise<string> {
  const {
    rows: [r],
  } = await stack.db.engineDb.query(
    `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, jurisdiction)
     VALUES (gen_random_uuid(), 'export', 'admin', 'received', $1, 'h', $2, $2::timestamptz + interval '30 days', $3) RETURNING id, received_at`,
    [email, new Date(await stack.env.currentTimeMs()), jurisdiction],
  );
  await stack.env.client.workflow.start('dsarRequest', {
    workflowId: r.id,
    taskQueue: stack.taskQueue,
    args: [{ requestId: r.id, type: 'export', receivedAt: r.received_at.toISOString(), jurisdiction, verificationTimeout: '70 days' }],
  });
  await stack.smtp.waitFor((m) => m.text.includes(r.id)); // the verification mail: the workflow is waiting
  return r.id;
}

async function sleepUntil(t0: number, days: number) {
  const target = t0 + days * DAY;
  const now = await stack.env.currentTimeMs();
  if (target > now) await stack.env.sleep(target - now);
  await new Promise((r) => setTimeout(r, 700)); // let the woken activities send their mail
}

describe('deadline clock', () => {
  test(
    'reminder 7 days before, escalation at the due date, extension moves both, completion and denial cancel them',
    { timeout: 180_000 },
    async () => {
      const t0 = await stack.env.currentTimeMs();
      const a = await openRequest('alice@example.com');
      const b = await openRequest('bob@example.com');
      const d = await openRequest('carol@example.com');
      const {
        rows: [c],
      } = await stack.db.engineDb.query(
        `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at) VALUES (gen_random_uuid(), 'export', 'admin', 'received', 'user1@example.net', 'h', $1, $1::timestamptz + interval '30 days') RETURNING id`,
        [new Date(t0)],
      );
      await stack.env.client.workflow.start('dsarRequest', {
        workflowId: c.id,
        taskQueue: stack.taskQueue,
        args: [
          { requestId: c.id, type: 'export', receivedAt: new Date(t0).toISOString(), verificationTimeout: '1 day', preVerified: true },
        ],
      });
      await stack.smtp.waitFor((m) => m.text.includes(c.id) && /ready/.test(m.subject)); // C completes at once

      // deny D: the subject is told why and where to complain
      assert.equal(
        (
          await api('POST', `/v1/admin/requests/${d}/deny`, auditor, {
            reason: 'excessive',
            details: 'Fourth identical request this month.',
          })
        ).statusCode,
        403,
      );
      assert.equal((await api('POST', `/v1/admin/requests/${d}/deny`, admin, { reason: 'bored', details: 'x' })).statusCode, 400);
      const denied = await api('POST', `/v1/admin/requests/${d}/deny`, admin, {
        reason: 'excessive',
        details: 'Fourth identical request this month.',
      });
      assert.equal(denied.statusCode, 200, denied.body);
      const denial = await stack.smtp.waitFor((m) => m.text.includes(d) && /declined/.test(m.subject));
      assert.match(denial.text, /excessive/);
      // a policy request: the neutral recourse, no authority of a law it is not answered under
      assert.match(denial.text, /reply to this email and we will look into it/);
      assert.doesNotMatch(denial.text, /supervisory authority/);

      // day 5: extend B to day 60, with a reason; unlawful extensions are refused
      await sleepUntil(t0, 5);
      const day = (n: number) => new Date(t0 + n * DAY).toISOString();
      assert.equal(
        (await api('POST', `/v1/admin/requests/${b}/extend`, admin, { newDueAt: day(100), reason: 'complex: 9 stores' })).statusCode,
        422,
        'beyond 3 months',
      );
      assert.equal((await api('POST', `/v1/admin/requests/${b}/extend`, admin, { newDueAt: day(60) })).statusCode, 400, 'no reason');
      assert.equal(
        (await api('POST', `/v1/admin/requests/${b}/extend`, auditor, { newDueAt: day(60), reason: 'complex: 9 stores' })).statusCode,
        403,
      );
      const ext = await api('POST', `/v1/admin/requests/${b}/extend`, admin, { newDueAt: day(60), reason: 'complex: 9 stores' });
      assert.equal(ext.statusCode, 200, ext.body);
      assert.equal(
        (await api('POST', `/v1/admin/requests/${b}/extend`, admin, { newDueAt: day(61), reason: 'again' })).statusCode,
        422,
        'once only',
      );
      const notice = await stack.smtp.waitFor((m) => m.text.includes(b) && /more time/.test(m.subject));
      assert.match(notice.text, /complex: 9 stores/);

      await sleepUntil(t0, 22);
      assert.equal(team().length, 0, 'no reminder before day 23');
      await sleepUntil(t0, 23.05);
      assert.equal(teamMails(a, /due in 7 days/).length, 1, 'A is reminded on day 23');
      assert.equal(teamMails(b, /due in 7 days/).length, 0, 'B was extended');
      await sleepUntil(t0, 30.05);
      assert.equal(teamMails(a, /OVERDUE/).length, 1, 'A escalates at its due date');
      const list = await api('GET', '/v1/admin/requests?overdue=true', auditor);
      assert.deepEqual(
        list.json().requests.map((r: { id: string }) => r.id),
        [a],
      );
      await sleepUntil(t0, 53.05);
      assert.equal(teamMails(b, /due in 7 days/).length, 1, 'B is reminded 7 days before its new date');
      await sleepUntil(t0, 60.05);
      assert.equal(teamMails(b, /OVERDUE/).length, 1);
      assert.equal(teamMails(a, /due in 7 days/).length + teamMails(a, /OVERDUE/).length, 2, 'no email twice');
      assert.equal(
        team().filter((m) => m.text.includes(c.id) || m.text.includes(d)).length,
        0,
        'completed and denied requests are never reminded',
      );
      const {
        rows: [dRow],
      } = await stack.db.engineDb.query('SELECT status, denial_reason FROM requests WHERE id = $1', [d]);
      assert.deepEqual(dRow, { status: 'denied', denial_reason: 'excessive' });
    },
  );

  test('the clock runs from receipt while the subject has not verified yet: verifying late does not move the due date', async () => {
    const { status, body } = await submit(stack, { type: 'export', email: 'user2@example.net', jurisdiction: 'gdpr' });
    assert.equal(status, 202);
    const received = Date.parse(body.receivedAt);
    // one calendar month: the same day next month, or its last day when it has none (31 Jan → 28/29 Feb);
    // or the 30-day policy, if earlier
    const r = new Date(received);
    const lastDayNextMonth = new Date(Date.UTC(r.getUTCFullYear(), r.getUTCMonth() + 2, 0)).getUTCDate();
    const oneMonth = Date.UTC(r.getUTCFullYear(), r.getUTCMonth() + 1, Math.min(r.getUTCDate(), lastDayNextMonth)) + (received % DAY);
    assert.equal(body.dueAt, new Date(Math.min(oneMonth, received + 30 * DAY)).toISOString());
    const mail = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /Confirm/.test(m.subject));
    await stack.env.sleep(2 * DAY); // the subject takes two days to confirm
    assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
    const state = await stack.env.client.workflow.getHandle(body.id).query(stateQuery);
    assert.equal(state.dueAt, body.dueAt, 'the due date still counts from receipt');
  });
});

describe('admin API', () => {
  test('no key or a wrong key is 401; filters return exactly the matching requests; pages are stable', async () => {
    assert.equal((await stack.app.inject({ method: 'GET', url: '/v1/admin/requests' })).statusCode, 401);
    assert.equal((await api('GET', '/v1/admin/requests', { authorization: 'Bearer dsar_nope' })).statusCode, 401);
    assert.equal((await api('GET', '/v1/admin/requests?status=bogus')).statusCode, 400);

    for (const [type, email, jurisdiction] of [
      ['access', 'user3@example.net', 'ccpa'],
      ['export', 'user4@example.net', 'gdpr'],
      ['deletion', 'user5@example.net', 'ccpa'],
    ]) {
      assert.equal((await submit(stack, { type, email, jurisdiction })).status, 202);
    }
    const all = (await stack.db.engineDb.query('SELECT id, type, jurisdiction, status, channel FROM requests')).rows;
    const ids = (res: { json(): { requests: { id: string }[] } }) =>
      res
        .json()
        .requests.map((r) => r.id)
        .sort();
    const expect = (pred: (r: (typeof all)[number]) => boolean) =>
      all
        .filter(pred)
        .map((r) => r.id)
        .sort();
    assert.deepEqual(
      ids(await api('GET', '/v1/admin/requests?jurisdiction=ccpa&limit=200')),
      expect((r) => r.jurisdiction === 'ccpa'),
    );
    assert.deepEqual(
      ids(await api('GET', '/v1/admin/requests?type=access,deletion&limit=200')),
      expect((r) => ['access', 'deletion'].includes(r.type)),
    );
    assert.deepEqual(
      ids(await api('GET', '/v1/admin/requests?status=denied&limit=200')),
      expect((r) => r.status === 'denied'),
    );
    assert.deepEqual(
      ids(await api('GET', '/v1/admin/requests?channel=self_service&limit=200')),
      expect((r) => r.channel === 'self_service'),
    );

    // pages of 2: every request once, in order, even when a new one arrives mid-way
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await api('GET', `/v1/admin/requests?limit=2${cursor ? `&cursor=${cursor}` : ''}`, auditor);
      assert.equal(res.statusCode, 200);
      seen.push(...res.json().requests.map((r: { id: string }) => r.id));
      cursor = res.json().nextCursor;
      if (++pages === 1) await submit(stack, { type: 'export', email: 'user6@example.net' });
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length, 'no duplicates');
    assert.deepEqual([...seen].sort(), all.map((r) => r.id).sort(), 'every request that existed at the start');

    const one = await api('GET', `/v1/admin/requests/${seen[0]}`, auditor);
    assert.equal(one.statusCode, 200);
    assert.ok(Array.isArray(one.json().progress));
  });
});
