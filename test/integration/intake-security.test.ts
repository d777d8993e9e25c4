import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { after, before, describe, test } from 'node:test';
import { createActivities } from '../../activities';
import { createAdminKey } from '../../api/admin-keys';
import { buildApp } from '../../api/app';
import { signToken, STATUS_TOKEN_PURPOSE } from '../../lib/signed-token';
import { normalizeVerificationCode, verificationCodeHash } from '../../lib/verification-code';
import { codeFrom, submit, waitForStatus } from '../support/flow';
import { startStack, TEST_PRODUCT_SECRET, type Stack } from '../support/stack';

let stack: Stack;
before(async () => {
  stack = await startStack();
  await stack.startWorker();
});
after(async () => stack?.stop());

const vouch = (email: string, opts: { secret?: string; audience?: string; expiresIn?: string } = {}) =>
  new SignJWT({ email })
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(opts.audience ?? 'dsar-engine')
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '5m')
    .sign(new TextEncoder().encode(opts.secret ?? TEST_PRODUCT_SECRET));

describe('authenticated self-service', () => {
  test('a request vouched for by the product starts verified: no verification mail, straight to the export', async () => {
    const email = 'carol@example.com';
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/requests',
      payload: { type: 'export', email },
      headers: { 'x-subject-token': await vouch(email) },
    });
    assert.equal(res.statusCode, 202, res.body);
    const id = res.json().id;
    await waitForStatus(stack, id, 'completed');
    assert.equal(stack.smtp.mails.filter((m) => m.text.includes(id) && /Confirm/.test(m.subject)).length, 0);
    assert.equal(stack.smtp.mails.filter((m) => m.text.includes(id) && /ready/.test(m.subject)).length, 1);
  });

  test("forged, stale, misaddressed or someone else's tokens are refused and store nothing", async () => {
    const before = Number((await stack.db.engineDb.query('SELECT count(*) AS n FROM requests')).rows[0].n);
    const email = 'alice@example.com';
    for (const token of [
      await vouch(email, { secret: 'x'.repeat(40) }),
      await vouch(email, { audience: 'another-app' }),
      await vouch(email, { expiresIn: '-1m' }),
      await vouch('bob@example.com'),
      'not-a-jwt',
    ]) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/requests',
        payload: { type: 'export', email },
        headers: { 'x-subject-token': token },
      });
      assert.equal(res.statusCode, 401, res.body);
    }
    assert.equal(Number((await stack.db.engineDb.query('SELECT count(*) AS n FROM requests')).rows[0].n), before);
  });
});

describe('limits and headers', () => {
  test('anonymous intake is limited per address, subjects per day, verification attempts per hour', async () => {
    const strict = await buildApp(
      {
        config: { ...stack.config, INTAKE_RATE_LIMIT_PER_DAY: 3, SUBJECT_REQUESTS_PER_DAY: 2, VERIFY_ATTEMPTS_PER_HOUR: 2 },
        engineDb: stack.db.engineDb,
        temporal: stack.env.client,
        dataMap: stack.deps.dataMap,
      },
      { logger: false },
    );
    try {
      const post = (email: string) =>
        strict.inject({ method: 'POST', url: '/v1/requests', payload: { type: 'access', email }, remoteAddress: '192.0.2.7' });
      assert.equal((await post('user7@example.net')).statusCode, 202);
      assert.equal((await post('user7@example.net')).statusCode, 202);
      const third = await post('user7@example.net');
      assert.equal(third.statusCode, 429, 'per subject');
      assert.equal(third.json().issues[0].path, 'email');
      const fourth = await post('user8@example.net');
      assert.equal(fourth.statusCode, 429, 'per address');
      assert.ok(fourth.headers['retry-after']);
      assert.equal(
        (
          await strict.inject({
            method: 'POST',
            url: '/v1/requests',
            payload: { type: 'access', email: 'user8@example.net' },
            remoteAddress: '192.0.2.8',
          })
        ).statusCode,
        202,
        'another address is not limited',
      );

      const guess = () =>
        strict.inject({
          method: 'POST',
          url: '/v1/requests/00000000-0000-4000-8000-000000000000/verify',
          payload: { token: 'guess-guess-guess' },
          remoteAddress: '192.0.2.9',
        });
      assert.equal((await guess()).statusCode, 401);
      assert.equal((await guess()).statusCode, 401);
      assert.equal((await guess()).statusCode, 429, 'guessing codes is cut off');
    } finally {
      await strict.close();
    }
  });

  test('security headers are set, and the verification page runs with a strict content policy', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/verify?request=x&token=y' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.ok(!res.body.includes('<script>'), 'no inline script');
    assert.equal((await stack.app.inject({ method: 'GET', url: '/web/verify.js' })).statusCode, 200);
  });
});

/** A second API instance over the same engine database and Temporal, with its own limits. */
const instance = (limits: { VERIFY_ATTEMPTS_PER_HOUR?: number; VERIFY_FAILURES_PER_REQUEST?: number }) =>
  buildApp(
    { config: { ...stack.config, ...limits }, engineDb: stack.db.engineDb, temporal: stack.env.client, dataMap: stack.deps.dataMap },
    { logger: false },
  );

/** Submits a request and returns its id, status token and the code from its verification mail. */
async function pending(email: string) {
  const { status, body } = await submit(stack, { type: 'export', email });
  assert.equal(status, 202, JSON.stringify(body));
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(body.id) && /Confirm/.test(m.subject));
  return { id: body.id as string, statusToken: body.statusToken as string, code: codeFrom(mail.text), mail: mail.text };
}

describe('public status', () => {
  test('anonymously: status and due date only; with the status token: the full view; a wrong token is no token', async () => {
    const email = 'user11@example.net';
    const a = await pending(email);
    const b = await pending('user12@example.net');
    const get = (id: string, opts: { t?: string; header?: string } = {}) =>
      stack.app.inject({
        method: 'GET',
        url: `/v1/requests/${id}${opts.t !== undefined ? `?t=${encodeURIComponent(opts.t)}` : ''}`,
        headers: opts.header !== undefined ? { 'x-status-token': opts.header } : {},
      });

    const anonymous = await get(a.id);
    assert.equal(anonymous.statusCode, 200);
    assert.deepEqual(Object.keys(anonymous.json()).sort(), ['dueAt', 'extendedDueAt', 'id', 'status']);
    assert.equal(anonymous.json().type, undefined);
    assert.equal(anonymous.json().progress, undefined);

    // the mail carries the same token as the 202, in the status link and the verification link
    assert.ok(a.mail.includes(`/status?id=${a.id}&t=${encodeURIComponent(a.statusToken)}`), 'status link with the token in the mail');
    assert.ok(a.mail.includes(`&t=${encodeURIComponent(a.statusToken)}`));

    for (const full of [await get(a.id, { t: a.statusToken }), await get(a.id, { header: a.statusToken })]) {
      assert.equal(full.statusCode, 200);
      assert.equal(full.json().type, 'export');
      assert.ok(Array.isArray(full.json().progress));
      assert.equal(full.json().channel, 'self_service');
    }

    const [body, sig] = a.statusToken.split('.');
    const otherPayload = Buffer.from(JSON.stringify({ r: b.id, exp: JSON.parse(Buffer.from(body, 'base64url').toString()).exp })).toString(
      'base64url',
    );
    for (const wrong of [
      b.statusToken, // another request's token
      `${otherPayload}.${sig}`, // tampered: B's id under A's signature
      signToken('x'.repeat(40), STATUS_TOKEN_PURPOSE, { r: a.id, exp: Math.floor(Date.now() / 1000) + 3600 }), // foreign secret
      signToken(stack.config.SIGNING_SECRET, STATUS_TOKEN_PURPOSE, { r: a.id, exp: Math.floor(Date.now() / 1000) - 1 }), // expired
      'not-a-token',
    ]) {
      const res = await get(a.id, { t: wrong });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(Object.keys(res.json()).sort(), ['dueAt', 'extendedDueAt', 'id', 'status'], wrong);
    }
    assert.equal((await get(b.id, { header: a.statusToken })).json().progress, undefined, "A's token does not open B");

    // admins keep the full view
    const key = (await createAdminKey(stack.db.engineDb, 'status-check', 'auditor')).key;
    const admin = await stack.app.inject({ method: 'GET', url: `/v1/admin/requests/${a.id}`, headers: { authorization: `Bearer ${key}` } });
    assert.equal(admin.statusCode, 200);
    assert.equal(admin.json().type, 'export');
    assert.ok(Array.isArray(admin.json().progress));
  });
});

describe('verification limits, counted in the engine database', () => {
  test('wrong codes from a shared address do not stop correct codes, for another request or under the per-request limit', async () => {
    const app = await instance({ VERIFY_ATTEMPTS_PER_HOUR: 5, VERIFY_FAILURES_PER_REQUEST: 31 });
    try {
      const a = await pending('user13@example.net');
      const b = await pending('user14@example.net');
      const attempt = (id: string, token: string) =>
        app.inject({ method: 'POST', url: `/v1/requests/${id}/verify`, payload: { token }, remoteAddress: '198.51.100.20' });
      const codes: number[] = [];
      for (let i = 0; i < 30; i++) codes.push((await attempt(a.id, `wrong-code-${i}-000000000000`)).statusCode);
      assert.deepEqual(codes.slice(0, 5), [401, 401, 401, 401, 401]);
      assert.ok(
        codes.slice(5).every((c) => c === 429),
        `wrong codes past the address limit are cut off: ${codes.join(',')}`,
      );

      const okB = await attempt(b.id, b.code);
      assert.equal(okB.statusCode, 200, okB.body);
      const okA = await attempt(a.id, a.code);
      assert.equal(okA.statusCode, 200, okA.body);
      const { rows } = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM verification_attempts WHERE request_id = $1', [a.id]);
      assert.equal(rows[0].n, 30, 'only the failures were counted');
    } finally {
      await app.close();
    }
  });

  test('two API instances share the per-request and per-address counts; past the request limit even its code is refused', async () => {
    const one = await instance({ VERIFY_ATTEMPTS_PER_HOUR: 1000, VERIFY_FAILURES_PER_REQUEST: 3 });
    const two = await instance({ VERIFY_ATTEMPTS_PER_HOUR: 1000, VERIFY_FAILURES_PER_REQUEST: 3 });
    try {
      const c = await pending('user15@example.net');
      const attempt = (app: typeof one, token: string, remoteAddress: string) =>
        app.inject({ method: 'POST', url: `/v1/requests/${c.id}/verify`, payload: { token }, remoteAddress });
      assert.equal((await attempt(one, 'wrong-code-1-000000000000', '203.0.113.1')).statusCode, 401);
      assert.equal((await attempt(two, 'wrong-code-2-000000000000', '203.0.113.2')).statusCode, 401);
      assert.equal((await attempt(one, 'wrong-code-3-000000000000', '203.0.113.3')).statusCode, 401);
      for (const app of [two, one]) {
        const refused = await attempt(app, c.code, '203.0.113.4');
        assert.equal(refused.statusCode, 429, refused.body);
        assert.match(refused.json().message, /this request: its code no longer works/);
      }
      const status = await stack.app.inject({ method: 'GET', url: `/v1/requests/${c.id}` });
      assert.equal(status.json().status, 'awaiting_verification', 'not verified');
    } finally {
      await one.close();
      await two.close();
    }

    const three = await instance({ VERIFY_ATTEMPTS_PER_HOUR: 2 });
    const four = await instance({ VERIFY_ATTEMPTS_PER_HOUR: 2 });
    try {
      const guess = (app: typeof three) =>
        app.inject({
          method: 'POST',
          url: '/v1/requests/00000000-0000-4000-8000-0000000000aa/verify',
          payload: { token: 'guess-guess-guess' },
          remoteAddress: '203.0.113.50',
        });
      assert.equal((await guess(three)).statusCode, 401);
      assert.equal((await guess(four)).statusCode, 401);
      const cut = await guess(three);
      assert.equal(cut.statusCode, 429, 'the third failure from this address, counted across both instances');
      assert.match(cut.json().message, /from this address/);
      assert.ok(cut.headers['retry-after']);
    } finally {
      await three.close();
      await four.close();
    }
  });

  test('a retried verification send mails the same code and leaves one valid token', async () => {
    const {
      rows: [req],
    } = await stack.db.engineDb.query(
      `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at)
       VALUES (gen_random_uuid(), 'export', 'self_service', 'received', 'user16@example.net', 'h', now(), now() + interval '30 days') RETURNING id`,
    );
    const requestId: string = req.id;
    // the first attempt's mail server accepts the mail, then the connection drops before the send is recorded
    const flaky = {
      ...stack.deps,
      mailer: {
        sendMail: async (m: Parameters<typeof stack.deps.mailer.sendMail>[0]) => {
          await stack.deps.mailer.sendMail(m);
          throw new Error('connection lost after the mail was accepted');
        },
      } as unknown as typeof stack.deps.mailer,
    };
    await assert.rejects(createActivities(flaky).sendVerification(requestId), /the verification mail was not sent/);
    assert.deepEqual(await createActivities(stack.deps).sendVerification(requestId), { sent: true });

    const mails = stack.smtp.mails.filter((m) => m.text.includes(requestId) && /Confirm/.test(m.subject));
    assert.equal(mails.length, 2, 'the retry mailed again');
    assert.equal(mails[0].messageId, mails[1].messageId, 'the resend carries the same Message-ID');
    const [first, second] = mails.map((m) => codeFrom(m.text));
    assert.equal(first, second, 'the same code in both mails');
    const { rows } = await stack.db.engineDb.query(
      'SELECT token_hash, expires_at > now() AS valid FROM verification_tokens WHERE request_id = $1',
      [requestId],
    );
    const stored = verificationCodeHash(stack.config.SIGNING_SECRET, requestId, normalizeVerificationCode(first)!);
    assert.deepEqual(rows, [{ token_hash: stored, valid: true }], 'one valid token, the mailed one');
  });
});
