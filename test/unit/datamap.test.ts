import assert from 'node:assert/strict';
import { issuesOf as refusal } from '../support/datamap-issues';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { parseDataMap } from '../../schemas/datamap';
import { compileDataMap } from '../../schemas/datamap-graph';
import { categoryMatches, withheldFields } from '../../schemas/disclosure';

const demoText = readFileSync(path.join(__dirname, '..', '..', 'demo', 'datamap.yml'), 'utf8');
const env = { APP_DATABASE_URL: 'postgres://u:p@localhost/app' };

const issuesOf = (text: string, e: Record<string, string> = env) => refusal(text, e);

test('the demo data map is valid and every collection is reachable from an identity', () => {
  const map = compileDataMap(parseDataMap(demoText, env));
  assert.equal(map.collections[0].url, env.APP_DATABASE_URL);
  assert.deepEqual(map.unreachable, []);
  const levels = map.resolutionOrder.map((l) => l.map((c) => c.collection));
  assert.deepEqual(levels[0], ['accounts']);
  assert.deepEqual(levels[1].sort(), ['api_keys', 'billing_records', 'support_tickets', 'usage_logs']);
});

test('a reference to an unknown collection names its path', () => {
  const issues = issuesOf(
    demoText.replace(
      'references: { account_id: accounts.id }\n        purposes: [operate',
      'references: { account_id: acounts.id }\n        purposes: [operate',
    ),
  );
  assert.equal(issues[0].path, 'stores.app_db.collections.usage_logs.references.account_id');
  assert.match(issues[0].message, /unknown collection "acounts"/);
});

test('a malformed reference names its path', () => {
  const issues = issuesOf(
    demoText.replace(
      'references: { account_id: accounts.id }\n        purposes: [operate',
      'references: { account_id: accounts }\n        purposes: [operate',
    ),
  );
  assert.equal(issues[0].path, 'stores.app_db.collections.usage_logs.references.account_id');
});

test('a missing environment variable in the map is named', () => {
  const issues = issuesOf(demoText, {});
  assert.deepEqual(issues, [{ path: 'stores.app_db.url', message: 'environment variable APP_DATABASE_URL is not set' }]);
});

test('bad durations, unknown identities, retain without basis and SQL in identifiers are refused', () => {
  const bad = `
identities: [email]
stores:
  db:
    kind: postgres
    url: postgres://x
    collections:
      users:
        identity: { email: email }
        provides: { user_id: id }
        retention: { maxAge: 90 days, timestamp: ts }
      logs:
        references: { "user_id; drop table x": users.id }
        onErasure: { action: retain }
`;
  const paths = issuesOf(bad)
    .map((i) => i.path)
    .sort();
  assert.ok(paths.includes('stores.db.collections.users.retention.maxAge'), paths.join());
  assert.ok(
    paths.some((p) => p.startsWith('stores.db.collections.logs.references')),
    paths.join(),
  );
});

test('an unknown store kind and a collection no subject can be found in are refused', () => {
  const paths = issuesOf(`
identities: [email]
stores:
  s3: { kind: ftp, url: x, collections: {} }
`).map((i) => i.path);
  assert.ok(
    paths.some((p) => p.startsWith('stores.s3')),
    paths.join(),
  );
  const orphan = issuesOf(`
identities: [email]
stores:
  db: { kind: postgres, url: x, collections: { notes: { key: id } } }
`);
  assert.equal(orphan[0].path, 'stores.db.collections.notes');
});

test('collections are listed with their table and schema', () => {
  const all = compileDataMap(parseDataMap(demoText, env)).collections;
  assert.equal(all.length, 5);
  assert.ok(all.every((c) => c.schema === 'public' && c.table === c.collection));
});

test('CCPA §7024(d): credentials are never disclosed by default; disclose and neverDisclosed adjust it per field and category', () => {
  const demo = parseDataMap(demoText, env);
  const apiKeys = demo.stores.app_db.kind === 'postgres' ? demo.stores.app_db.collections.api_keys : undefined;
  assert.ok(apiKeys);
  assert.deepEqual(
    withheldFields(apiKeys.fields, demo.neverDisclosed).map((w) => w.field),
    ['key_hash'],
    'the demo map withholds the key hash and discloses the label and prefix it marks disclose: true',
  );
  const fields = {
    password_hash: { category: 'user.credentials.password' },
    answer: { category: 'user.security_questions.answer' },
    token: { category: 'system.secrets' },
    note: { category: 'user.notes', disclose: false },
    fraud_score: { category: 'system.risk.score' },
    email: { category: 'contact.email' },
  };
  const withheld = withheldFields(fields, ['system.risk.*']);
  assert.deepEqual(withheld.map((w) => w.field).sort(), ['answer', 'fraud_score', 'note', 'password_hash', 'token']);
  assert.match(withheld.find((w) => w.field === 'note')!.reason, /marked never to be disclosed/);
  assert.ok(!categoryMatches('user.credentials.*', 'user.credentialsx'), 'a prefix matches whole segments only');
  const refused = issuesOf(
    demoText.replace('identities: [email, account_id]', 'identities: [email, account_id]\nneverDisclosed: ["bad category!"]'),
  );
  assert.deepEqual(
    refused.map((r) => r.path),
    ['neverDisclosed.0'],
  );
});
