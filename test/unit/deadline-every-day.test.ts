// The deadline rules over every receipt day of a common year (2027) and a leap year (2028). The
// expected dates are worked out here independently, by stepping through a calendar one day at a
// time (month lengths and weekdays counted by hand), not with the functions under test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeDeadline, type Jurisdiction } from '../../schemas/deadline';

interface Day {
  y: number;
  m: number; // 1–12
  d: number;
  weekday: number; // 0 Sunday … 6 Saturday
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthLength = (y: number, m: number) => [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];

function nextDay(x: Day): Day {
  const weekday = (x.weekday + 1) % 7;
  if (x.d < monthLength(x.y, x.m)) return { ...x, d: x.d + 1, weekday };
  if (x.m < 12) return { y: x.y, m: x.m + 1, d: 1, weekday };
  return { y: x.y + 1, m: 1, d: 1, weekday };
}

const plusDays = (x: Day, n: number) => Array.from({ length: n }).reduce<Day>((acc) => nextDay(acc), x);

/** "n months later": the same day of the month, or that month's last day when it has none. */
function plusMonths(x: Day, n: number): Day {
  const target = { y: x.y + Math.floor((x.m - 1 + n) / 12), m: ((x.m - 1 + n) % 12) + 1 };
  const d = Math.min(x.d, monthLength(target.y, target.m));
  let walk = x;
  while (!(walk.y === target.y && walk.m === target.m && walk.d === d)) walk = nextDay(walk);
  return walk;
}

function plusBusinessDays(x: Day, n: number): Day {
  let walk = x;
  for (let left = n; left > 0;) {
    walk = nextDay(walk);
    if (walk.weekday !== 0 && walk.weekday !== 6) left--;
  }
  return walk;
}

const key = (x: Day) => x.y * 10_000 + x.m * 100 + x.d;
const earliest = (...days: Day[]) => days.reduce((a, b) => (key(b) < key(a) ? b : a));
const pad = (n: number) => String(n).padStart(2, '0');
const at = (x: Day, time = '14:30:00.000') => `${x.y}-${pad(x.m)}-${pad(x.d)}T${time}Z`;

/** Every day of `year`, starting from the weekday of 1 January (known, not computed). */
function everyDay(year: number, jan1Weekday: number): Day[] {
  const days: Day[] = [];
  for (let x: Day = { y: year, m: 1, d: 1, weekday: jan1Weekday }; x.y === year; x = nextDay(x)) days.push(x);
  return days;
}

// 1 January 2027 is a Friday, 1 January 2028 a Saturday.
const YEARS = [
  { year: 2027, jan1: 5, days: 365 },
  { year: 2028, jan1: 6, days: 366 },
];

interface Expected {
  dueAt: Day;
  maxExtendedDueAt: Day;
  acknowledgeBy?: Day;
}

function expected(r: Day, jurisdictions: Jurisdiction[], policyDays: number): Expected {
  const gdpr = { due: plusMonths(r, 1), max: plusMonths(r, 3) };
  const ccpa = { due: plusDays(r, 45), max: plusDays(r, 90) };
  const laws = [jurisdictions.includes('gdpr') ? gdpr : null, jurisdictions.includes('ccpa') ? ccpa : null].filter((l) => l !== null);
  const bounding = laws.length ? laws : [gdpr, ccpa]; // the policy alone is held to both laws' limits
  return {
    dueAt: earliest(plusDays(r, policyDays), ...bounding.map((l) => l.due)),
    maxExtendedDueAt: earliest(...bounding.map((l) => l.max)),
    acknowledgeBy: jurisdictions.includes('ccpa') ? plusBusinessDays(r, 10) : undefined,
  };
}

const CASES: { jurisdictions: Jurisdiction[]; policyDays: number }[] = [
  { jurisdictions: ['gdpr'], policyDays: 30 },
  { jurisdictions: ['gdpr'], policyDays: 60 },
  { jurisdictions: ['ccpa'], policyDays: 30 },
  { jurisdictions: ['ccpa'], policyDays: 60 },
  { jurisdictions: ['policy'], policyDays: 30 },
  { jurisdictions: ['policy'], policyDays: 60 },
  { jurisdictions: ['gdpr', 'ccpa'], policyDays: 60 },
];

for (const { year, jan1, days } of YEARS) {
  test(`GDPR Art. 12(3), CCPA §7021 and the policy: every receipt day of ${year} (${isLeap(year) ? 'leap' : 'common'} year)`, () => {
    const receipts = everyDay(year, jan1);
    assert.equal(receipts.length, days);
    let checked = 0;
    for (const r of receipts) {
      for (const c of CASES) {
        const got = computeDeadline(new Date(at(r)), c.jurisdictions, c.policyDays);
        const want = expected(r, c.jurisdictions, c.policyDays);
        const label = `received ${at(r)}, ${c.jurisdictions.join('+')}, policy ${c.policyDays} days`;
        assert.equal(got.dueAt.toISOString(), at(want.dueAt), `${label}: due`);
        assert.equal(got.maxExtendedDueAt.toISOString(), at(want.maxExtendedDueAt), `${label}: extension limit`);
        assert.equal(got.acknowledgeBy?.toISOString(), want.acknowledgeBy && at(want.acknowledgeBy), `${label}: acknowledgement`);
        checked++;
      }
    }
    assert.equal(checked, days * CASES.length);
  });
}

test('the independent calendar agrees with known dates (it checks the checker)', () => {
  const jan31 = { y: 2027, m: 1, d: 31, weekday: 0 };
  assert.equal(at(plusMonths(jan31, 1)), '2027-02-28T14:30:00.000Z');
  assert.equal(at(plusMonths({ ...jan31, y: 2028, weekday: 1 }, 1)), '2028-02-29T14:30:00.000Z');
  assert.equal(at(plusDays(jan31, 30)), '2027-03-02T14:30:00.000Z');
  const weekdayOf = (x: Day) => new Date(at(x)).getUTCDay();
  for (const { year, jan1 } of YEARS) for (const x of everyDay(year, jan1)) assert.equal(x.weekday, weekdayOf(x), at(x));
});
