// The pure parts of the rights that change processing: the 15-business-day clock (CCPA §7026),
// which stores each type touches in the demo map, and what intake and the data map refuse.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { computeDeadline } from '../../schemas/deadline';
import { DataMapError, parseDataMap } from '../../schemas/datamap';
import { compileDataMap } from '../../schemas/datamap-graph';
import { RequestIntake } from '../../schemas/request';

const demo = () =>
  compileDataMap(
    parseDataMap(readFileSync(path.join(__dirname, '../../demo/datamap.yml'), 'utf8'), { APP_DATABASE_URL: 'postgres://x/y' }),
  );

test('CCPA §7026: an opt-out is due 15 business days after receipt, weekends skipped', () => {
  const friday = new Date('2026-11-20T10:00:00Z');
  assert.equal(computeDeadline(friday, 'ccpa', 30, 'opt_out').dueAt.toISOString(), '2026-12-11T10:00:00.000Z');
  assert.equal(computeDeadline(friday, 'ccpa', 30, 'limit').dueAt.toISOString(), '2026-12-11T10:00:00.000Z');
  assert.equal(computeDeadline(friday, 'ccpa', 30, 'access').dueAt.toISOString(), '2026-12-20T10:00:00.000Z', 'other types keep 30 days');
});

test('the demo map: opt-out touches accounts, restriction every collection with a restrictColumn', () => {
  const map = demo();
  const names = (type: 'opt_out' | 'restriction' | 'limit') => map.targetsFor(type).targets.map((t) => `${t.store}.${t.collection}`);
  assert.deepEqual(names('opt_out'), ['app_db.accounts']);
  assert.deepEqual(names('restriction').sort(), ['app_db.accounts', 'app_db.support_tickets']);
  assert.deepEqual(names('limit'), [], 'the demo declares no sensitive information');
  assert.deepEqual(Object.keys(map.source.purposes).sort(), ['direct_marketing', 'product_analytics']);
});

test('GDPR Art. 21: an objection needs a purpose, and only an objection carries one', () => {
  const missing = RequestIntake.safeParse({ type: 'objection', email: 'a@example.com' });
  assert.equal(missing.success, false);
  assert.deepEqual(
    missing.error!.issues.map((i) => i.path.join('.')),
    ['purpose'],
  );
  const stray = RequestIntake.safeParse({ type: 'export', email: 'a@example.com', purpose: 'direct_marketing' });
  assert.deepEqual(
    stray.error!.issues.map((i) => i.path.join('.')),
    ['purpose'],
  );
  assert.equal(RequestIntake.safeParse({ type: 'objection', email: 'a@example.com', purpose: 'direct_marketing' }).success, true);
});

test('a purpose that stops a collection the map does not have is refused, naming the path', () => {
  const text = `identities: [email]
purposes:
  direct_marketing:
    stop: [{ store: app, collection: nowhere, set: { marketing_opt_in: false } }]
stores:
  app:
    kind: postgres
    url: postgres://x/y
    collections:
      accounts: { identity: { email: email } }
`;
  assert.throws(
    () => parseDataMap(text),
    (err: unknown) => err instanceof DataMapError && err.issues.some((i) => i.path === 'purposes.direct_marketing.stop.0'),
  );
});
