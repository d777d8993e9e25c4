// What an archive never discloses, what a correction never rewrites, and what the engine keeps of
// a subject's personal values in its own records (audit details, privacy@ mail): real stack, real
// ZIPs, rows counted in the databases.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAdminKey } from '../../api/admin-keys';
import type { Manifest } from '../../activities/manifest';
import { expireRecords } from '../../activities/record-keeping';
import { correctionGuard } from '../../activities/stores/correction-guard';
import { maskingSalt } from '../../activities/stores/masking';
import { postgresBackend } from '../../activities/stores/postgres-connector';
import { auditHashSecret, keyedHash } from '../../lib/keyed-hash';
import { isCollection } from '../../schemas/datamap-graph';
import { codeFrom, downloadPathFrom, submit, submitAndVerify, verify, waitForErasure, waitForStatus } from '../support/flow';
import { startStack, TEST_INBOX_SECRET, type Stack } from '../support/stack';
import { readZip } from '../support/zip';

let stack: Stack;
let admin: Record<string, string>;
before(async () => {
  stack = await startStack();
  await stack.startWorker();
  admin = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'lead', 'admin')).key}` };
});
after(async () => stack?.stop());

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
const accountId = async (email: string) =>
  String((await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email])).rows[0].id);

async function download(id: string, email: string): Promise<Map<string, Buffer>> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /ready/.test(m.subject));
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
  assert.equal(res.statusCode, 200);
  return readZip(res.rawPayload);
}

function rfc822(from: string, subject: string, body: string, messageId: string): string {
  return [
    `From: ${from}`,
    'To: privacy@dsar.test',
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    'Date: Mon, 23 Nov 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ].join('\r\n');
}

const sendMail = (raw: string) =>
  stack.app.inject({
    method: 'POST',
    url: '/v1/inbox/messages',
    payload: raw,
    headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${TEST_INBOX_SECRET}` },
  });

describe('what is never disclosed', () => {
  test('CCPA §7024(d): an export of an account with API keys contains no key hash', async () => {
    const email = 'alice@example.com';
    const id = await accountId(email);
    const { rows: keys } = await stack.db.appDb.query<{ key_hash: string; label: string }>(
      'SELECT key_hash, label FROM api_keys WHERE account_id = $1',
      [id],
    );
    assert.ok(keys.length >= 2, 'the account has API keys');

    const requestId = await submitAndVerify(stack, 'access', email);
    await waitForStatus(stack, requestId, 'completed');
    const files = await download(requestId, email);
    const everything = [...files.values()].map((b) => b.toString()).join('\n');
    for (const k of keys) assert.ok(!everything.includes(k.key_hash), 'no key hash anywhere in the archive');

    const json = JSON.parse(files.get('data/app_db/api_keys.json')!.toString()) as Record<string, unknown>[];
    assert.equal(json.length, keys.length, 'every key is listed');
    assert.ok(
      json.every((k) => !('key_hash' in k) && typeof k.label === 'string' && typeof k.key_prefix === 'string'),
      'label and prefix (disclose: true) stay; the hash goes',
    );
    const csvHeader = files.get('data/app_db/api_keys.csv')!.toString().split('\n')[0].split(',');
    assert.ok(!csvHeader.includes('key_hash') && csvHeader.includes('label'), 'the CSV has no key_hash column');

    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    const withheld = manifest.withheld.find((w) => w.collection === 'api_keys' && w.field === 'key_hash');
    assert.ok(withheld, 'the manifest names the withheld field');
    assert.equal(withheld.category, 'user.credentials.hash');
    assert.match(withheld.reason, /§7024\(d\)/);
    assert.equal(manifest.totals.withheld, manifest.withheld.length);
    const report = files.get('report.html')!.toString();
    assert.match(report, /Not disclosed/);
    assert.match(report, /<strong>Key fingerprint<\/strong> in Your API keys/, "named by the data map's labels");
  });
});

describe('masks and restrictions are final', () => {
  test('GDPR Art. 18(2): a correction after a deletion never writes clear text into masked or restricted billing rows, nor into the account awaiting its purge', async () => {
    const email = 'carol@example.com';
    const id = await accountId(email);
    const deletion = await submitAndVerify(stack, 'deletion', email);
    await waitForErasure(stack, deletion);
    const billing = async () =>
      (
        await stack.db.appDb.query(
          'SELECT billing_email, billing_name, restricted_until IS NOT NULL AS restricted FROM billing_records WHERE account_id = $1 ORDER BY id',
          [id],
        )
      ).rows;
    const retained = await billing();
    assert.ok(retained.length > 0 && retained.every((b) => b.restricted && String(b.billing_email).startsWith('sha256:')));

    // during the grace period the account row still resolves the subject
    const { body } = await submit(stack, { type: 'correction', email, corrections: { email: 'carol.new@example.com', name: 'Carol New' } });
    const mail = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /Confirm/.test(m.subject));
    assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
    await waitForStatus(stack, body.id, 'completed');

    assert.deepEqual(await billing(), retained, 'the retained rows are exactly as the deletion left them');
    const { rows: account } = await stack.db.appDb.query('SELECT email, name FROM accounts WHERE id = $1', [id]);
    assert.deepEqual(account, [{ email, name: 'Carol Diaz' }], 'the deactivated account keeps the address its purge will find it by');
    const detail = (await stack.app.inject({ method: 'GET', url: `/v1/admin/requests/${body.id}`, headers: admin })).json();
    const billingOutcome = detail.corrections.find((c: { collection: string }) => c.collection === 'billing_records');
    assert.deepEqual(
      billingOutcome.skipped.map((s: { column: string; reason: string; rows: number }) => [s.column, s.reason, s.rows]).sort(),
      [
        ['billing_email', 'restricted', retained.length],
        ['billing_name', 'restricted', retained.length],
      ],
    );
    assert.ok(
      billingOutcome.changes.every((c: { rows: number }) => c.rows === 0),
      'no billing row changed',
    );
    const accountsOutcome = detail.corrections.find((c: { collection: string }) => c.collection === 'accounts');
    assert.deepEqual(accountsOutcome.skipped.map((s: { column: string; reason: string }) => [s.column, s.reason]).sort(), [
      ['email', 'awaiting_purge'],
      ['name', 'awaiting_purge'],
    ]);
    const done = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /corrected/.test(m.subject));
    assert.match(done.text, /We did not change these records[^\n]*Art\. 18\(2\)/);
    assert.match(done.text, /app db billing records: email, name \(the records are restricted to that obligation\)/);
    assert.match(done.text, /app db accounts: email, name \(the account is deactivated and will be erased when its deletion completes\)/);
    assert.doesNotMatch(done.text, /We corrected:/, 'nothing is claimed as corrected');
  });

  test('GDPR Art. 18(2): with correctRetained the map allows it, and the new value is masked again', async () => {
    const node = stack.deps.dataMap.node({ store: 'app_db', collection: 'billing_records' });
    assert.ok(isCollection(node) && node.kind === 'postgres');
    const spec = node.spec.onErasure;
    assert.ok(spec?.action === 'retain');
    const id = await accountId('user7@example.net');
    await stack.db.appDb.query(
      `UPDATE billing_records SET billing_email = 'sha256:' || repeat('0', 64), restricted_until = issued_at + interval '7 years' WHERE account_id = $1`,
      [id],
    );
    const preds = [{ column: 'account_id', values: [id], caseInsensitive: false }];
    const salt = maskingSalt(stack.deps);
    const corrected = 'seven@example.net';
    const allowed = correctionGuard({ ...spec, correctRetained: true }, 'billing_email', corrected, salt);
    const r = await postgresBackend.correctColumn(node, preds, 'billing_email', corrected, allowed);
    const { rows } = await stack.db.appDb.query('SELECT DISTINCT billing_email FROM billing_records WHERE account_id = $1', [id]);
    assert.deepEqual(
      rows.map((x) => x.billing_email),
      [`sha256:${sha256(salt + corrected)}`],
      're-masked the way erasure masks (salted SHA-256), never clear text',
    );
    assert.equal(r.rows, 12);
    const refused = correctionGuard(spec, 'billing_email', 'other@example.net', salt);
    const again = await postgresBackend.correctColumn(node, preds, 'billing_email', 'other@example.net', refused);
    assert.deepEqual([again.rows, again.skipped], [0, { masked: 0, restricted: 12 }], 'without the flag nothing is rewritten');
  });
});

describe('minimisation', () => {
  test('GDPR Art. 5(1)(c): the raw privacy@ mail is erased with the subject’s deletion; what record keeping needs stays', async () => {
    const email = 'bob@example.com';
    const messageId = '<bob-delete-1@mail.test>';
    const res = await sendMail(rfc822(`Bob <${email}>`, 'Delete my account', 'Please delete my account and all my data.', messageId));
    assert.equal(res.statusCode, 202, res.body);
    assert.equal(res.json().status, 'request');
    const requestId = res.json().requestId as string;
    const other = await sendMail(rfc822('someone@else.test', 'Hello', 'What do you store about me?', '<other-1@mail.test>'));
    assert.equal(other.statusCode, 202);
    const inbox = async (mid: string) =>
      (
        await stack.db.engineDb.query(
          'SELECT raw IS NULL AS raw_gone, sender, subject, sender_hash, status, received_at, erased_because, request_id FROM inbox_messages WHERE message_id = $1',
          [mid],
        )
      ).rows[0];
    assert.equal((await inbox(messageId)).raw_gone, false);

    const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(requestId) && /Confirm/.test(m.subject));
    assert.equal((await verify(stack, requestId, codeFrom(mail.text))).status, 200);
    await waitForErasure(stack, requestId);

    const kept = await inbox(messageId);
    assert.equal(kept.raw_gone, true, 'the raw mail is gone');
    assert.equal(kept.sender, null);
    assert.equal(kept.subject, null);
    assert.equal(kept.sender_hash, keyedHash(auditHashSecret(stack.config), email), 'a keyed hash of the sender stays');
    assert.deepEqual([kept.status, kept.request_id, kept.erased_because], ['request', requestId, 'subject_deletion']);
    assert.ok(kept.received_at instanceof Date);
    const untouched = await inbox('<other-1@mail.test>');
    assert.deepEqual([untouched.raw_gone, untouched.sender], [false, 'someone@else.test'], "another sender's mail is untouched");
  });

  test('Record keeping (CCPA §7101): raw mail older than the record-keeping period is erased by the daily sweep', async () => {
    const months = stack.config.RECORD_RETENTION_MONTHS;
    await stack.db.engineDb.query(
      `INSERT INTO inbox_messages (id, message_id, source, status, sender, subject, raw, received_at)
       VALUES (gen_random_uuid(), '<old-1@mail.test>', 'webhook', 'rejected', 'old@sender.test', 'Old', 'raw'::bytea,
               now() - make_interval(months => $1 + 1)),
              (gen_random_uuid(), '<recent-1@mail.test>', 'webhook', 'rejected', 'new@sender.test', 'New', 'raw'::bytea,
               now() - make_interval(months => $1 - 1))`,
      [months],
    );
    const results = await expireRecords(stack.deps, 'test-run');
    assert.ok((results.find((r) => r.collection === 'inbox_messages')?.deleted ?? 0) >= 1);
    const { rows } = await stack.db.engineDb.query(
      "SELECT message_id, raw IS NULL AS gone, erased_because FROM inbox_messages WHERE message_id IN ('<old-1@mail.test>', '<recent-1@mail.test>') ORDER BY message_id",
    );
    assert.deepEqual(
      rows.map((r) => [r.message_id, r.gone, r.erased_because]),
      [
        ['<old-1@mail.test>', true, 'record_keeping'],
        ['<recent-1@mail.test>', false, null],
      ],
    );
  });

  test('Minimisation: audit details hold no bare SHA-256 of a subject’s e-mail or of corrected values', async () => {
    // after the flows above: access, deletion, correction, mail to privacy@, an extension and a hold
    const { body } = await submit(stack, { type: 'export', email: 'user3@example.net' });
    const ext = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${body.id}/extend`,
      headers: admin,
      payload: { newDueAt: new Date(Date.now() + 50 * 86_400_000).toISOString(), reason: 'complex request for user3@example.net' },
    });
    assert.ok(ext.statusCode < 300, ext.body);
    const hold = await stack.app.inject({
      method: 'POST',
      url: '/v1/admin/legal-holds',
      headers: admin,
      payload: { email: 'user5@example.net', reason: 'litigation about user5@example.net' },
    });
    assert.equal(hold.statusCode, 201, hold.body);

    const { rows } = await stack.db.engineDb.query('SELECT details::text AS d FROM audit_events');
    const audit = rows.map((r) => r.d as string).join('\n');
    assert.ok(audit.length > 0);
    const personal = [
      'alice@example.com',
      'bob@example.com',
      'carol@example.com',
      'carol.new@example.com',
      'Carol Diaz',
      'Carol New',
      'user3@example.net',
      'complex request for user3@example.net',
      'litigation about user5@example.net',
      '<bob-delete-1@mail.test>',
    ];
    for (const value of personal) {
      assert.ok(!audit.includes(value), `no clear ${value}`);
      assert.ok(!audit.includes(sha256(value)), `no bare SHA-256 of ${value}`);
    }
    assert.match(audit, /hmac-sha256:[0-9a-f]{64}/, 'keyed hashes are there instead');
  });
});
