import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addBusinessDays, addMonths, checkExtension, computeDeadline, reminderAt } from '../../schemas/deadline';

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
