import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdminKey } from '../../api/admin-keys';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { stateQuery } from '../../schemas/contract';
import { addBusinessDays } from '../../schemas/deadline';
import { codeFrom, verify, waitForStatus } from '../support/flow';
import { startStack, TEST_INBOX_SECRET, type Stack } from '../support/stack';

let stack: Stack;
let admin: Record<string, string>;
before(async () => {
  stack = await startStack();
  await stack.startWorker();
  admin = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'lead', 'admin')).key}` };
});
after(async () => stack?.stop());

let n = 0;
function mail(h: { from?: string; replyTo?: string; subject: string; body: string; messageId?: string }): string {
  const lines = [
    ...(h.from ? [`From: ${h.from}`] : []),
    'To: privacy@dsar.test',
    ...(h.replyTo ? [`Reply-To: ${h.replyTo}`] : []),
    `Subject: ${h.subject}`,
    `Message-ID: ${h.messageId ?? `<m${++n}.${Date.now()}@mail.test>`}`,
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    h.body,
  ];
  return lines.join('\r\n');
}

const send = (raw: string, secret = TEST_INBOX_SECRET) =>
  stack.app.inject({
    method: 'POST',
    url: '/v1/inbox/messages',
    payload: raw,
    headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${secret}` },
  });
const mailsTo = (addr: string) => stack.smtp.mails.filter((m) => m.to.includes(addr));

test('the webhook needs its secret', async () => {
  assert.equal((await send(mail({ from: 'alice@example.com', subject: 'x', body: 'delete my data' }), 'wrong')).statusCode, 401);
});

test('a mail becomes one request of the right type; the same Message-ID again creates nothing new', async () => {
  const raw = mail({
    from: 'Alice <alice@example.com>',
    subject: 'Auskunftsersuchen',
    body: 'Bitte teilen Sie mir mit, welche Daten Sie speichern.',
    messageId: '<dup-1@mail.test>',
  });
  const first = await send(raw);
  assert.equal(first.statusCode, 202, first.body);
  assert.equal(first.json().status, 'request');
  const again = await send(raw);
  assert.equal(again.statusCode, 200);
  assert.deepEqual([again.json().duplicate, again.json().requestId], [true, first.json().requestId]);
  const { rows } = await stack.db.engineDb.query('SELECT type, channel FROM requests WHERE id = $1', [first.json().requestId]);
  assert.deepEqual(rows[0], { type: 'access', channel: 'inbox' });
  assert.equal(
    Number((await stack.db.engineDb.query("SELECT count(*) AS n FROM inbox_messages WHERE message_id = '<dup-1@mail.test>'")).rows[0].n),
    1,
  );
});

test('a spoofed From with a Reply-To elsewhere: the link goes only to the address on record, nothing to the Reply-To', async () => {
  const res = await send(
    mail({
      from: 'bob@example.com',
      replyTo: 'collector@evil.test',
      subject: 'Export',
      body: 'Please export my data in a machine-readable format.',
    }),
  );
  assert.equal(res.json().status, 'request');
  await stack.smtp.waitFor((m) => m.text.includes(res.json().requestId));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(mailsTo('collector@evil.test').length, 0);
  assert.ok(
    stack.smtp.mails.filter((m) => m.text.includes(res.json().requestId)).every((m) => m.to.length === 1 && m.to[0] === 'bob@example.com'),
  );
});

test('a look-alike domain learns nothing: the same answer as for any address, and an empty export at most', async () => {
  const lookalike = await send(mail({ from: 'carol@examp1e.com', subject: 'Copy of my data', body: 'Send me a copy of my data.' }));
  const unknown = await send(mail({ from: 'nobody@nowhere.test', subject: 'Copy of my data', body: 'Send me a copy of my data.' }));
  assert.deepEqual([lookalike.statusCode, lookalike.json().status], [unknown.statusCode, unknown.json().status]);
  const id = lookalike.json().requestId;
  const v = await stack.smtp.waitFor((m) => m.text.includes(id));
  assert.deepEqual(v.to, ['carol@examp1e.com']);
  assert.equal((await verify(stack, id, codeFrom(v.text))).status, 200);
  await waitForStatus(stack, id, 'completed');
  const ready = await stack.smtp.waitFor((m) => m.text.includes(id) && /ready/.test(m.subject));
  assert.match(ready.text, /0 records/);
  assert.equal(mailsTo('carol@example.com').filter((m) => m.text.includes(id)).length, 0);
});

test('unclear mail goes to triage and is classified or rejected by the privacy team', async () => {
  const unclear = await send(mail({ from: 'user9@example.net', subject: 'Hello', body: 'Can you help me with my account?' }));
  assert.equal(unclear.json().status, 'triage');
  const other = await send(mail({ from: 'user9@example.net', subject: 'Hi again', body: 'Why was I charged twice?' }));
  const list = await stack.app.inject({ method: 'GET', url: '/v1/admin/inbox?status=triage', headers: admin });
  assert.deepEqual(
    list
      .json()
      .messages.map((m: { id: string }) => m.id)
      .sort(),
    [unclear.json().id, other.json().id].sort(),
  );
  const classified = await stack.app.inject({
    method: 'POST',
    url: `/v1/admin/inbox/${unclear.json().id}/classify`,
    payload: { type: 'access' },
    headers: admin,
  });
  assert.equal(classified.statusCode, 200, classified.body);
  await stack.smtp.waitFor((m) => m.text.includes(classified.json().requestId));
  const rejected = await stack.app.inject({
    method: 'POST',
    url: `/v1/admin/inbox/${other.json().id}/reject`,
    payload: { reason: 'billing question, forwarded to support' },
    headers: admin,
  });
  assert.equal(rejected.statusCode, 200);
});

test('a message without a usable sender is quarantined with the reason, not dropped', async () => {
  const res = await send(mail({ subject: 'Delete my data', body: 'Please delete my data.' }));
  assert.equal(res.statusCode, 202);
  assert.equal(res.json().status, 'quarantine');
  const q = await stack.app.inject({ method: 'GET', url: '/v1/admin/inbox?status=quarantine', headers: admin });
  assert.equal(q.json().messages[0].reason, 'no usable sender address');
  const garbage = await send('\u0000\u0001 not a mail at all');
  assert.ok([202, 200].includes(garbage.statusCode));
  assert.equal(garbage.json().status, 'quarantine');
});

test('the verification goes to the address as the account stores it, whatever form the mail used', async () => {
  await stack.db.appDb.query("INSERT INTO accounts (email, name) VALUES ('Dana.Ortiz@Example.com', 'Dana Ortiz')");
  const res = await send(
    mail({
      from: 'DANA.ORTIZ@example.COM',
      replyTo: 'dana@elsewhere.test',
      subject: 'Delete my account',
      body: 'Please delete my account.',
    }),
  );
  const v = await stack.smtp.waitFor((m) => m.text.includes(res.json().requestId));
  // the local part as stored (the SMTP envelope lower-cases the domain)
  assert.deepEqual(
    v.to.map((a) => a.split('@')[0]),
    ['Dana.Ortiz'],
  );
  assert.equal(mailsTo('dana@elsewhere.test').length, 0);
});

const inboxRow = async (id: string) =>
  (
    await stack.db.engineDb.query<{ status: string; received_at: Date }>('SELECT status, received_at FROM inbox_messages WHERE id = $1', [
      id,
    ])
  ).rows[0];
const requestRow = async (id: string) =>
  (
    await stack.db.engineDb.query<{ type: string; received_at: Date; due_at: Date }>(
      'SELECT type, received_at, due_at FROM requests WHERE id = $1',
      [id],
    )
  ).rows[0];
const intentsOf = async (inboxId: string) =>
  (
    await stack.db.engineDb.query<{ id: string; kind: string; status: string; request_id: string | null }>(
      'SELECT id, kind, status, request_id FROM inbox_intents WHERE inbox_id = $1 ORDER BY kind',
      [inboxId],
    )
  ).rows;

test('one mail, two intents: "please delete my account and do not sell my data" starts a deletion and an opt-out', async () => {
  const before = Date.now();
  const res = await send(
    mail({ from: 'user11@example.net', subject: 'My account', body: 'Hello, please delete my account and do not sell my data. Thanks' }),
  );
  const after = Date.now();
  assert.equal(res.statusCode, 202, res.body);
  const out = res.json();
  assert.equal(out.status, 'request');
  assert.deepEqual(out.intents.map((i: { type: string; status: string }) => [i.type, i.status]).sort(), [
    ['deletion', 'request'],
    ['opt_out', 'request'],
  ]);
  const intents = await intentsOf(out.id);
  assert.deepEqual(
    intents.map((i) => [i.kind, i.status]),
    [
      ['deletion', 'request'],
      ['opt_out', 'request'],
    ],
    'two records, one per intent',
  );
  const deletion = intents[0].request_id!;
  assert.ok(out.intents.some((i: { requestId: string }) => i.requestId === out.requestId));
  const req = await requestRow(deletion);
  assert.equal(req.type, 'deletion');
  assert.equal((await requestRow(intents[1].request_id!)).type, 'opt_out');
  const arrived = (await inboxRow(out.id)).received_at;
  assert.ok(arrived.getTime() >= before && arrived.getTime() <= after, 'the mail is dated by its receipt');
  assert.equal(req.received_at.toISOString(), arrived.toISOString(), "the deletion's clock runs from the mail's arrival");
  // its workflow runs: the subject is asked to confirm, and the clock is the one stored
  await stack.smtp.waitFor((m) => m.text.includes(deletion) && /Confirm/.test(m.subject));
  const state = await stack.env.client.workflow.getHandle(deletion).query(stateQuery);
  assert.equal(state.dueAt, req.due_at.toISOString());
});

test('every record can be reclassified: a triaged intent becomes a deletion dated from the mail, a missed opt-out is added', async () => {
  const res = await send(mail({ from: 'user12@example.net', subject: 'About my account', body: 'Can you help me?' }));
  assert.equal(res.json().status, 'triage');
  const [optOut] = res.json().intents;
  const arrived = (await inboxRow(res.json().id)).received_at;
  await new Promise((r) => setTimeout(r, 50)); // the decision comes later than the mail

  const url = `/v1/admin/inbox/intents/${optOut.id}/reclassify`;
  assert.equal((await stack.app.inject({ method: 'POST', url, payload: { type: 'refund' }, headers: admin })).statusCode, 400);
  const re = await stack.app.inject({ method: 'POST', url, payload: { type: 'deletion' }, headers: admin });
  assert.equal(re.statusCode, 200, re.body);
  assert.equal(re.json().status, 'request');
  const req = await requestRow(re.json().requestId);
  assert.deepEqual([req.type, req.received_at.toISOString()], ['deletion', arrived.toISOString()]);
  assert.deepEqual(
    (await intentsOf(res.json().id)).map((i) => [i.kind, i.status, i.request_id]),
    [['deletion', 'request', re.json().requestId]],
  );
  assert.equal((await inboxRow(res.json().id)).status, 'request');
  await stack.smtp.waitFor((m) => m.text.includes(re.json().requestId) && /Confirm/.test(m.subject));

  // a request already made is not silently turned into something else
  const again = await stack.app.inject({ method: 'POST', url, payload: { type: 'opt_out' }, headers: admin });
  assert.equal(again.statusCode, 409);
  assert.match(again.json().message, /deny that request/);

  // the opt-out the mail also asked for, added by the privacy team
  const added = await stack.app.inject({
    method: 'POST',
    url: `/v1/admin/inbox/${res.json().id}/intents`,
    payload: { type: 'opt_out' },
    headers: admin,
  });
  assert.equal(added.statusCode, 200, added.body);
  assert.deepEqual(
    (await intentsOf(res.json().id)).map((i) => [i.kind, i.status]),
    [
      ['deletion', 'request'],
      ['opt_out', 'request'],
    ],
  );
  assert.equal((await requestRow(added.json().requestId)).type, 'opt_out', 'the added opt-out is a request that acts');
  const audit = await stack.db.engineDb.query(
    "SELECT action, actor FROM audit_events WHERE details->>'inboxId' = $1 AND action <> 'inbox.received' ORDER BY seq",
    [res.json().id],
  );
  assert.deepEqual(
    audit.rows.map((r) => [r.action, r.actor]),
    [
      [AUDIT_ACTIONS.inboxClassified, 'admin:lead'],
      [AUDIT_ACTIONS.inboxIntentAdded, 'admin:lead'],
      [AUDIT_ACTIONS.inboxClassified, 'admin:lead'],
    ],
  );
});

test('CCPA §7026 at privacy@: "do not sell my data" becomes an opt_out request that, once confirmed, sets the mapped flag within 15 business days', async () => {
  const email = 'optout-mail@example.com';
  await stack.db.appDb.query(`INSERT INTO accounts (email, name) VALUES ($1, 'Mia Opt')`, [email]);
  const optedOut = async () =>
    (await stack.db.appDb.query<{ email: string }>('SELECT email FROM accounts WHERE sale_opt_out ORDER BY email')).rows.map(
      (r) => r.email,
    );
  const before = await optedOut();
  assert.ok(!before.includes(email));
  const optOutFigures = async () => {
    const day = (ms: number) => new Date(Date.now() + ms).toISOString().slice(0, 10);
    const url = `/v1/admin/reports/compliance?from=${day(-86_400_000)}&to=${day(2 * 86_400_000)}`;
    const r = await stack.app.inject({ method: 'GET', url, headers: admin });
    assert.equal(r.statusCode, 200, r.body);
    const { received, complied } = r.json().ccpa7102.optOut;
    return { received, complied };
  };
  const figuresBefore = await optOutFigures();

  const res = await send(mail({ from: `Mia <${email}>`, subject: 'Do not sell my personal information', body: 'Please opt me out.' }));
  assert.equal(res.statusCode, 202, res.body);
  const out = res.json();
  assert.deepEqual(
    [out.status, out.intents.map((i: { type: string; status: string }) => [i.type, i.status])],
    ['request', [['opt_out', 'request']]],
  );
  const req = await requestRow(out.requestId);
  assert.equal(req.type, 'opt_out');
  assert.equal(req.due_at.getTime(), addBusinessDays(req.received_at, 15).getTime(), 'acted on within 15 business days');
  assert.deepEqual(await optedOut(), before, 'nothing changes before the subject confirms');
  assert.deepEqual(
    await optOutFigures(),
    { received: figuresBefore.received + 1, complied: figuresBefore.complied },
    'a §7102 opt-out received, not complied while nothing is applied',
  );

  // the verification goes to the address on record, as for every request from the inbox
  const confirm = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(out.requestId) && /Confirm/.test(m.subject));
  assert.equal((await verify(stack, out.requestId, codeFrom(confirm.text))).status, 200);
  await waitForStatus(stack, out.requestId, 'completed');
  assert.deepEqual(await optedOut(), [...before, email].sort(), 'the subject, and nobody else, is opted out');
  const changed = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM audit_events WHERE request_id = $1 AND action = $2', [
    out.requestId,
    AUDIT_ACTIONS.processingChanged,
  ]);
  assert.equal(changed.rows[0].n, 1, 'the change in app_db.accounts is audited');
  const done = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(out.requestId) && /done/.test(m.subject));
  assert.match(done.text, /no longer sell or share/);
  assert.deepEqual(
    await optOutFigures(),
    { received: figuresBefore.received + 1, complied: figuresBefore.complied + 1 },
    'complied once applied and proven',
  );
});
