// Compliance figures against a seeded history of 600 requests with known outcomes: every figure
// is recomputed here independently, in plain code, and compared.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAdminKey } from '../../api/admin-keys';
import { startStack, type Stack } from '../support/stack';
import { appendAudit } from '../../records/audit-events';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';

let stack: Stack;
let auditor: Record<string, string>;

interface Seeded {
  type: string;
  jurisdiction: string;
  status: string;
  receivedAt: Date;
  dueAt: Date;
  extendedDueAt: Date | null;
  completedAt: Date | null;
  denialReason: string | null;
}
const history: Seeded[] = [];
const DAY = 86_400_000;
const FROM = Date.UTC(2026, 0, 1);

before(async () => {
  stack = await startStack();
  auditor = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'auditor', 'auditor')).key}` };
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  for (let i = 0; i < 600; i++) {
    const receivedAt = new Date(FROM + Math.floor(rand() * 300) * DAY + Math.floor(rand() * DAY));
    const dueAt = new Date(receivedAt.getTime() + 30 * DAY);
    const extended = rand() < 0.1 ? new Date(receivedAt.getTime() + 75 * DAY) : null;
    const status = pick(['completed', 'completed', 'completed', 'completed', 'denied', 'expired_unverified', 'in_progress']);
    const completedAt =
      status === 'completed'
        ? new Date(receivedAt.getTime() + Math.floor(rand() * 50 * DAY))
        : status === 'in_progress'
          ? null
          : new Date(receivedAt.getTime() + 3 * DAY);
    history.push({
      type: pick(['access', 'export', 'deletion', 'correction']),
      jurisdiction: pick(['policy', 'gdpr', 'ccpa']),
      status,
      receivedAt,
      dueAt,
      extendedDueAt: extended,
      completedAt,
      denialReason: status === 'denied' ? pick(['excessive', 'manifestly_unfounded', 'identity_not_verified']) : null,
    });
  }
  for (const h of history) {
    await stack.db.engineDb.query(
      `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, extended_due_at, completed_at, denial_reason, jurisdiction)
       VALUES (gen_random_uuid(), $1, 'self_service', $2, 'x@example.com', 'h', $3, $4, $5, $6, $7, $8)`,
      [h.type, h.status, h.receivedAt, h.dueAt, h.extendedDueAt, h.completedAt, h.denialReason, h.jurisdiction],
    );
  }
});
after(async () => stack?.stop());

const median = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)] + s[Math.ceil(m)]) / 2;
};
const r2 = (v: number | null) => (v === null ? null : Math.round(v * 100) / 100);

test('every figure of the compliance report equals the one computed independently', async () => {
  const from = '2026-02-01';
  const to = '2026-08-01';
  const res = await stack.app.inject({ method: 'GET', url: `/v1/admin/reports/compliance?from=${from}&to=${to}`, headers: auditor });
  assert.equal(res.statusCode, 200, res.body);
  const report = res.json();
  const inPeriod = history.filter((h) => h.receivedAt >= new Date(`${from}T00:00:00Z`) && h.receivedAt < new Date(`${to}T00:00:00Z`));
  assert.ok(inPeriod.length > 250, 'a substantial period');
  const groups = new Map<string, Seeded[]>();
  for (const h of inPeriod) groups.set(`${h.type}/${h.jurisdiction}`, [...(groups.get(`${h.type}/${h.jurisdiction}`) ?? []), h]);
  assert.equal(report.rows.length, groups.size);
  for (const row of report.rows) {
    const g = groups.get(`${row.type}/${row.jurisdiction}`)!;
    const done = g.filter((h) => h.status === 'completed');
    const days = done.map((h) => (h.completedAt!.getTime() - h.receivedAt.getTime()) / DAY);
    const denied = g.filter((h) => h.status === 'denied');
    const reasons: Record<string, number> = {};
    denied.forEach((h) => (reasons[h.denialReason!] = (reasons[h.denialReason!] ?? 0) + 1));
    const onTime = done.filter((h) => h.completedAt! <= (h.extendedDueAt ?? h.dueAt)).length;
    assert.deepEqual(
      {
        received: row.received,
        complied: row.complied,
        denied: row.denied,
        deniedByReason: row.deniedByReason,
        expiredUnverified: row.expiredUnverified,
        medianDays: row.medianDays,
        meanDays: row.meanDays,
        onTimeShare: row.onTimeShare,
        extended: row.extended,
        overdueNow: row.overdueNow,
      },
      {
        received: g.length,
        complied: done.length,
        denied: denied.length,
        deniedByReason: reasons,
        expiredUnverified: g.filter((h) => h.status === 'expired_unverified').length,
        medianDays: r2(median(days)),
        meanDays: r2(days.length ? days.reduce((a, b) => a + b, 0) / days.length : null),
        onTimeShare: done.length ? Math.round((onTime / done.length) * 10000) / 10000 : null,
        extended: g.filter((h) => h.extendedDueAt).length,
        overdueNow: g.filter((h) => h.completedAt === null && (h.extendedDueAt ?? h.dueAt).getTime() < Date.now()).length,
      },
      `${row.type}/${row.jurisdiction}`,
    );
  }
  const know = inPeriod.filter((h) => h.type === 'access' || h.type === 'export');
  const knowDone = know.filter((h) => h.status === 'completed');
  assert.deepEqual(
    [report.ccpa7102.know.received, report.ccpa7102.know.complied, report.ccpa7102.know.denied, report.ccpa7102.know.medianDays],
    [
      know.length,
      knowDone.length,
      know.filter((h) => h.status === 'denied').length,
      r2(median(knowDone.map((h) => (h.completedAt!.getTime() - h.receivedAt.getTime()) / DAY))),
    ],
  );
  assert.equal(report.ccpa7102.delete.received, inPeriod.filter((h) => h.type === 'deletion').length);
});

test('the CSV has a header and a row per type and jurisdiction; bad periods are 400; a key is needed', async () => {
  const csv = await stack.app.inject({
    method: 'GET',
    url: '/v1/admin/reports/compliance?from=2026-01-01&to=2027-01-01&format=csv',
    headers: auditor,
  });
  assert.equal(csv.statusCode, 200);
  assert.match(String(csv.headers['content-type']), /text\/csv/);
  const lines = csv.body.trim().split('\n');
  assert.equal(
    lines[0],
    'type,jurisdiction,received,complied,denied,expiredUnverified,medianDays,meanDays,onTimeShare,extended,overdueNow,deniedByReason',
  );
  assert.equal(lines.length - 1, new Set(history.map((h) => `${h.type}/${h.jurisdiction}`)).size);
  assert.equal(
    lines.slice(1).reduce((n, l) => n + Number(l.split(',')[2]), 0),
    history.length,
  );
  assert.equal(
    (await stack.app.inject({ method: 'GET', url: '/v1/admin/reports/compliance?from=2026-05-01&to=2026-01-01', headers: auditor }))
      .statusCode,
    400,
  );
  assert.equal(
    (await stack.app.inject({ method: 'GET', url: '/v1/admin/reports/compliance?from=May&to=2026-01-01', headers: auditor })).statusCode,
    400,
  );
  assert.equal(
    (await stack.app.inject({ method: 'GET', url: '/v1/admin/reports/compliance?from=2026-01-01&to=2027-01-01' })).statusCode,
    401,
  );
});

test('weekly figures and the audit verification endpoint answer', async () => {
  const weekly = await stack.app.inject({ method: 'GET', url: '/v1/admin/reports/weekly?weeks=104', headers: auditor });
  assert.equal(weekly.statusCode, 200);
  assert.ok(Array.isArray(weekly.json().weeks));
  const verify = await stack.app.inject({ method: 'GET', url: '/v1/admin/audit/verify', headers: auditor });
  assert.deepEqual([verify.statusCode, verify.json().ok], [200, true]);
  assert.equal((await stack.app.inject({ method: 'POST', url: '/v1/admin/audit/anchor', headers: auditor })).statusCode, 403);
  const admin = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'anchorer', 'admin')).key}` };
  const empty = await stack.app.inject({ method: 'POST', url: '/v1/admin/audit/anchor', headers: admin });
  assert.equal(empty.statusCode, 409, 'nothing to anchor in an empty trail');
  await appendAudit(stack.db.engineDb, { eventKey: 'anchor-test', actor: 'test', action: AUDIT_ACTIONS.retentionSweep });
  const anchor = await stack.app.inject({ method: 'POST', url: '/v1/admin/audit/anchor', headers: admin });
  assert.equal(anchor.statusCode, 201, anchor.body);
  assert.match(anchor.json().signature, /^[0-9a-f]{64}$/);
  const anchored = await stack.app.inject({ method: 'GET', url: '/v1/admin/audit/verify', headers: auditor });
  assert.equal(anchored.json().ok, true, anchored.body);
  assert.equal(anchored.json().anchor.seq, anchor.json().seq);
});
