import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addBusinessDays,
  addMonths,
  applicableJurisdictions,
  checkExtension,
  computeDeadline,
  lawForResidence,
  reminderAt,
} from '../../schemas/deadline';

const d = (s: string) => new Date(s);
const iso = (x: Date) => x.toISOString();

test("one month under the GDPR is the same day next month, or that month's last day", () => {
  assert.equal(iso(addMonths(d('2026-01-31T09:00:00Z'), 1)), '2026-02-28T09:00:00.000Z');
  assert.equal(iso(addMonths(d('2028-01-31T09:00:00Z'), 1)), '2028-02-29T09:00:00.000Z', 'leap year');
  assert.equal(iso(addMonths(d('2026-03-31T00:00:00Z'), 1)), '2026-04-30T00:00:00.000Z');
  assert.equal(iso(addMonths(d('2026-01-15T00:00:00Z'), 1)), '2026-02-15T00:00:00.000Z');
  assert.equal(iso(addMonths(d('2026-12-31T00:00:00Z'), 2)), '2027-02-28T00:00:00.000Z', 'across the year end');
  assert.equal(iso(addMonths(d('2028-02-29T00:00:00Z'), 12)), '2029-02-28T00:00:00.000Z');
});

test('business days skip weekends', () => {
  // Friday + 1 business day = Monday; Friday + 10 = the Friday two weeks later
  assert.equal(iso(addBusinessDays(d('2026-11-20T10:00:00Z'), 1)), '2026-11-23T10:00:00.000Z');
  assert.equal(iso(addBusinessDays(d('2026-11-20T10:00:00Z'), 10)), '2026-12-04T10:00:00.000Z');
  // Saturday + 1 = Monday
  assert.equal(iso(addBusinessDays(d('2026-11-21T10:00:00Z'), 1)), '2026-11-23T10:00:00.000Z');
});

test('GDPR: due in one month unless the 30-day policy is stricter; extendable to three months', () => {
  const jan31 = computeDeadline(d('2026-01-31T12:00:00Z'), 'gdpr');
  assert.equal(iso(jan31.legalDueAt), '2026-02-28T12:00:00.000Z');
  assert.equal(iso(jan31.dueAt), '2026-02-28T12:00:00.000Z', 'Feb 28 comes before the 30-day policy (Mar 2)');
  assert.equal(iso(jan31.maxExtendedDueAt), '2026-04-30T12:00:00.000Z');
  const jul1 = computeDeadline(d('2026-07-01T00:00:00Z'), 'gdpr');
  assert.equal(iso(jul1.legalDueAt), '2026-08-01T00:00:00.000Z');
  assert.equal(iso(jul1.dueAt), '2026-07-31T00:00:00.000Z', 'the 30-day policy is stricter than 31 days');
});

test('CCPA: acknowledge in 10 business days, respond in 45 days, extend once by 45', () => {
  const c = computeDeadline(d('2026-11-20T10:00:00Z'), 'ccpa', 60);
  assert.equal(iso(c.acknowledgeBy!), '2026-12-04T10:00:00.000Z');
  assert.equal(iso(c.dueAt), '2027-01-04T10:00:00.000Z');
  assert.equal(iso(c.maxExtendedDueAt), '2027-02-18T10:00:00.000Z');
  assert.equal(iso(computeDeadline(d('2026-11-20T10:00:00Z'), 'ccpa').dueAt), '2026-12-20T10:00:00.000Z', 'policy 30 days is stricter');
});

test('extensions beyond the legal maximum, late, twice or without a reason are refused', () => {
  const g = computeDeadline(d('2026-01-31T12:00:00Z'), 'gdpr');
  const now = d('2026-02-10T00:00:00Z');
  assert.deepEqual(checkExtension(g, now, d('2026-04-30T12:00:00Z'), 0, 'complex request'), { ok: true });
  assert.equal(checkExtension(g, now, d('2026-05-01T00:00:00Z'), 0, 'complex').ok, false);
  assert.equal(checkExtension(g, now, d('2026-04-01T00:00:00Z'), 0, '  ').ok, false);
  assert.equal(checkExtension(g, now, d('2026-04-01T00:00:00Z'), 1, 'again').ok, false);
  assert.equal(checkExtension(g, d('2026-03-01T00:00:00Z'), d('2026-04-01T00:00:00Z'), 0, 'late').ok, false, 'after the first month');
  assert.equal(checkExtension(g, now, d('2026-02-20T00:00:00Z'), 0, 'earlier').ok, false, 'must move the date later');
  const c = computeDeadline(d('2026-11-20T10:00:00Z'), 'ccpa', 45);
  assert.equal(checkExtension(c, d('2026-11-25T00:00:00Z'), d('2027-02-18T10:00:00Z'), 0, 'volume').ok, true);
  assert.equal(checkExtension(c, d('2026-11-25T00:00:00Z'), d('2027-02-18T10:00:01Z'), 0, 'volume').ok, false);
});

test('the reminder is 7 days before the due date', () => {
  assert.equal(iso(reminderAt(d('2026-12-23T10:00:00Z'))), '2026-12-16T10:00:00.000Z');
});

test('GDPR Art. 12(3): received 31 January, due 28 February in a common year', () => {
  assert.equal(iso(computeDeadline(d('2027-01-31T08:00:00Z'), 'gdpr', 30).dueAt), '2027-02-28T08:00:00.000Z');
  assert.equal(
    iso(computeDeadline(d('2027-01-31T08:00:00Z'), 'gdpr', 90).dueAt),
    '2027-02-28T08:00:00.000Z',
    'a laxer policy does not help',
  );
});

test('GDPR Art. 12(3): received 31 January, due 29 February in a leap year', () => {
  assert.equal(iso(computeDeadline(d('2028-01-31T08:00:00Z'), 'gdpr', 30).dueAt), '2028-02-29T08:00:00.000Z');
});

test('the policy never exceeds a law: 30 days from 31 January is capped at 28 February, extensions at 90 days', () => {
  const p = computeDeadline(d('2027-01-31T08:00:00Z'), 'policy', 30);
  assert.equal(iso(p.dueAt), '2027-02-28T08:00:00.000Z', 'not 2 March');
  assert.equal(iso(p.maxExtendedDueAt), '2027-04-30T08:00:00.000Z', 'three months come before 90 days (1 May)');
  const june = computeDeadline(d('2027-06-01T00:00:00Z'), 'policy', 60);
  assert.equal(iso(june.dueAt), '2027-07-01T00:00:00.000Z', 'one month, not 60 days');
  assert.equal(iso(june.maxExtendedDueAt), '2027-08-30T00:00:00.000Z', '90 days come before three months (1 September, day 92)');
  assert.equal(checkExtension(june, d('2027-06-10T00:00:00Z'), d('2027-09-01T00:00:00Z'), 0, 'complex').ok, false, '92 days refused');
});

test('strictest applies: GDPR and CCPA together are due at the earlier date and extend to the earlier limit', () => {
  const both = computeDeadline(d('2027-03-01T00:00:00Z'), ['ccpa', 'gdpr'], 60);
  assert.equal(iso(both.dueAt), '2027-04-01T00:00:00.000Z', 'GDPR one month before CCPA 45 days');
  assert.equal(iso(both.maxExtendedDueAt), '2027-05-30T00:00:00.000Z', 'CCPA 90 days before GDPR three months (1 June)');
  assert.equal(iso(both.acknowledgeBy!), '2027-03-15T00:00:00.000Z', 'the CCPA acknowledgement still applies');
  assert.deepEqual(both.jurisdictions, ['gdpr', 'ccpa']);
  assert.equal(both.jurisdiction, 'gdpr', 'filed under the law due first');
});

test("a requester's ccpa label cannot loosen an EU subject's deadline", () => {
  const laws = applicableJurisdictions({ configured: 'policy', requested: 'ccpa', residences: ['DE'] });
  assert.deepEqual(laws, ['gdpr', 'ccpa']);
  const dl = computeDeadline(d('2027-01-10T00:00:00Z'), laws, 60);
  assert.equal(iso(dl.dueAt), '2027-02-10T00:00:00.000Z', 'one month, not 45 days');
  const now = d('2027-01-20T00:00:00Z');
  assert.equal(checkExtension(dl, now, d('2027-04-10T00:00:00Z'), 0, 'complex').ok, true, '90 days');
  assert.equal(checkExtension(dl, now, d('2027-04-11T00:00:00Z'), 0, 'complex').ok, false, 'not 45 + 45 beyond');
  assert.deepEqual(applicableJurisdictions({ configured: 'gdpr', requested: 'policy' }), ['gdpr'], 'the configured law stays');
  assert.deepEqual(applicableJurisdictions({ configured: 'policy' }), ['policy']);
});

test('residence decides the law: EU/EEA/UK codes are GDPR, US-CA is CCPA, elsewhere none', () => {
  for (const r of ['EU', 'eea', 'DE', 'fr', 'NO', 'GB', 'de-by']) assert.equal(lawForResidence(r), 'gdpr', r);
  for (const r of ['US-CA', 'us_ca', 'California']) assert.equal(lawForResidence(r), 'ccpa', r);
  for (const r of ['US', 'US-NY', 'CA', 'JP', '', null]) assert.equal(lawForResidence(r), null, String(r));
});
