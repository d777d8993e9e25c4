// The privacy@ IMAP poller against a real Dovecot: mail becomes requests / triage items once
// per Message-ID and is moved (never deleted) to the processed folder.
import { ImapFlow } from 'imapflow';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Pool } from 'pg';
import { createAdminKey } from '../../api/admin-keys';
import type { ApiDeps } from '../../api/deps';
import { startImapPoller, type ImapPoller } from '../../api/imap-poller';
import { stateQuery } from '../../schemas/contract';
import { startDovecot, type DovecotServer } from '../support/dovecot';
import { freePort } from '../support/ports';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let dovecot: DovecotServer;
let deps: ApiDeps;
let poller: ImapPoller;
let imap: ImapFlow;
const logged: string[] = [];
const DAY = 86_400_000;

before(async () => {
  [stack, dovecot] = await Promise.all([startStack(), startDovecot()]);
  await stack.startWorker();
  deps = { config: stack.config, engineDb: stack.db.engineDb, temporal: stack.env.client, dataMap: stack.deps.dataMap };
  // a long interval: the test drives the polls itself
  poller = startImapPoller(deps, { url: dovecot.url, intervalMs: 3_600_000, log: (m) => logged.push(m) });
  imap = new ImapFlow({
    host: dovecot.host,
    port: dovecot.port,
    secure: false,
    auth: { user: dovecot.user, pass: dovecot.password },
    logger: false,
    disableAutoIdle: true,
  });
  await imap.connect();
});
after(async () => {
  await poller?.stop();
  await imap?.logout().catch(() => imap.close());
  await dovecot?.stop();
  await stack?.stop();
});

function mail(h: { from: string; subject: string; body: string; messageId: string }): string {
  return [
    `From: ${h.from}`,
    'To: privacy@dsar.test',
    `Subject: ${h.subject}`,
    `Message-ID: ${h.messageId}`,
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    h.body,
    '',
  ].join('\r\n');
}

const count = async (folder: string) => (await imap.status(folder, { messages: true })).messages ?? 0;
const requestsFrom = async (email: string) =>
  (
    await stack.db.engineDb.query<{ id: string; type: string; channel: string }>(
      'SELECT r.id, r.type, r.channel FROM requests r JOIN inbox_messages m ON m.request_id = r.id WHERE m.sender = $1',
      [email],
    )
  ).rows;

const ALICE = mail({
  from: 'Alice <alice@example.com>',
  subject: 'Access request',
  body: 'Please send me a copy of my data.',
  messageId: '<imap-access-1@mail.test>',
});

test('a mail in INBOX becomes one access request, gets a verification mail and is moved to Processed', async () => {
  await imap.append('INBOX', ALICE);
  assert.equal(await count('INBOX'), 1);
  assert.equal(await poller.pollOnce(), 1);

  const rows = await requestsFrom('alice@example.com');
  assert.equal(rows.length, 1);
  assert.deepEqual([rows[0].type, rows[0].channel], ['access', 'inbox']);
  const {
    rows: [m],
  } = await stack.db.engineDb.query("SELECT source, status FROM inbox_messages WHERE message_id = '<imap-access-1@mail.test>'");
  assert.deepEqual(m, { source: 'imap', status: 'request' });
  const v = await stack.smtp.waitFor((x) => x.text.includes(rows[0].id));
  assert.deepEqual(v.to, ['alice@example.com']);

  assert.equal(await count('INBOX'), 0);
  assert.equal(await count('Processed'), 1);
});

test('the same Message-ID again creates no second request; that copy is moved too', async () => {
  await imap.append('INBOX', ALICE);
  assert.equal(await poller.pollOnce(), 1);
  assert.equal((await requestsFrom('alice@example.com')).length, 1);
  assert.equal(
    Number(
      (await stack.db.engineDb.query("SELECT count(*) AS n FROM inbox_messages WHERE message_id = '<imap-access-1@mail.test>'")).rows[0].n,
    ),
    1,
  );
  assert.equal(await count('INBOX'), 0);
  assert.equal(await count('Processed'), 2);
  assert.equal(await poller.pollOnce(), 0, 'an empty INBOX is a poll of nothing');
});

test('a mail that cannot be classified goes to triage and is moved as well', async () => {
  await imap.append(
    'INBOX',
    mail({
      from: 'user9@example.net',
      subject: 'Hello',
      body: 'Can you help me with my account?',
      messageId: '<imap-unclear-1@mail.test>',
    }),
  );
  assert.equal(await poller.pollOnce(), 1);
  const { rows } = await stack.db.engineDb.query(
    "SELECT source, status, request_id FROM inbox_messages WHERE message_id = '<imap-unclear-1@mail.test>'",
  );
  assert.deepEqual(rows, [{ source: 'imap', status: 'triage', request_id: null }]);
  assert.equal(await count('INBOX'), 0);
  assert.equal(await count('Processed'), 3);
});

test('when intake fails the message stays in INBOX (one log line, no personal data) and is taken in by the next poll', async () => {
  const deadDb = new Pool({ connectionString: `postgres://nobody@127.0.0.1:${await freePort()}/none`, connectionTimeoutMillis: 2_000 });
  deadDb.on('error', () => undefined);
  const failLog: string[] = [];
  const broken = startImapPoller({ ...deps, engineDb: deadDb }, { url: dovecot.url, intervalMs: 3_600_000, log: (m) => failLog.push(m) });
  try {
    await imap.append(
      'INBOX',
      mail({ from: 'dave@example.org', subject: 'Delete my data', body: 'Please delete my data.', messageId: '<imap-retry-1@mail.test>' }),
    );
    assert.equal(await broken.pollOnce(), 0);
  } finally {
    await broken.stop();
    await deadDb.end();
  }
  assert.equal(failLog.length, 1, failLog.join('\n'));
  assert.match(failLog[0], /left in INBOX/);
  assert.doesNotMatch(failLog[0], /dave|example\.org|Delete my data|\n/);
  assert.equal(await count('INBOX'), 1);
  assert.equal(await count('Processed'), 3);

  assert.equal(await poller.pollOnce(), 1);
  assert.deepEqual(
    (await requestsFrom('dave@example.org')).map((r) => r.channel),
    ['inbox'],
  );
  assert.equal(await count('INBOX'), 0);
  assert.equal(await count('Processed'), 4);
  assert.deepEqual(logged, []);
});

test('triaged mail keeps its arrival date: the deadline runs from receipt, not classification', async () => {
  // the mail reached the server five days ago (INTERNALDATE) and waited in triage since
  const arrived = new Date(Math.floor((Date.now() - 5 * DAY) / 1000) * 1000);
  await imap.append(
    'INBOX',
    mail({
      from: 'user13@example.net',
      subject: 'My account',
      body: 'I want you to get rid of everything about me.',
      messageId: '<imap-late-1@mail.test>',
    }),
    [],
    arrived,
  );
  assert.equal(await poller.pollOnce(), 1);
  const {
    rows: [m],
  } = await stack.db.engineDb.query("SELECT id, status, received_at FROM inbox_messages WHERE message_id = '<imap-late-1@mail.test>'");
  assert.equal(m.status, 'triage');
  assert.equal(m.received_at.toISOString(), arrived.toISOString(), 'dated by INTERNALDATE, not by the poll');

  const admin = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'triage', 'admin')).key}` };
  const res = await stack.app.inject({
    method: 'POST',
    url: `/v1/admin/inbox/${m.id}/classify`,
    payload: { type: 'deletion' },
    headers: admin,
  });
  assert.equal(res.statusCode, 200, res.body);
  const {
    rows: [r],
  } = await stack.db.engineDb.query('SELECT received_at, due_at FROM requests WHERE id = $1', [res.json().requestId]);
  assert.equal(r.received_at.toISOString(), arrived.toISOString());
  // policy (30 days) or one calendar month from arrival, whichever is earlier — worked out here
  const lastDay = new Date(Date.UTC(arrived.getUTCFullYear(), arrived.getUTCMonth() + 2, 0)).getUTCDate();
  const oneMonth =
    Date.UTC(arrived.getUTCFullYear(), arrived.getUTCMonth() + 1, Math.min(arrived.getUTCDate(), lastDay)) + (arrived.getTime() % DAY);
  const due = new Date(Math.min(arrived.getTime() + 30 * DAY, oneMonth)).toISOString();
  assert.equal(r.due_at.toISOString(), due, 'due 25 days after the classification, not 30');
  await stack.smtp.waitFor((mm) => mm.text.includes(res.json().requestId) && /Confirm/.test(mm.subject));
  const state = await stack.env.client.workflow.getHandle(res.json().requestId).query(stateQuery);
  assert.equal(state.dueAt, due, 'the workflow counts from the same instant');
});
