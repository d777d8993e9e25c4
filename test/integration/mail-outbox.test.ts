// The mail outbox on the real stack: a mail already sent is not resent, one left 'sending' is
// resent with the same Message-ID, a permanent 5xx fails for good with a reason that names no
// address, and a worker killed between the SMTP server's acceptance and the record is replaced
// within seconds, the subject getting copies of one Message-ID only.
import { ApplicationFailure } from '@temporalio/common';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { createActivities } from '../../activities';
import { createMailer, MAIL_NOT_SENT, MAIL_REJECTED } from '../../activities/email';
import { claimOutboxSend } from '../../records/mail-outbox';
import { submit, submitAndVerify, waitForStatus } from '../support/flow';
import { recordFaultOutcome } from '../support/fault-report';
import { spawnWorkerProcess } from '../support/worker-process';
import { startStack, workflowBundle, type Stack } from '../support/stack';

let stack: Stack;
let bundlePath: string;
const workers: ChildProcess[] = [];

before(async () => {
  stack = await startStack();
  bundlePath = path.join(stack.db.tmp, 'workflows.js');
  await writeFile(bundlePath, (await workflowBundle()).code);
});

after(async () => {
  workers.forEach((w) => w.kill('SIGKILL'));
  await stack?.stop();
});

/** A request row for `email`, as intake stores it (the activities only read it). */
async function requestFor(email: string): Promise<string> {
  const { rows } = await stack.db.engineDb.query(
    `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at)
     VALUES (gen_random_uuid(), 'export', 'self_service', 'awaiting_verification', $1, md5($1), now(), now() + interval '30 days') RETURNING id`,
    [email],
  );
  return rows[0].id;
}

async function outboxRow(key: string) {
  const { rows } = await stack.db.engineDb.query(
    'SELECT state, attempts, message_id, sent_at, smtp_response, last_error FROM mail_outbox WHERE key = $1',
    [key],
  );
  return rows[0];
}

const mailsAbout = (id: string, subject: RegExp) => stack.smtp.mails.filter((m) => m.text.includes(id) && subject.test(m.subject));

test('a mail already sent is not resent; one left sending is resent with its Message-ID', async () => {
  const activities = createActivities(stack.deps);
  const id = await requestFor('outbox-once@example.com');
  await activities.sendUnverifiedNotice(id);
  await activities.sendUnverifiedNotice(id);
  const notices = stack.smtp.mails.filter((m) => m.text.includes(id));
  assert.equal(notices.length, 1, 'one mail for two calls');
  const row = await outboxRow(`${id}:unverified-closed`);
  assert.equal(row.state, 'sent');
  assert.equal(row.attempts, 1, 'the second call did not attempt a send');
  assert.equal(notices[0].messageId, row.message_id);
  assert.match(row.message_id, /^<[0-9a-f]{32}@localhost>$/, 'derived from the key and the MAIL_FROM domain, no address');
  assert.match(row.smtp_response, /^250/);

  // a worker that died after writing the row (mid-send, or with the server's answer lost)
  const other = await requestFor('outbox-crashed@example.com');
  const claim = await claimOutboxSend(stack.db.engineDb, {
    key: `${other}:unverified-closed`,
    requestId: other,
    kind: 'unverified_closed',
    messageId: '<first-attempt@localhost>',
  });
  assert.deepEqual(claim, { messageId: '<first-attempt@localhost>', attempts: 1 });
  await activities.sendUnverifiedNotice(other);
  const resent = stack.smtp.mails.filter((m) => m.text.includes(other));
  assert.deepEqual(
    resent.map((m) => m.messageId),
    ['<first-attempt@localhost>'],
    'resent with the Message-ID of the first attempt',
  );
  const after = await outboxRow(`${other}:unverified-closed`);
  assert.equal(after.state, 'sent');
  assert.equal(after.attempts, 2);

  const dossier = await stack.db.engineDb.query('SELECT kind FROM mail_outbox WHERE request_id = ANY($1) AND sent_at IS NOT NULL', [
    [id, other],
  ]);
  assert.equal(dossier.rowCount, 2, 'each listed once as sent');
});

test('a permanent 5xx fails non-retryably without the address; a 4xx and a refused connection stay retryable', async () => {
  const activities = createActivities(stack.deps);
  const refused = 'no-such-mailbox@example.com';
  stack.smtp.hooks.refuseRecipient = (address) =>
    address === refused ? { code: 550, message: `5.1.1 <${refused}>: Recipient address rejected` } : undefined;
  try {
    const id = await requestFor(refused);
    const err = await activities.sendUnverifiedNotice(id).then(
      () => assert.fail('the refused mail was reported sent'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.nonRetryable, true);
    assert.equal(err.type, MAIL_REJECTED);
    assert.match(err.message, /550 5\.1\.1 to RCPT TO/);
    assert.ok(!err.message.includes('no-such-mailbox'), err.message);
    const row = await outboxRow(`${id}:unverified-closed`);
    assert.equal(row.state, 'rejected');
    assert.ok(!row.last_error.includes('no-such-mailbox'), row.last_error);
    assert.equal(stack.smtp.mails.filter((m) => m.text.includes(id)).length, 0);
  } finally {
    stack.smtp.hooks = {};
  }

  const deferred = await requestFor('greylisted@example.com');
  stack.smtp.hooks.refuseMessage = () => ({ code: 451, message: '4.7.1 Greylisted, try again later' });
  try {
    const err = await activities.sendUnverifiedNotice(deferred).then(
      () => assert.fail('the deferred mail was reported sent'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure, String(err));
    assert.equal(err.nonRetryable, false);
    assert.equal(err.type, MAIL_NOT_SENT);
    assert.equal((await outboxRow(`${deferred}:unverified-closed`)).state, 'sending', 'left for the retry');
  } finally {
    stack.smtp.hooks = {};
  }
  await activities.sendUnverifiedNotice(deferred); // the retry
  const row = await outboxRow(`${deferred}:unverified-closed`);
  assert.equal(row.state, 'sent');
  assert.equal(row.attempts, 2);
  assert.equal(stack.smtp.mails.filter((m) => m.text.includes(deferred)).length, 1);

  // nothing listening: retryable too
  const down = await requestFor('server-down@example.com');
  const closedPort = createActivities({ ...stack.deps, mailer: createMailer('smtp://127.0.0.1:1') });
  const err = await closedPort.sendUnverifiedNotice(down).then(
    () => assert.fail('sent to a closed port'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApplicationFailure && err.nonRetryable === false && err.type === MAIL_NOT_SENT, String(err));
});

test('a mail server that never greets fails the attempt within the greeting timeout, retryably', async () => {
  const hung = createServer(() => undefined); // accepts, then says nothing
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = hung.address() as AddressInfo;
    const mailer = createMailer(`smtp://127.0.0.1:${port}`, {
      SMTP_CONNECTION_TIMEOUT_MS: 1000,
      SMTP_GREETING_TIMEOUT_MS: 500,
      SMTP_SOCKET_TIMEOUT_MS: 1000,
    });
    const id = await requestFor('hung-server@example.com');
    const started = Date.now();
    const err = await createActivities({ ...stack.deps, mailer })
      .sendUnverifiedNotice(id)
      .then(
        () => assert.fail('sent through a silent server'),
        (e: unknown) => e,
      );
    assert.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`);
    assert.ok(err instanceof ApplicationFailure && err.nonRetryable === false && err.type === MAIL_NOT_SENT, String(err));
    assert.equal((await outboxRow(`${id}:unverified-closed`)).state, 'sending');
  } finally {
    hung.close();
  }
});

test('through Temporal a rejected mail is attempted once', { timeout: 60_000 }, async () => {
  const email = 'bounces@example.com';
  stack.smtp.hooks.refuseRecipient = (address) =>
    address === email ? { code: 550, message: '5.1.1 Recipient address rejected' } : undefined;
  await stack.startWorker();
  try {
    const { status, body } = await submit(stack, { type: 'export', email });
    assert.equal(status, 202);
    const handle = stack.env.client.workflow.getHandle(body.id);
    const deadline = Date.now() + 30_000;
    for (;;) {
      const events = (await handle.fetchHistory()).events ?? [];
      const failed = events.find((e) => e.activityTaskFailedEventAttributes);
      if (failed) {
        const failure = failed.activityTaskFailedEventAttributes!.failure!;
        assert.equal(failure.applicationFailureInfo?.type, MAIL_REJECTED);
        assert.equal(failure.applicationFailureInfo?.nonRetryable, true);
        assert.ok(!failure.message?.includes('bounces'), failure.message ?? '');
        const started = events.filter((e) => e.activityTaskStartedEventAttributes);
        assert.equal(started.at(-1)!.activityTaskStartedEventAttributes!.attempt, 1, 'not retried');
        break;
      }
      assert.ok(Date.now() < deadline, 'the verification mail step did not fail');
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal((await outboxRow(`${body.id}:verification`)).state, 'rejected');
    await handle.terminate('test done').catch(() => undefined);
  } finally {
    stack.smtp.hooks = {};
    await stack.stopWorker();
  }
});

/** The production worker entry point as its own process, with the workflows bundled ahead. */
function spawnWorker(): ChildProcess {
  const child = spawnWorkerProcess(stack, { WORKFLOW_BUNDLE_PATH: bundlePath });
  workers.push(child);
  return child;
}

test(
  'a worker killed after the SMTP server accepted the export mail: one Message-ID, taken over in seconds',
  { timeout: 150_000 },
  async (t) => {
    const first = spawnWorker();
    let killedAt = 0;
    const killed = new Promise<void>((resolve) => {
      // the server has the message; the worker dies before it hears the 250, so it never records it
      stack.smtp.hooks.beforeAccept = async (mail) => {
        if (killedAt || !/ready/.test(mail.subject)) return;
        first.kill('SIGKILL');
        await new Promise((r) => first.once('exit', r));
        killedAt = Date.now();
        resolve();
      };
    });
    try {
      const id = await submitAndVerify(stack, 'export', 'carol@example.com');
      await killed;
      const sending = await outboxRow(`${id}:export-ready`);
      assert.equal(sending.state, 'sending', 'the worker died before recording the send');

      spawnWorker();
      const startedAt = Date.now();
      await waitForStatus(stack, id, 'completed', 60_000);
      const tookOver = Date.now() - startedAt;
      const sinceKill = Date.now() - killedAt;
      assert.ok(tookOver < 30_000, `completed ${tookOver} ms after the new worker started`);
      assert.ok(sinceKill < 45_000, 'well within the old 2-minute step timeout');

      await new Promise((r) => setTimeout(r, 1000)); // give any further copy a chance to arrive
      const copies = mailsAbout(id, /ready/);
      t.diagnostic(`${copies.length} copies of the mail; kill → completed ${sinceKill} ms; new worker start → completed ${tookOver} ms`);
      assert.ok(copies.length >= 1, 'the subject got the mail');
      assert.ok(copies.every((m) => m.to.includes('carol@example.com')));
      assert.equal(new Set(copies.map((m) => m.messageId)).size, 1, 'every copy carries the same Message-ID');
      const row = await outboxRow(`${id}:export-ready`);
      assert.equal(row.state, 'sent');
      assert.equal(row.attempts, 2, 'the attempt that died and the one that recorded it');
      assert.equal(row.message_id, copies[0].messageId);
      assert.ok(!row.message_id.includes('carol'));
      recordFaultOutcome({
        scenario: 'worker killed after the SMTP server took the export mail, before its 250',
        requests: 1,
        completed: 1,
        lost: 0,
        duplicateMails: copies.length - 1,
        note: `${copies.length} cop${copies.length === 1 ? 'y' : 'ies'}, 1 Message-ID (receivers de-duplicate); new worker finished the step in ${tookOver} ms`,
      });
    } finally {
      stack.smtp.hooks = {};
    }
  },
);
