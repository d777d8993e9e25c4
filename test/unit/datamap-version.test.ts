import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { compileDataMapContent, compileDataMapSources, dataMapVersion } from '../../lib/datamap-version';
import { dataMapContent, parseDataMap } from '../../schemas/datamap';
import { diffDataMaps, formatDataMapDiff } from '../../schemas/datamap-diff';
import { sha256Hex } from '../../lib/hash';
import { main } from '../../cli/dsar';

const demoText = readFileSync(path.join(__dirname, '..', '..', 'demo', 'datamap.yml'), 'utf8');
const env = { APP_DATABASE_URL: 'postgres://u:p@localhost/app' };
const versionOf = (text: string) => dataMapVersion(dataMapContent([{ name: 'map', text }]));
const contentOf = (text: string) => dataMapContent([{ name: 'map', text }]);

/** The same map with every mapping's keys in reverse order, written as JSON-like flow YAML without a comment. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reordered(v)]),
    );
  return value;
}

test('the version is the SHA-256 of the content as written, keys sorted', () => {
  const content = contentOf('identities: [email]\nstores: {}\n');
  assert.equal(dataMapVersion(content), sha256Hex('{"identities":["email"],"stores":{}}'));
});

test('comments, whitespace and key order do not change the version', () => {
  const v = versionOf(demoText);
  const noComments = demoText
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .map((l) => l.replace(/\s+#.*$/, ''))
    .join('\n');
  assert.notEqual(noComments, demoText);
  assert.equal(versionOf(noComments), v);
  assert.equal(versionOf(demoText.replace(/\n/g, '\n\n').replace(/: /g, ':   ')), v);
  const otherOrder = stringify(reordered(contentOf(demoText)), { indent: 4 });
  assert.notEqual(otherOrder.indexOf('identities'), demoText.indexOf('identities'));
  assert.equal(versionOf(otherOrder), v);
});

test('the values of ${VAR}s are not part of the version; any change to what the map says is', () => {
  const content = contentOf(demoText);
  const a = compileDataMapContent(content, env);
  const b = compileDataMapContent(content, { APP_DATABASE_URL: 'postgres://other:secret@db.internal/app' });
  assert.equal(a.origin?.version, b.origin?.version);
  assert.equal(a.origin?.version, versionOf(demoText));
  assert.notEqual(a.collections[0].url, b.collections[0].url);
  assert.doesNotMatch(JSON.stringify(content), /secret|localhost/);

  const v = versionOf(demoText);
  const changedAction = demoText.replace(/(support_tickets:[\s\S]*?onErasure: \{ action: )delete/, '$1retain');
  assert.notEqual(changedAction, demoText);
  assert.notEqual(versionOf(changedAction), v);
  assert.notEqual(versionOf(demoText.replace('category: user.communication }', 'category: user.message }')), v);
  assert.notEqual(versionOf(demoText.replace('identities: [email, account_id]', 'identities: [account_id, email]')), v);
});

test('a stored content (JSON round trip, as jsonb gives it back) compiles to the same version and the same map', () => {
  const loaded = compileDataMapSources([{ name: 'map', text: demoText }], env);
  const stored = JSON.parse(JSON.stringify(loaded.origin!.content)) as unknown;
  const again = compileDataMapContent(stored, env);
  assert.equal(again.origin?.version, loaded.origin?.version);
  assert.deepEqual(again.source, parseDataMap(demoText, env));
  assert.deepEqual(again.eraseOrder, loaded.eraseOrder);
});

test('a map split over two files has the version of the same map in one file', () => {
  const extra = 'stores:\n  cache:\n    kind: redis\n    url: ${REDIS_URL}\n    keys: ["chart:{account_id}:*"]\n';
  const joined = demoText.replace(/\nstores:\n/, `\nstores:\n${extra.replace('stores:\n', '')}`);
  const split = dataMapVersion(
    dataMapContent([
      { name: 'a', text: demoText },
      { name: 'b', text: extra },
    ]),
  );
  assert.equal(split, versionOf(joined));
});

test('diff: added and removed collections, changed action, categories and retention, and other changes named', () => {
  const before = contentOf(demoText);
  const afterText = demoText
    .replace(/\n {6}support_tickets:[\s\S]*?restrictColumn: restricted_at\n/, '\n')
    .replace(
      /(api_keys:[\s\S]*?onErasure: \{ action: )delete \}/,
      '$1retain }\n        retention: { maxAge: P1Y, timestamp: last_used_at, basis: fraud prevention }',
    )
    .replace('last_used_at: { category: system.timestamps }', 'last_used_at: { category: system.activity }')
    .replace(
      '\n  app_db:\n',
      '\n  cache:\n    kind: redis\n    url: ${REDIS_URL}\n    keys: ["chart:{account_id}:*"]\n    categories: [user.usage]\n  app_db:\n',
    )
    .replace('automatedDecisions: none', 'automatedDecisions: profiling for fraud');
  const diff = diffDataMaps(before, contentOf(afterText));
  assert.deepEqual(diff.added, [{ place: 'cache', kind: 'redis' }]);
  assert.deepEqual(diff.removed, [{ place: 'app_db.support_tickets', kind: 'postgres' }]);
  assert.deepEqual(diff.changed, [
    {
      place: 'app_db.api_keys',
      action: { from: 'delete', to: 'retain' },
      categories: { added: ['system.activity'], removed: ['system.timestamps'] },
      retention: { from: null, to: 'P1Y by last_used_at (basis: fraud prevention)' },
    },
  ]);
  assert.deepEqual(diff.otherSections, ['automatedDecisions']);
  const lines = formatDataMapDiff(diff);
  assert.ok(lines.includes('- app_db.support_tickets (postgres): removed'));
  assert.ok(lines.includes('    action: delete → retain'));

  const relabelled = diffDataMaps(before, contentOf(demoText.replace('label: Your API keys', 'label: Your keys')));
  assert.deepEqual(relabelled.changed, [{ place: 'app_db.api_keys', otherChanges: true }]);
  assert.deepEqual(formatDataMapDiff(diffDataMaps(before, contentOf(demoText))), ['no changes']);
});

test('dsar datamap diff prints the changes and both versions; --json gives the same diff', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'datamap-diff-'));
  const before = path.join(dir, 'v1.yml');
  const after = path.join(dir, 'v2.yml');
  writeFileSync(before, demoText);
  writeFileSync(after, demoText.replace(/\n {6}support_tickets:\n[\s\S]*?restrictColumn: restricted_at\n/, '\n'));
  const run = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['node', 'dsar', 'datamap', 'diff', ...args], { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const text = await run(before, after);
  assert.equal(text.code, 0, text.err);
  const [v1, v2] = [versionOf(demoText), versionOf(readFileSync(after, 'utf8'))];
  assert.equal(text.out, `data map ${v1.slice(0, 12)} → ${v2.slice(0, 12)}\n- app_db.support_tickets (postgres): removed`);
  const json = await run(before, after, '--json');
  assert.deepEqual(JSON.parse(json.out), {
    versions: { from: v1, to: v2 },
    ...diffDataMaps(contentOf(demoText), contentOf(readFileSync(after, 'utf8'))),
  });
  const missing = await run(before, path.join(dir, 'nope.yml'));
  assert.equal(missing.code, 1);
  assert.match(missing.err, /cannot read the data map at .*nope\.yml/);
});
