import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chainHash, GENESIS_HASH } from '../../lib/audit-chain';
import { canonicalJson } from '../../lib/canonical-json';
import { checkToken, signToken } from '../../lib/signed-token';
import { formatVerificationCode, normalizeVerificationCode, verificationCode, verificationCodeHash } from '../../lib/verification-code';
import { readStepUpValue } from '../../schemas/step-up';
import { ConfigError, loadConfig } from '../../schemas/config';
import { addIsoDuration, describeIsoDuration, parseIsoDuration } from '../../schemas/duration';

test('signed tokens: valid, tampered, wrong secret, expired, malformed', () => {
  const secret = 's'.repeat(32);
  const exp = Math.floor(Date.now() / 1000) + 60;
  const token = signToken(secret, 'download', { e: 'abc', exp });
  assert.deepEqual(checkToken(secret, 'download', token), { ok: true, payload: { e: 'abc', exp } });
  const [body, mac] = token.split('.');
  const tampered = `${Buffer.from(JSON.stringify({ e: 'other', exp })).toString('base64url')}.${mac}`;
  assert.equal(checkToken(secret, 'download', tampered).ok, false);
  assert.deepEqual(checkToken('t'.repeat(32), 'download', token), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(checkToken(secret, 'other-purpose', token), { ok: false, reason: 'bad_signature' });
  assert.deepEqual(checkToken(secret, 'download', token, (exp + 1) * 1000), { ok: false, reason: 'expired' });
  assert.deepEqual(checkToken(secret, 'download', body), { ok: false, reason: 'malformed' });
});

test('canonical JSON sorts keys at every level, so the audit hash ignores key order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  const e = {
    seq: 1,
    eventKey: 'k',
    requestId: null,
    at: '2026-01-01T00:00:00.000Z',
    actor: 'a',
    action: 'x',
    store: null,
    collection: null,
    details: { n: 1, m: 2 },
  };
  assert.equal(chainHash(GENESIS_HASH, e), chainHash(GENESIS_HASH, { ...e, details: { m: 2, n: 1 } }));
  assert.notEqual(chainHash(GENESIS_HASH, e), chainHash(GENESIS_HASH, { ...e, details: { m: 2, n: 2 } }));
});

test('ISO durations: parse, add with month-end clamping, describe', () => {
  assert.deepEqual(parseIsoDuration('P7Y')?.years, 7);
  assert.equal(parseIsoDuration('90 days'), null);
  assert.equal(parseIsoDuration('P'), null);
  assert.equal(addIsoDuration(new Date('2026-01-31T10:00:00Z'), 'P1M').toISOString(), '2026-02-28T10:00:00.000Z');
  assert.equal(addIsoDuration(new Date('2028-02-29T00:00:00Z'), 'P1Y').toISOString(), '2029-02-28T00:00:00.000Z');
  assert.equal(addIsoDuration(new Date('2026-01-01T00:00:00Z'), 'P90D').toISOString(), '2026-04-01T00:00:00.000Z');
  assert.equal(describeIsoDuration('P7Y'), '7 years');
  assert.equal(describeIsoDuration('PT24H'), '24 hours');
});

test('configuration names every missing setting', () => {
  assert.throws(
    () => loadConfig({}),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL', 'SIGNING_SECRET']) {
        assert.ok(
          err.problems.some((p) => p.includes(name)),
          `${name} is named: ${err.problems.join(' | ')}`,
        );
      }
      return true;
    },
  );
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'x', TEMPORAL_ADDRESS: 'x', SMTP_URL: 'x', SIGNING_SECRET: 'short' }),
    /SIGNING_SECRET must be at least 32/,
  );
  const ok = loadConfig({ DATABASE_URL: 'x', TEMPORAL_ADDRESS: 'x', SMTP_URL: 'x', SIGNING_SECRET: 'x'.repeat(32), PORT: '8080' });
  assert.equal(ok.PORT, 8080);
  assert.equal(ok.EXPORT_LINK_TTL_DAYS, 7);
});

test('verification codes: 8 characters without I, L, O or U, the same for a request and issue, read back however typed', () => {
  const code = verificationCode('s'.repeat(32), '00000000-0000-4000-8000-000000000001', 1);
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{8}$/);
  assert.equal(verificationCode('s'.repeat(32), '00000000-0000-4000-8000-000000000001', 1), code, 'derived: a retried send mails the same');
  assert.notEqual(verificationCode('s'.repeat(32), '00000000-0000-4000-8000-000000000001', 2), code, 'a new issue, a new code');
  const shown = formatVerificationCode(code);
  assert.equal(shown, `${code.slice(0, 4)}-${code.slice(4)}`);
  for (const typed of [shown, shown.toLowerCase(), code.toLowerCase(), ` ${code.slice(0, 4)} ${code.slice(4)} `]) {
    assert.equal(normalizeVerificationCode(typed), code, typed);
  }
  // Crockford's reading of look-alikes: O is zero, I and L are one
  assert.equal(normalizeVerificationCode('oOil-1234'), '00111234');
  for (const bad of ['ABCD-EFG', 'ABCD-EFGHJ', 'ABCD-EFGU', 'guess-guess-guess']) assert.equal(normalizeVerificationCode(bad), null, bad);
  // stored keyed and bound to the request: the same code of two requests is stored apart
  const a = verificationCodeHash('k'.repeat(32), '00000000-0000-4000-8000-000000000001', code);
  assert.notEqual(a, verificationCodeHash('k'.repeat(32), '00000000-0000-4000-8000-000000000002', code));
  assert.notEqual(a, verificationCodeHash('x'.repeat(32), '00000000-0000-4000-8000-000000000001', code));
});

test('step-up facts are read the same way stored and typed: exact text, last four digits, a month', () => {
  assert.equal(readStepUpValue('exact', '  Acme   Corp '), 'acme corp');
  assert.equal(readStepUpValue('last4', '+1 (415) 555-0123'), '0123');
  assert.equal(readStepUpValue('last4', '12'), null);
  assert.equal(readStepUpValue('month', '2025-03-04 12:00:00+00'), '2025-03');
  assert.equal(readStepUpValue('month', '3/2025'), '2025-03');
  assert.equal(readStepUpValue('month', '2025-13'), null);
  assert.equal(readStepUpValue('month', 'March'), null);
});
