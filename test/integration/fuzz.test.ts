// Fuzzed intake: thousands of generated bodies and mails → only 2xx/4xx (quarantine for mail),
// never a 500, and the process keeps serving. A seeded generator makes failures reproducible.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startStack, TEST_INBOX_SECRET, type Stack } from '../support/stack';

let stack: Stack;
before(async () => {
  stack = await startStack(); // no worker: accepted requests simply wait in Temporal
});
after(async () => stack?.stop());

/** mulberry32: small, seeded, good enough to vary inputs reproducibly. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.FUZZ_SEED ?? 20261123);
const rand = rng(SEED);
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
const int = (n: number) => Math.floor(rand() * n);
const chars = (n: number, alphabet: string) => Array.from({ length: n }, () => alphabet[int(alphabet.length)]).join('');
const CONTROL = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).join('') + '\u007f\u2028\u2029\ufeff\ud800';
const weird = () =>
  pick<() => unknown>([
    () => chars(int(50), CONTROL + 'abc@.'),
    () => 'x'.repeat(int(100_000)),
    () => int(1e9),
    () => null,
    () => [],
    () => ({ nested: { deep: [1, { a: 'b' }] } }),
    () => true,
    () => `${chars(int(10), 'abc')}@${chars(int(10), 'xyz')}.${pick(['com', '', '..', 'c'])}`,
    () => '🙂'.repeat(int(300)),
    () => '<script>alert(1)</script>@example.com',
    () => "' OR 1=1 --@example.com",
  ])();

function jsonBody(): { payload: string; contentType: string } {
  const kind = int(10);
  if (kind === 0) return { payload: chars(int(200), '{}[]":,abc\\'), contentType: 'application/json' };
  if (kind === 1)
    return { payload: chars(int(200), 'abc=&'), contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) };
  const body: Record<string, unknown> = {};
  if (rand() < 0.8) body.type = rand() < 0.5 ? pick(['access', 'export', 'deletion', 'correction']) : weird();
  if (rand() < 0.8) body.email = rand() < 0.1 ? `fuzz${int(1e6)}@example.org` : weird();
  if (rand() < 0.3) body[chars(int(20), 'abcdef\u0000')] = weird();
  if (rand() < 0.2) body.corrections = rand() < 0.5 ? { name: weird() } : weird();
  if (rand() < 0.2) body.jurisdiction = weird();
  return { payload: JSON.stringify(body), contentType: 'application/json' };
}

function rawMail(): string {
  const headers = [
    rand() < 0.7 ? `From: ${rand() < 0.5 ? String(weird()) : `fuzz${int(1e6)}@example.org`}` : '',
    rand() < 0.7 ? `Subject: ${String(weird()).slice(0, 5000)}` : '',
    rand() < 0.5 ? `Message-ID: <${chars(int(40), 'abc<>@')}>` : '',
    rand() < 0.3 ? `Content-Type: multipart/mixed; boundary="${chars(int(10), 'ab')}"` : '',
    rand() < 0.2 ? `Content-Transfer-Encoding: ${pick(['base64', 'quoted-printable', 'x-unknown'])}` : '',
    rand() < 0.2 ? chars(int(300), CONTROL + ':abc \r\n') : '',
  ].filter(Boolean);
  return `${headers.join('\r\n')}\r\n\r\n${rand() < 0.5 ? chars(int(2000), 'delete my data ' + CONTROL) : String(weird())}`;
}

test(`fuzzed JSON intake (seed ${SEED}): only 4xx or 202, never a 500, and the API keeps serving`, { timeout: 240_000 }, async () => {
  const statuses = new Map<number, number>();
  for (let i = 0; i < 3000; i++) {
    const { payload, contentType } = jsonBody();
    const res = await stack.app.inject({ method: 'POST', url: '/v1/requests', payload, headers: { 'content-type': contentType } });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    assert.ok(
      res.statusCode === 202 || (res.statusCode >= 400 && res.statusCode < 500),
      `case ${i}: ${res.statusCode} ${res.body.slice(0, 300)} for ${payload.slice(0, 300)}`,
    );
    if (res.statusCode >= 400)
      assert.ok(Array.isArray(res.json().issues) || res.statusCode === 404 || res.statusCode === 429, `case ${i}: 4xx names the problem`);
  }
  assert.ok((statuses.get(400) ?? 0) > 1000, JSON.stringify([...statuses]));
  assert.equal((await stack.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});

test(
  `fuzzed mail (seed ${SEED}): every message is answered 2xx/4xx and kept (request, triage or quarantine)`,
  { timeout: 240_000 },
  async () => {
    const before = Number((await stack.db.engineDb.query('SELECT count(*) AS n FROM inbox_messages')).rows[0].n);
    let accepted = 0;
    for (let i = 0; i < 1000; i++) {
      const raw = rawMail();
      const res = await stack.app.inject({
        method: 'POST',
        url: '/v1/inbox/messages',
        payload: raw,
        headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${TEST_INBOX_SECRET}` },
      });
      assert.ok(res.statusCode < 500, `mail ${i}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      if (res.statusCode === 202) accepted++;
    }
    const after = Number((await stack.db.engineDb.query('SELECT count(*) AS n FROM inbox_messages')).rows[0].n);
    assert.equal(after - before, accepted, 'every new message is stored');
    const { rows } = await stack.db.engineDb.query('SELECT status, count(*)::int AS n FROM inbox_messages GROUP BY status');
    assert.ok(
      rows.some((r) => r.status === 'quarantine'),
      JSON.stringify(rows),
    );
    assert.equal((await stack.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  },
);
