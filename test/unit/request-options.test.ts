// The public options of the self-service page: opaque keys and human labels, never a store, table
// or column name; the keys turn back into the map's names at intake.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ApiDeps } from '../../api/deps';
import { optionKey, placeKey, resolveOptionKeys } from '../../api/option-keys';
import { objectablePurposes } from '../../api/processing-intake';
import { requestOptions } from '../../api/routes/request-options';
import { correctableFields } from '../../api/views';
import { parseDataMap } from '../../schemas/datamap';
import { compileDataMap } from '../../schemas/datamap-graph';
import { RequestIntake } from '../../schemas/request';

const root = path.join(__dirname, '..', '..');
const map = compileDataMap(
  parseDataMap(readFileSync(path.join(root, 'demo', 'datamap.yml'), 'utf8'), {
    APP_DATABASE_URL: 'postgres://u:p@localhost/app',
    REDIS_URL: 'redis://localhost',
    BILLING_PROVIDER_URL: 'http://localhost:1',
    BILLING_PROVIDER_TOKEN: 't',
  }),
);
const deps = { dataMap: map } as unknown as ApiDeps;
const SECRET = 'a-signing-secret-of-thirty-two-characters';
const options = requestOptions(map, {
  correctable: correctableFields(deps),
  purposes: objectablePurposes(deps),
  secret: SECRET,
  agentPermissionMaxBytes: 1000,
});

test('no store, table, column or purpose name in the public options', () => {
  const values: string[] = [];
  JSON.stringify(options, (_k, v: unknown) => (typeof v === 'string' && values.push(v), v));
  const names = new Set<string>(Object.keys(map.source.purposes));
  for (const n of map.nodes) names.add(n.store).add(n.collection);
  for (const c of map.collections) Object.keys(c.spec.fields).forEach((f) => names.add(f));
  for (const value of values) assert.ok(!names.has(value), `the internal name "${value}" is in the public options`);
  for (const o of [...options.correctable, ...options.purposes, ...options.places]) assert.match(o.key, /^k_[0-9a-f]{16}$/);
  assert.equal(new Set(options.places.map((p) => p.key)).size, options.places.length, 'one key per place');
});

test('each correctable thing is offered once, by the name that corrects it in every column of its kind', () => {
  const labels = options.correctable.map((c) => c.label);
  assert.equal(new Set(labels).size, labels.length, `no label twice: ${labels}`);
  const keyOf = (label: string) => options.correctable.find((c) => c.label === label)?.key;
  assert.equal(keyOf('Name'), optionKey(SECRET, 'field', 'name'), 'the category name, not billing_name');
  assert.equal(keyOf('Email address'), optionKey(SECRET, 'field', 'email'));
});

test('direct marketing comes first and is always honoured; purposes by their descriptions', () => {
  assert.deepEqual(
    options.purposes.map((p) => [p.label, p.alwaysHonoured]),
    [
      ['Product news and offers by e-mail', true],
      ['Analysing how the product is used to improve it', false],
    ],
  );
});

test('intake turns the keys back into the map’s names; names and unknown keys pass through to be checked as before', () => {
  const fields = correctableFields(deps);
  const purposes = objectablePurposes(deps);
  const correction = RequestIntake.parse({
    type: 'correction',
    email: 'a@example.com',
    corrections: { [optionKey(SECRET, 'field', 'name')]: 'Ann', company: 'Acme', k_0000000000000000: 'x' },
  });
  assert.deepEqual(resolveOptionKeys(SECRET, correction, fields, purposes).corrections, {
    name: 'Ann',
    company: 'Acme',
    k_0000000000000000: 'x',
  });
  const objection = RequestIntake.parse({
    type: 'objection',
    email: 'a@example.com',
    purpose: optionKey(SECRET, 'purpose', 'direct_marketing'),
  });
  assert.equal(resolveOptionKeys(SECRET, objection, fields, purposes).purpose, 'direct_marketing');
  assert.notEqual(optionKey('another-secret-of-thirty-two-characters', 'field', 'name'), optionKey(SECRET, 'field', 'name'));
  assert.equal(placeKey(SECRET, 'app_db', 'accounts'), optionKey(SECRET, 'place', 'app_db\u0000accounts'));
});
