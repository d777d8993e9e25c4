// CCPA §7063 authorized agents, and the typable verification code, on the real stack: embedded
// PostgreSQL, the Temporal dev server, the worker, the SMTP catcher and the API.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAdminKey } from '../../api/admin-keys';
import { auditHashSecret, keyedHash } from '../../lib/keyed-hash';
import { CODE_ALPHABET } from '../../lib/verification-code';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { codeFrom, submit, verify, waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

const STEP_UP_QUESTION = 'In which month did you open your account (YYYY-MM)?';
const STEP_UP_MAP = `stepUp: { store: app_db, collection: accounts, column: created_at, match: month, question: "${STEP_UP_QUESTION}" }`;

let stack: Stack;
let adminKey: string;
before(async () => {
  stack = await startStack({
    config: { STEP_UP_FOR: 'deletion' },
    mapAppend: STEP_UP_MAP,
  });
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
});
after(async () => stack?.stop());

const AGENT = { name: 'Fair Data Agency', email: 'cases@fair-agency.test' };
const permission = Buffer.from('%PDF-1.4\nI, the consumer, authorise Fair Data Agency to act for me. Signed.\n');

const uploadPermission = (id: string, statusToken: string | undefined, content: Buffer) =>
  stack.app.inject({
    method: 'POST',
    url: `/v1/requests/${id}/agent-permission`,
    headers: { 'content-type': 'application/octet-stream', ...(statusToken ? { 'x-status-token': statusToken } : {}) },
    payload: content,
  });

const auditOf = async (id: string) =>
  (
    await stack.db.engineDb.query<{ action: string; actor: string; details: Record<string, unknown> }>(
      'SELECT action, actor, details FROM audit_events WHERE request_id = $1 ORDER BY seq',
      [id],
    )
  ).rows;

const agentRow = async (id: string) =>
  (
    await stack.db.engineDb.query<{ document: Buffer | null; document_sha256: string | null; authority_accepted_by: string | null }>(
      'SELECT document, document_sha256, authority_accepted_by FROM request_agents WHERE request_id = $1',
      [id],
    )
  ).rows[0];

describe('authorized agents', () => {
  test("CCPA §7063: an agent's request is verified with the subject directly; the agent is told the outcome but never receives the data", async () => {
    const subject = 'alice@example.com';
    const { status, body } = await submit(stack, { type: 'access', email: subject, agent: AGENT });
    assert.equal(status, 202, JSON.stringify(body));
    const id = body.id as string;

    // the verification mail goes to the subject, naming the agent; the agent is told the subject is asked directly
    const confirm = await stack.smtp.waitFor((m) => m.to.includes(subject) && m.text.includes(id) && /Confirm/.test(m.subject));
    assert.match(confirm.text, /An authorized agent, Fair Data Agency, asked on your behalf/);
    const received = await stack.smtp.waitFor((m) => m.to.includes(AGENT.email) && m.text.includes(id));
    assert.match(received.text, /confirm it with us directly/);
    assert.ok(!received.text.includes('confirm with the code'), 'the agent never gets the code');

    // the subject cannot confirm before the agent has shown the signed permission
    const early = await verify(stack, id, codeFrom(confirm.text));
    assert.equal(early.status, 409, JSON.stringify(early.body));
    assert.match(early.body.message, /signed permission/);

    // the upload needs the request's status token
    assert.equal((await uploadPermission(id, undefined, permission)).statusCode, 401);
    const up = await uploadPermission(id, body.statusToken, permission);
    assert.equal(up.statusCode, 201, up.body);
    const sha256 = createHash('sha256').update(permission).digest('hex');
    assert.equal(up.json().sha256, sha256);
    assert.deepEqual((await agentRow(id)).document, permission, 'the document is held while the request is open');

    const v = await verify(stack, id, codeFrom(confirm.text));
    assert.equal(v.status, 200, JSON.stringify(v.body));
    await waitForStatus(stack, id, 'completed');

    // the data (the download link) went to the subject only; the agent got the outcome, without a link
    const ready = stack.smtp.mails.filter((m) => m.text.includes(id) && /\/v1\/exports\//.test(m.text));
    assert.ok(ready.length >= 1, 'the subject got the download link');
    assert.ok(
      ready.every((m) => m.to.every((to) => to === subject)),
      'only the subject received the data',
    );
    const outcome = await stack.smtp.waitFor((m) => m.to.includes(AGENT.email) && /outcome/.test(m.subject) && m.text.includes(id));
    assert.match(outcome.text, /has been answered/);
    assert.match(outcome.text, /sent to the consumer directly, not to you/);
    const agentMails = stack.smtp.mails.filter((m) => m.to.includes(AGENT.email));
    assert.equal(agentMails.length, 2, 'received and outcome');
    assert.ok(
      agentMails.every((m) => !/\/v1\/exports\//.test(m.text)),
      'no data to the agent',
    );

    // the document is gone once the request closed; its SHA-256 stays, and the audit holds a keyed hash of it
    for (let i = 0; (await agentRow(id)).document !== null; i++) {
      assert.ok(i < 100, 'the document is dropped once the request closed');
      await new Promise((r) => setTimeout(r, 100));
    }
    const row = await agentRow(id);
    assert.equal(row.document, null);
    assert.equal(row.document_sha256, sha256);
    const audit = await auditOf(id);
    const actions = audit.map((e) => e.action);
    for (const a of [
      AUDIT_ACTIONS.agentRequestSubmitted,
      AUDIT_ACTIONS.agentPermissionUploaded,
      AUDIT_ACTIONS.agentNotified,
      AUDIT_ACTIONS.agentPermissionDropped,
    ]) {
      assert.ok(actions.includes(a), `audit has ${a}`);
    }
    const uploaded = audit.find((e) => e.action === AUDIT_ACTIONS.agentPermissionUploaded)!;
    assert.equal(uploaded.details.documentHash, keyedHash(auditHashSecret(stack.config), sha256));
    const everything = JSON.stringify(audit);
    assert.ok(
      !everything.includes(AGENT.email) && !everything.includes(AGENT.name) && !everything.includes(sha256),
      'no agent data in clear',
    );

    // the privacy team sees it is an agent's request
    const listed = await stack.app.inject({
      method: 'GET',
      url: '/v1/admin/requests?type=access',
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const mine = listed.json().requests.find((r: { id: string }) => r.id === id);
    assert.deepEqual(
      {
        name: mine.agent.name,
        documentSha256: mine.agent.documentSha256,
        documentHeld: mine.agent.documentHeld,
        acceptedBy: mine.agent.acceptedBy,
      },
      { name: AGENT.name, documentSha256: sha256, documentHeld: false, acceptedBy: null },
    );
  });

  test('CCPA §7063: a power of attorney accepted by the privacy team verifies the request', async () => {
    const subject = 'bob@example.com';
    const { status, body } = await submit(stack, { type: 'export', email: subject, agent: AGENT });
    assert.equal(status, 202, JSON.stringify(body));
    const id = body.id as string;
    await waitForStatus(stack, id, 'awaiting_verification');
    const accept = () =>
      stack.app.inject({
        method: 'POST',
        url: `/v1/admin/requests/${id}/agent-authority`,
        headers: { authorization: `Bearer ${adminKey}` },
      });
    const tooSoon = await accept();
    assert.equal(tooSoon.statusCode, 409, 'nothing to accept before the document is uploaded');
    const poa = Buffer.from('Durable power of attorney under Probate Code §§4000-4465, signed and notarised.');
    assert.equal((await uploadPermission(id, body.statusToken, poa)).statusCode, 201);

    const accepted = await accept();
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(accepted.json().acceptedBy, 'privacy-lead');
    await waitForStatus(stack, id, 'completed');
    assert.equal((await agentRow(id)).authority_accepted_by, 'privacy-lead');

    const audit = await auditOf(id);
    const acceptance = audit.find((e) => e.action === AUDIT_ACTIONS.agentAuthorityAccepted);
    assert.ok(acceptance, 'the acceptance is audited');
    assert.equal(acceptance.actor, 'admin:privacy-lead');
    assert.ok(
      audit.some((e) => e.action === AUDIT_ACTIONS.requestVerified),
      'it counted as the verification',
    );
    // the export went to the subject, never to the agent
    assert.ok(stack.smtp.mails.some((m) => m.to.includes(subject) && m.text.includes(id) && /\/v1\/exports\//.test(m.text)));
    assert.ok(!stack.smtp.mails.some((m) => m.to.includes(AGENT.email) && /\/v1\/exports\//.test(m.text)));

    const detail = await stack.app.inject({
      method: 'GET',
      url: `/v1/admin/requests/${id}`,
      headers: { authorization: `Bearer ${adminKey}` },
    });
    assert.equal(detail.json().agent.acceptedBy, 'privacy-lead');
  });

  test('a permission document over AGENT_PERMISSION_MAX_BYTES is refused with 413 naming the field, and nothing is stored', async () => {
    const { body } = await submit(stack, { type: 'access', email: 'carol@example.com', agent: AGENT });
    const res = await uploadPermission(body.id, body.statusToken, Buffer.alloc(stack.config.AGENT_PERMISSION_MAX_BYTES + 1, 1));
    assert.equal(res.statusCode, 413, res.body);
    assert.equal(res.json().issues[0].path, 'agentPermission');
    assert.equal((await agentRow(body.id)).document_sha256, null);
  });
});

describe('typable verification', () => {
  test('the verification code is 8 unambiguous characters, typed with or without the dash, in any case, once', async () => {
    const codes: string[] = [];
    for (const email of ['alice@example.com', 'bob@example.com']) {
      const { body } = await submit(stack, { type: 'access', email });
      const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(body.id) && /Confirm/.test(m.subject));
      const code = codeFrom(mail.text);
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/, 'two groups of four, no I, L, O or U');
      assert.ok([...code.replace('-', '')].every((c) => CODE_ALPHABET.includes(c)));
      assert.ok(mail.text.includes(`token=${encodeURIComponent(code)}`), 'the link carries the same code');
      codes.push(`${body.id} ${code}`);
    }
    const [first, second] = codes.map((c) => c.split(' ') as [string, string]);

    // typed in lower case without the dash: accepted
    const typed = first[1].replace('-', '').toLowerCase();
    const ok = await verify(stack, first[0], typed);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    // once only, however it is typed
    assert.equal((await verify(stack, first[0], first[1])).status, 410);
    // one request's code does not open another
    assert.equal((await verify(stack, second[0], first[1])).status, 401);
    // with the dash, mixed case
    const mixed = second[1].slice(0, 4).toLowerCase() + second[1].slice(4);
    assert.equal((await verify(stack, second[0], mixed)).status, 200);
    const used = await stack.db.engineDb.query(
      'SELECT count(*)::int AS n FROM verification_tokens WHERE request_id = ANY($1) AND used_at IS NOT NULL',
      [[first[0], second[0]]],
    );
    assert.equal(used.rows[0].n, 2);
  });

  test('wrong typed codes count against the per-request limit (VERIFY_FAILURES_PER_REQUEST)', async () => {
    const email = 'dave@example.com';
    const { body } = await submit(stack, { type: 'access', email });
    const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(body.id) && /Confirm/.test(m.subject));
    const code = codeFrom(mail.text);
    const wrong = code.startsWith('0') ? `1${code.slice(1)}` : `0${code.slice(1)}`;
    for (let i = 0; i < stack.config.VERIFY_FAILURES_PER_REQUEST; i++) assert.equal((await verify(stack, body.id, wrong)).status, 401);
    assert.equal((await verify(stack, body.id, code)).status, 429, 'past the limit even the right code no longer works');
  });
});

describe('step-up verification', () => {
  test('CCPA §7062: a deletion also asks the account fact the data map names; a wrong answer counts as a failed attempt', async () => {
    const email = 'carol@example.com';
    const { rows } = await stack.db.appDb.query<{ m: string }>(
      "SELECT to_char(created_at, 'YYYY-MM') AS m FROM accounts WHERE email = $1",
      [email],
    );
    const month = rows[0].m;
    const { body } = await submit(stack, { type: 'deletion', email });
    const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(body.id) && /Confirm/.test(m.subject));
    assert.ok(mail.text.includes(`we will also ask you: ${STEP_UP_QUESTION}`));
    const code = codeFrom(mail.text);
    const stored = await stack.db.engineDb.query<{ h: string[] }>(
      'SELECT step_up_hashes AS h FROM verification_tokens WHERE request_id = $1',
      [body.id],
    );
    assert.equal(stored.rows[0].h.length, 1, 'one keyed hash of the fact');
    assert.ok(!stored.rows[0].h[0].includes(month), 'never the fact itself');

    const missing = await verify(stack, body.id, code);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.issues[0].path, 'stepUp');
    assert.ok(missing.body.message.includes(STEP_UP_QUESTION));

    const [year, mm] = month.split('-');
    const wrong = await stack.app.inject({
      method: 'POST',
      url: `/v1/requests/${body.id}/verify`,
      payload: { token: code, stepUp: `${Number(year) - 1}-${mm}` },
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.json().message, /^stepUp: /);
    const failures = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM verification_attempts WHERE request_id = $1', [body.id]);
    assert.equal(failures.rows[0].n, 1, 'the wrong answer counts against the request');

    // the right month, written the other common way
    const right = await stack.app.inject({
      method: 'POST',
      url: `/v1/requests/${body.id}/verify`,
      payload: { token: code, stepUp: `${mm}/${year}` },
    });
    assert.equal(right.statusCode, 200, right.body);
  });
});
