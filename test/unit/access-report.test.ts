// The access report in a person's words: labels from the data map or made from names, category
// codes in plain words, dates in the reader's language, GDPR Art. 15(1)(g)-(h) and 15(2) sections.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Manifest, ManifestCollection } from '../../activities/manifest';
import { accessReportHtml } from '../../activities/report';
import { parseDataMap } from '../../schemas/datamap';
import { categoryLabel, defaultLabel, formatDateTime, readableValue, readerLanguage } from '../../schemas/labels';
import { visibleText, ISO_TIMESTAMP } from '../support/report-text';

test('a name without a label reads as words: created_at → "Created", usage_logs → "Usage logs", acronyms kept', () => {
  assert.equal(defaultLabel('created_at'), 'Created');
  assert.equal(defaultLabel('last_used_at'), 'Last used');
  assert.equal(defaultLabel('usage_logs'), 'Usage logs');
  assert.equal(defaultLabel('account_id'), 'Account ID');
  assert.equal(defaultLabel('ip'), 'IP');
  assert.equal(defaultLabel('ts'), 'Time');
  assert.equal(defaultLabel('billingEmail'), 'Billing email');
});

test('category codes become plain words through one table, whatever their prefix', () => {
  assert.equal(categoryLabel('user.contact.email'), 'Email address');
  assert.equal(categoryLabel('contact.email'), 'Email address');
  assert.equal(categoryLabel('device.ip_address'), 'IP address (network address of your device)');
  assert.equal(categoryLabel('user.credentials.hash'), 'Scrambled copy of a key or password (hash)');
  assert.equal(categoryLabel('user.credentials'), 'Login details');
  assert.equal(categoryLabel('custom.favourite_colour'), 'Favourite colour', 'unknown codes: their last part in words');
});

test('dates are written in the reader’s language (Intl), English by default and for an unknown tag', () => {
  const at = '2026-03-01T09:05:00.000Z';
  assert.equal(formatDateTime(at), 'March 1, 2026 at 9:05 AM');
  assert.equal(formatDateTime(at, 'en-GB'), '1 March 2026 at 09:05');
  assert.match(formatDateTime(at, 'de'), /^1\. März 2026/);
  assert.match(formatDateTime(at, 'fr'), /^1 mars 2026/);
  assert.match(formatDateTime(at, 'es'), /^1 de marzo de 2026/);
  assert.equal(readerLanguage('not a language!'), 'en');
  assert.equal(readableValue('2026-03-01'), 'Mar 1, 2026', 'a bare date has no time; table cells take the medium style');
  assert.equal(readableValue({ paid_at: at, ok: true }), 'Paid: Mar 1, 2026, 9:05 AM; Ok: yes');
  assert.equal(readableValue(at, 'de'), '01.03.2026, 09:05');
  assert.equal(readableValue('GET /v1/charts'), 'GET /v1/charts');
});

test('the data map takes labels, source, legal basis, automatedDecisions (a list or "none") and transfers with safeguards', () => {
  const base = `identities: [email]
stores:
  db:
    kind: postgres
    url: postgres://x/y
    collections:
      people:
        label: Your profile
        source: your employer, who registered you
        legalBasis: contract
        identity: { email: email }
        fields: { email: { category: contact.email, label: Email } }
`;
  const none = parseDataMap(`automatedDecisions: none\n${base}`);
  assert.deepEqual(none.automatedDecisions, []);
  const coll = (none.stores.db as { collections: Record<string, { label?: string; source?: string }> }).collections.people;
  assert.equal(coll.label, 'Your profile');
  assert.equal(coll.source, 'your employer, who registered you');
  const listed = parseDataMap(
    `automatedDecisions: [{ name: Fraud score, logic: a score from payment history, consequences: a high score blocks a payment, profiling: true }]
transfers: [{ country: United States, recipient: payment processor, safeguard: SCCs }]
${base}`,
  );
  assert.equal(listed.automatedDecisions[0].profiling, true);
  assert.equal(listed.transfers[0].safeguard, 'SCCs');
  assert.throws(() => parseDataMap(`transfers: [{ country: India, recipient: support }]\n${base}`), /transfers\.0\.safeguard/);
});

const place: ManifestCollection = {
  store: 'app_db',
  collection: 'usage_logs',
  kind: 'postgres',
  label: 'Usage logs',
  place: 'The product database',
  source: 'our partner network',
  categories: ['device.ip_address', 'system.timestamps'],
  fields: { ts: 'system.timestamps', ip: 'device.ip_address', key_hash: 'user.credentials.hash' },
  fieldLabels: { ts: 'When', ip: 'IP address', key_hash: 'Key fingerprint' },
  purposes: ['operate and secure the API'],
  recipients: ['hosting provider'],
  retention: { period: 'P90D', description: '90 days, counted from the date “When”' },
  rows: 1,
  unit: 'rows',
  files: [{ name: 'data/app_db/usage_logs.json', bytes: 10, sha256: 'x' }],
  withheld: [{ field: 'key_hash', category: 'user.credentials.hash', reason: 'a credential' }],
};
const manifest: Manifest = {
  format: 'dsar-engine/export@2',
  requestId: 'r-1',
  requestType: 'access',
  generatedAt: '2026-03-01T09:05:00.000Z',
  totals: { collections: 1, rows: 1, notIncluded: 0, withheld: 1 },
  collections: [place],
  notIncluded: [],
  withheld: [{ store: 'app_db', collection: 'usage_logs', field: 'key_hash', category: 'user.credentials.hash', reason: 'a credential' }],
  automatedDecisions: [{ name: 'Abuse filter', logic: 'more than 100 calls a second', consequences: 'calls refused', profiling: false }],
  transfers: [{ country: 'United States', recipient: 'helpdesk provider', safeguard: 'Standard Contractual Clauses' }],
  documents: [],
};

test('GDPR Art. 15(1)(g)-(h) and 15(2): the report shows source, automated decisions and transfers, in labels and dates only', () => {
  const html = accessReportHtml(
    manifest,
    new Map([['app_db.usage_logs', [{ ts: '2026-02-27T13:00:00.000Z', ip: '10.0.0.1' }]]]),
    10,
    'R.',
    {
      lang: 'de',
      recourseSentence: 'Complain to the authority.',
    },
  );
  const text = visibleText(html);
  assert.match(html, /<html lang="de">/);
  assert.match(text, /27\.02\.2026, 13:00/, 'a stored timestamp in German');
  assert.match(text, /1\. März 2026 um 09:05/, 'the date of the report in German');
  assert.doesNotMatch(text, ISO_TIMESTAMP);
  for (const code of ['device.ip_address', 'system.timestamps', 'user.credentials.hash', 'key_hash', 'usage_logs']) {
    assert.ok(!text.replace('data/app_db/usage_logs.json', '').includes(code), `no ${code} in the visible text`);
  }
  for (const words of [
    'Where it came from our partner network',
    'Abuse filter',
    'more than 100 calls a second',
    'United States helpdesk provider Standard Contractual Clauses',
    'Complain to the authority.',
    'Key fingerprint in Usage logs',
  ])
    assert.ok(text.includes(words), words);
  assert.match(html, /<nav aria-label="Contents">[\s\S]*href="#place-0">Usage logs</);
  assert.match(html, /\.table-wrap\{overflow-x:auto/);
  const none = visibleText(accessReportHtml({ ...manifest, automatedDecisions: [], transfers: [] }, new Map()));
  assert.match(none, /We make no decisions about you by automated means alone/);
  assert.match(none, /We do not send your data to other countries/);
});
