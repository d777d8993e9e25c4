import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../api/app';
import { waitForStatus } from '../support/flow';
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
