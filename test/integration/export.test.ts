import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { verifyAuditChain } from '../../records/audit-events';
import type { Manifest } from '../../activities/manifest';
import { signToken } from '../../lib/signed-token';
import { codeFrom, downloadPathFrom, submit, submitAndVerify, verify, waitForStatus } from '../support/flow';
import { startStack, TEST_SECRET, type Stack } from '../support/stack';
import { readZip } from '../support/zip';

let stack: Stack;
before(async () => {
  stack = await startStack();
  await stack.startWorker();
});
after(async () => stack?.stop());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The database's rows compared field by field with an export's JSON rows. */
function assertSameRows(dbRows: Record<string, unknown>[], jsonRows: Record<string, unknown>[], what: string) {
  assert.equal(jsonRows.length, dbRows.length, `${what}: row count`);
  dbRows.forEach((dbRow, i) => {
    for (const [k, v] of Object.entries(dbRow)) {
      const got = jsonRows[i][k];
      if (v instanceof Date) assert.equal(Date.parse(String(got)), v.getTime(), `${what}[${i}].${k}`);
      else if (v === null) assert.equal(got, null, `${what}[${i}].${k}`);
      else assert.equal(String(got), String(v), `${what}[${i}].${k}`);
    }
  });
}

async function download(id: string, email: string): Promise<Buffer> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /ready/.test(m.subject));
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/zip');
  return res.rawPayload;
}

describe('export request', () => {
  test('an export for a seeded account completes and its ZIP matches the database', async () => {
    const email = 'alice@example.com';
    const { status, body } = await submit(stack, { type: 'export', email: 'Alice@Example.com' });
    assert.equal(status, 202);
    const days = (Date.parse(body.dueAt) - Date.parse(body.receivedAt)) / 86_400_000;
    assert.equal(days, 30);

    const verification = await stack.smtp.waitFor((m) => m.text.includes(body.id));
    assert.deepEqual(verification.to, [email], 'the code goes to the address of the request only');
    const pending = await waitForStatus(stack, body.id, 'awaiting_verification', 60_000, body.statusToken);
    assert.deepEqual(pending.progress, [], 'nothing is read before verification');

    assert.equal((await verify(stack, body.id, 'not-the-code-0000000000')).status, 401);
    const ok = await verify(stack, body.id, codeFrom(verification.text));
    assert.equal(ok.status, 200);
    assert.equal((await verify(stack, body.id, codeFrom(verification.text))).status, 410, 'a code works once');

    const done = await waitForStatus(stack, body.id, 'completed', 60_000, body.statusToken);
    assert.ok(done.progress.length >= 5 && done.progress.every((p: { state: string }) => p.state === 'done'));

    const files = await readZip(await download(body.id, email));
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    assert.equal(manifest.requestId, body.id);

    const {
      rows: [alice],
    } = await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email]);
    const expected: Record<string, string> = {
      accounts: 'SELECT * FROM accounts WHERE id = $1 ORDER BY id',
      api_keys: 'SELECT * FROM api_keys WHERE account_id = $1 ORDER BY id',
      usage_logs: 'SELECT * FROM usage_logs WHERE account_id = $1 ORDER BY id',
      billing_records: 'SELECT * FROM billing_records WHERE account_id = $1 ORDER BY id',
      support_tickets: 'SELECT * FROM support_tickets WHERE account_id = $1 ORDER BY id',
    };
    for (const [collection, sql] of Object.entries(expected)) {
      const entry = manifest.collections.find((c) => c.collection === collection);
      assert.ok(entry, `manifest lists ${collection}`);
      assert.ok(entry.purposes.length > 0 && entry.retention.description, `${collection}: Art. 15(1) information`);
      const { rows } = await stack.db.appDb.query(sql, [alice.id]);
      assert.ok(rows.length > 0);
      assert.equal(entry.rows, rows.length);
      for (const f of entry.files) {
        const content = files.get(f.name);
        assert.ok(content, `${f.name} is in the archive`);
        assert.equal(sha256(content), f.sha256, `${f.name} checksum`);
        assert.equal(content.length, f.bytes);
      }
      const json = JSON.parse(files.get(`data/app_db/${collection}.json`)!.toString());
      // never disclosed (§7024(d)): test/integration/disclosure-minimisation.test.ts checks it is absent
      for (const field of entry.withheld.map((w) => w.field)) rows.forEach((r) => delete r[field]);
      assertSameRows(rows, json, collection);
      const csvLines = files.get(`data/app_db/${collection}.csv`)!.toString().trimEnd().split('\n');
      assert.equal(csvLines.length, rows.length + 1, `${collection}.csv has a header and every row`);
      for (const row of json) {
        if ('account_id' in row) assert.equal(String(row.account_id), String(alice.id), "only the subject's rows");
      }
    }
    const everything = [...files.values()].map((b) => b.toString()).join('\n');
    assert.ok(!everything.includes('bob@example.com'), "another subject's data never appears");
    assert.ok(!files.has('report.html'), 'an export carries data, not the access report');

    const { rows: audit } = await stack.db.engineDb.query('SELECT action, details FROM audit_events WHERE request_id = $1 ORDER BY seq', [
      body.id,
    ]);
    const actions = audit.map((a) => a.action);
    for (const a of [
      'request.received',
      'verification.sent',
      'request.verified',
      'subject.resolved',
      'collection.read',
      'export.packaged',
      'export.link_sent',
      'request.completed',
      'export.downloaded',
    ]) {
      assert.ok(actions.includes(a), `audit has ${a}`);
    }
    assert.ok(!JSON.stringify(audit).includes('alice'), 'no personal data in audit details');
    assert.equal((await verifyAuditChain(stack.db.engineDb)).ok, true);
  });

  test('an access request adds a human-readable report', async () => {
    const email = 'carol@example.com';
    const id = await submitAndVerify(stack, 'access', email);
    await waitForStatus(stack, id, 'completed');
    const files = await readZip(await download(id, email));
    const report = files.get('report.html')?.toString() ?? '';
    assert.match(report, /Why we process it/);
    assert.match(report, /How long we keep it/);
    assert.match(report, /carol@example\.com/, 'the report shows the subject their own data');
  });

  test('a subject with no account gets an empty export, and learns nothing about others', async () => {
    const email = 'nobody@example.org';
    const id = await submitAndVerify(stack, 'export', email);
    await waitForStatus(stack, id, 'completed');
    const files = await readZip(await download(id, email));
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    assert.equal(manifest.totals.rows, 0);
    for (const c of manifest.collections) assert.equal(JSON.parse(files.get(`data/${c.store}/${c.collection}.json`)!.toString()).length, 0);
  });
});

describe('tokens and links', () => {
  test('forged, tampered and expired download links are refused', async () => {
    const forged = signToken('some-other-secret-0123456789abcdef', 'export-download', {
      e: '00000000-0000-4000-8000-000000000000',
      exp: Math.floor(Date.now() / 1000) + 3600,
    });
    assert.equal((await stack.app.inject({ method: 'GET', url: `/v1/exports/${forged}` })).statusCode, 401);
    assert.equal((await stack.app.inject({ method: 'GET', url: '/v1/exports/garbage' })).statusCode, 401);
    const expired = signToken(TEST_SECRET, 'export-download', {
      e: '00000000-0000-4000-8000-000000000000',
      exp: Math.floor(Date.now() / 1000) - 1,
    });
    assert.equal((await stack.app.inject({ method: 'GET', url: `/v1/exports/${expired}` })).statusCode, 410);
    const unknown = signToken(TEST_SECRET, 'export-download', {
      e: '00000000-0000-4000-8000-000000000000',
      exp: Math.floor(Date.now() / 1000) + 3600,
    });
    assert.equal((await stack.app.inject({ method: 'GET', url: `/v1/exports/${unknown}` })).statusCode, 404);
  });

  test('an expired verification code is refused with 410', async () => {
    const { body } = await submit(stack, { type: 'export', email: 'bob@example.com' });
    const mail = await stack.smtp.waitFor((m) => m.text.includes(body.id));
    await stack.db.engineDb.query("UPDATE verification_tokens SET expires_at = now() - interval '1 second' WHERE request_id = $1", [
      body.id,
    ]);
    assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 410);
    const status = await stack.app.inject({ method: 'GET', url: `/v1/requests/${body.id}` });
    assert.equal(status.json().status, 'awaiting_verification');
  });

  test('a code for one request does not verify another', async () => {
    const a = await submit(stack, { type: 'export', email: 'user1@example.net' });
    const b = await submit(stack, { type: 'export', email: 'user2@example.net' });
    const mailA = await stack.smtp.waitFor((m) => m.text.includes(a.body.id));
    assert.equal((await verify(stack, b.body.id, codeFrom(mailA.text))).status, 401);
  });
});

describe('verification window', () => {
  test('an unverified request closes when the window passes, with a notice and nothing disclosed', async () => {
    const {
      rows: [req],
    } = await stack.db.engineDb.query(
      `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at)
       VALUES (gen_random_uuid(), 'export', 'self_service', 'received', 'alice@example.com', 'h', now(), now() + interval '30 days') RETURNING id`,
    );
    const handle = await stack.env.client.workflow.start('dsarRequest', {
      workflowId: req.id,
      taskQueue: stack.taskQueue,
      args: [{ requestId: req.id, type: 'export', verificationTimeout: '2 seconds' }],
    });
    const result = await handle.result();
    assert.equal(result.status, 'expired_unverified');
    const notice = await stack.smtp.waitFor((m) => m.text.includes(req.id) && /closed/.test(m.subject));
    assert.deepEqual(notice.to, ['alice@example.com']);
    const read = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM subject_identities WHERE request_id = $1', [req.id]);
    assert.equal(read.rows[0].n, 0, 'the subject was never looked up');
    const exp = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM exports WHERE request_id = $1', [req.id]);
    assert.equal(exp.rows[0].n, 0);
    const {
      rows: [row],
    } = await stack.db.engineDb.query('SELECT status, completed_at FROM requests WHERE id = $1', [req.id]);
    assert.equal(row.status, 'expired_unverified');
    assert.ok(row.completed_at);
    const mail = stack.smtp.mails.find((m) => m.text.includes(req.id) && /Confirm/.test(m.subject))!;
    const late = await verify(stack, req.id, codeFrom(mail.text));
    assert.equal(late.status, 409, 'a closed request cannot be verified afterwards');
  });
});
