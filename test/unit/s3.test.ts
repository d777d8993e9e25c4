// `kind: s3` without a server: the data map's rules for prefixes and erasure, the identity values
// refused in a prefix, archive names for object keys, and what the kind supports.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { missingOperations } from '../../activities/stores/registry';
import { heldPrefixes, storeScope, subjectPrefixes, unsafePrefixValue } from '../../activities/stores/s3';
import { archiveKeyName } from '../../activities/stores/s3-connector';
import { DataMapError, parseDataMap, S3Store } from '../../schemas/datamap';
import { addressKey, compileDataMap } from '../../schemas/datamap-graph';

const root = path.join(__dirname, '..', '..');
const demoText = readFileSync(path.join(root, 'demo', 'datamap.yml'), 'utf8');
const fixture = readFileSync(path.join(root, 'test', 'fixtures', 's3-store.yml'), 'utf8');
const env = { APP_DATABASE_URL: 'postgres://x', S3_ENDPOINT: 'http://127.0.0.1:9000', S3_ACCESS_KEY_ID: 'k', S3_SECRET_ACCESS_KEY: 's' };

function issuesOf(store: string): { path: string; message: string }[] {
  try {
    parseDataMap(`identities: [email, account_id]\nstores:\n  files:\n${store.replace(/^/gm, '    ')}`, env);
  } catch (err) {
    assert.ok(err instanceof DataMapError, String(err));
    return err.issues;
  }
  assert.fail('expected the data map to be refused');
}

test('the S3 fixture compiles: one target per store, read and erased, never corrected or resolved', () => {
  const map = compileDataMap(parseDataMap(`${demoText}\n${fixture}`, env));
  const uploads = map.node({ store: 'uploads', collection: 'objects' });
  assert.equal(uploads.kind, 's3');
  for (const type of ['access', 'export', 'deletion'] as const) {
    assert.ok(map.targetsFor(type).targets.map(addressKey).includes('uploads.objects'), type);
  }
  assert.ok(!map.targetsFor('correction').targets.map(addressKey).includes('uploads.objects'));
  assert.deepEqual(map.targetsFor('correction').notIncluded, [], 'a store with no correctable fields is not a gap');
  for (const node of map.nodes) assert.deepEqual(missingOperations(node), [], addressKey(node));
  assert.deepEqual(
    map.warnings.filter((w) => w.startsWith('uploads') || w.startsWith('invoice_archive')),
    [],
  );
});

test('a prefix whose {identity} is not followed by "/" is refused: 1 would match 10', () => {
  const issues = issuesOf('kind: s3\nbucket: b1b\nprefixes: ["ok/{account_id}/", "uploads/{account_id}"]');
  assert.deepEqual(
    issues.map((i) => i.path),
    ['stores.files.prefixes.1'],
  );
  assert.match(issues[0].message, /followed by "\/"/);
  assert.equal(issuesOf('kind: s3\nbucket: b1b\nprefixes: ["uploads/all/"]')[0].path, 'stores.files.prefixes.0');
  assert.equal(issuesOf('kind: s3\nbucket: b1b\nprefixes: ["/x/{account_id}/"]')[0].path, 'stores.files.prefixes.0');
});

test('unknown identities, retained prefixes outside the store and bad buckets are refused, naming the path', () => {
  const paths = issuesOf(
    [
      'kind: s3',
      'bucket: Bad_Bucket',
      'prefixes: ["u/{user_id}/", "c/{account_id}/"]',
      'onErasure: { action: retain, basis: tax, prefixes: ["invoices/{account_id}/"] }',
    ].join('\n'),
  )
    .map((i) => i.path)
    .sort();
  assert.deepEqual(paths, ['stores.files.bucket', 'stores.files.onErasure.prefixes.0', 'stores.files.prefixes.0']);
  const noBasis = issuesOf('kind: s3\nbucket: b1b\nprefixes: ["c/{account_id}/"]\nonErasure: { action: retain }');
  assert.equal(noBasis[0].path, 'stores.files.onErasure.basis');
});

test('deletion defaults to delete; the SDK default chain is used when no credentials are given', () => {
  const s = S3Store.parse({ kind: 's3', bucket: 'b1b', prefixes: ['u/{account_id}/'] });
  assert.deepEqual(s.onErasure, { action: 'delete' });
  assert.equal(s.credentials, undefined);
  assert.equal(s.region, 'us-east-1');
});

test('identity values that could widen a prefix are refused; the refusal names the identity, never the value', () => {
  for (const bad of ['a/b', '..', '.', '', 'x\n', 'z'.repeat(600)]) assert.ok(unsafePrefixValue(bad), JSON.stringify(bad));
  for (const good of ['42', 'acct_7f3a', 'ü-ñ', '...', 'a.b']) assert.equal(unsafePrefixValue(good), null, good);
  assert.throws(
    () => subjectPrefixes('files', ['u/{account_id}/'], { account_id: ['7', 'secret/../x'] }),
    (e: Error & { type?: string }) => e.type === 'IdentityRefused' && !e.message.includes('secret'),
  );
  assert.deepEqual(subjectPrefixes('files', ['u/{account_id}/', 'u/{account_id}/charts/', 'c/{email}/'], { account_id: ['7', '8'] }), [
    'u/7/',
    'u/8/',
  ]);
  // for a legal hold a wider prefix only keeps more, so unchecked values still hold
  assert.deepEqual(heldPrefixes(['u/{account_id}/'], { account_id: ['a/b'] }), ['u/a/b/']);
});

test('the sweep lists from the templates and touches only keys they describe', () => {
  const scope = storeScope(
    S3Store.parse({ kind: 's3', bucket: 'b1b', prefixes: ['u/{account_id}/', 'u/{account_id}/x/', 'c.d/{account_id}/'] }),
  );
  assert.deepEqual(scope.listPrefixes, ['c.d/', 'u/']);
  assert.ok(scope.matches('u/7/a.txt'));
  assert.ok(!scope.matches('u/a.txt'));
  assert.ok(!scope.matches('cxd/7/a'));
});

test('object keys become archive names that stay in their folder and never collide', () => {
  assert.equal(archiveKeyName('u/7/photo.png'), 'u/7/photo.png');
  assert.equal(archiveKeyName('u/7/../../etc/passwd'), 'u/7/%2E%2E/%2E%2E/etc/passwd');
  assert.equal(archiveKeyName('/abs//x/'), '%/abs/%/x/%');
  assert.equal(archiveKeyName('u/7/100%.txt'), 'u/7/100%25.txt');
  assert.equal(archiveKeyName('u\\7\u0001'), 'u%5C7%01');
  const keys = ['a//b', 'a/%/b', 'a/%25/b', 'a/./b', 'a/%2E/b'];
  assert.equal(new Set(keys.map(archiveKeyName)).size, keys.length);
});
