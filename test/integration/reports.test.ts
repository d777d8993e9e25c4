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

/** What became of a seeded request; its status and answer follow from it. */
const OUTCOMES = {
  complied: 'completed',
  partly_complied: 'completed', // some stores not included or retained: still complied with in part
  denied: 'denied',
  denied_identity: 'denied',
  unverifiable: 'expired_unverified',
  held_in_progress: 'in_progress', // a deletion meeting a hold, before holds became a state of their own
  on_hold: 'on_hold',
  needs_attention: 'needs_attention',
  awaiting: 'awaiting_verification',
  failed: 'failed',
} as const;
type Outcome = keyof typeof OUTCOMES;
const ANSWERED: Outcome[] = ['complied', 'partly_complied', 'denied', 'denied_identity', 'unverifiable', 'failed'];

interface Seeded {
  type: string;
  jurisdiction: string;
  outcome: Outcome;
  status: string;
  receivedAt: Date;
  dueAt: Date;
  extendedDueAt: Date | null;
  completedAt: Date | null;
  denialReason: string | null;
}
interface SeededOptOut {
  receivedAt: Date;
  appliedAt: Date | null;
  status: 'opt_out' | 'triage';
}
const history: Seeded[] = [];
const optOuts: SeededOptOut[] = [];
const DAY = 86_400_000;
const FROM = Date.UTC(2026, 0, 1);

before(async () => {
  stack = await startStack();
  auditor = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'auditor', 'auditor')).key}` };
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  const outcomes = Object.keys(OUTCOMES) as Outcome[];
  for (let i = 0; i < 700; i++) {
    const receivedAt = new Date(FROM + Math.floor(rand() * 300) * DAY + Math.floor(rand() * DAY));
    const dueAt = new Date(receivedAt.getTime() + 30 * DAY);
    const extended = rand() < 0.1 ? new Date(receivedAt.getTime() + 75 * DAY) : null;
    const outcome = rand() < 0.4 ? 'complied' : pick(outcomes);
    const completedAt = !ANSWERED.includes(outcome)
      ? null
      : outcome === 'complied' || outcome === 'partly_complied'
        ? new Date(receivedAt.getTime() + Math.floor(rand() * 50 * DAY))
        : new Date(receivedAt.getTime() + Math.floor(rand() * 10 * DAY) + 3 * DAY);
    history.push({
      type: pick(['access', 'export', 'deletion', 'correction']),
      jurisdiction: pick(['policy', 'gdpr', 'ccpa']),
      outcome,
      status: OUTCOMES[outcome],
      receivedAt,
      dueAt,
      extendedDueAt: extended,
      completedAt,
      denialReason:
        outcome === 'denied_identity' ? 'identity_not_verified' : outcome === 'denied' ? pick(['excessive', 'manifestly_unfounded']) : null,
    });
  }
  for (let i = 0; i < 60; i++) {
    const receivedAt = new Date(FROM + Math.floor(rand() * 300) * DAY + Math.floor(rand() * DAY));
    const acted = rand() < 0.5;
    optOuts.push({
      receivedAt,
      appliedAt: acted ? new Date(receivedAt.getTime() + Math.floor(rand() * 20 * DAY)) : null,
      status: rand() < 0.15 ? 'triage' : 'opt_out',
    });
  }
  for (const h of history) {
    await stack.db.engineDb.query(
      `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, extended_due_at, completed_at, denial_reason, jurisdiction)
       VALUES (gen_random_uuid(), $1, 'self_service', $2, 'x@example.com', 'h', $3, $4, $5, $6, $7, $8)`,
      [h.type, h.status, h.receivedAt, h.dueAt, h.extendedDueAt, h.completedAt, h.denialReason, h.jurisdiction],
    );
  }
  for (const [i, o] of optOuts.entries()) {
    // one mail, one intent: an opt-out (applied or not) or a mail left in triage
    await stack.db.engineDb.query(
      `WITH m AS (
         INSERT INTO inbox_messages (id, message_id, received_at, source, status, subject, raw)
         VALUES (gen_random_uuid(), $1, $2, 'webhook', $3, 'Do not sell my personal information', '\\x00') RETURNING id)
       INSERT INTO inbox_intents (id, inbox_id, kind, status, opt_out_applied_at)
       SELECT gen_random_uuid(), m.id, CASE WHEN $3 = 'opt_out' THEN 'opt_out' END, $3, $4 FROM m`,
      [`<opt-out-${i}@example.net>`, o.receivedAt, o.status, o.status === 'opt_out' ? o.appliedAt : null],
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
});

const RIGHT_OF: Record<string, string> = { access: 'know', export: 'know', deletion: 'delete', correction: 'correct' };
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

/** The figures of one right, counted here from the seeded outcomes (not from statuses or SQL). */
function expectedRight(seeded: Seeded[]) {
  const has = (...os: Outcome[]) => seeded.filter((h) => os.includes(h.outcome));
  const answered = has('complied', 'partly_complied', 'denied', 'denied_identity', 'unverifiable');
  const days = answered.map((h) => (h.completedAt!.getTime() - h.receivedAt.getTime()) / DAY);
  return {
    received: seeded.length,
    complied: has('complied', 'partly_complied').length,
    denied: has('denied', 'denied_identity', 'unverifiable').length,
    deniedUnverifiable: has('denied_identity', 'unverifiable').length,
    pending: has('held_in_progress', 'on_hold', 'needs_attention', 'awaiting').length,
    failed: has('failed').length,
    medianDays: r2(median(days)),
    meanDays: r2(mean(days)),
  };
}

const PERIOD = { from: '2026-02-01', to: '2026-08-01' };
const inReportPeriod = <T extends { receivedAt: Date }>(xs: T[]) =>
  xs.filter((h) => h.receivedAt >= new Date(`${PERIOD.from}T00:00:00Z`) && h.receivedAt < new Date(`${PERIOD.to}T00:00:00Z`));

function expectedOptOut() {
  const received = inReportPeriod(optOuts).filter((o) => o.status === 'opt_out');
  const applied = received.filter((o) => o.appliedAt);
  const days = applied.map((o) => (o.appliedAt!.getTime() - o.receivedAt.getTime()) / DAY);
  return {
    received: received.length,
    complied: applied.length,
    denied: 0,
    deniedUnverifiable: 0,
    pending: received.length - applied.length,
    failed: 0,
    medianDays: r2(median(days)),
    meanDays: r2(mean(days)),
  };
}

const ZERO = { received: 0, complied: 0, denied: 0, deniedUnverifiable: 0, pending: 0, failed: 0, medianDays: null, meanDays: null };

test('CCPA §7102(a): per right, CCPA requests received, complied with in whole or in part, denied (unverifiable included) and the days to respond (denials included) equal an independent count', async () => {
  const res = await stack.app.inject({
    method: 'GET',
    url: `/v1/admin/reports/compliance?from=${PERIOD.from}&to=${PERIOD.to}`,
    headers: auditor,
  });
  assert.equal(res.statusCode, 200, res.body);
  const report = res.json();
  const ccpa = inReportPeriod(history).filter((h) => h.jurisdiction === 'ccpa');
  for (const outcome of Object.keys(OUTCOMES) as Outcome[])
    assert.ok(
      ccpa.some((h) => h.outcome === outcome),
      `the seeded period holds a CCPA request that was ${outcome}`,
    );
  for (const right of ['know', 'delete', 'correct'])
    assert.deepEqual(report.ccpa7102[right], expectedRight(ccpa.filter((h) => RIGHT_OF[h.type] === right)), `ccpa7102.${right}`);
  const optOut = expectedOptOut();
  assert.ok(optOut.complied > 0 && optOut.pending > 0, 'opt-outs both acted on and not');
  assert.deepEqual(report.ccpa7102.optOut, optOut, 'an opt-out is complied with only once applied');
  assert.deepEqual(report.ccpa7102.limit, ZERO, 'requests to limit: none, the right is not offered yet');
  assert.ok(report.notes.some((n: string) => /limit/.test(n) && /not offered when the map declares none/.test(n)));
  assert.ok(report.notes.some((n: string) => /optOut/.test(n) && /applied/.test(n)));
});

test('CCPA §7102: GDPR and policy requests are kept out of the §7102 block and reported per right in their own sections', async () => {
  const res = await stack.app.inject({
    method: 'GET',
    url: `/v1/admin/reports/compliance?from=${PERIOD.from}&to=${PERIOD.to}`,
    headers: auditor,
  });
  const report = res.json();
  for (const jurisdiction of ['gdpr', 'policy'] as const)
    for (const right of ['know', 'delete', 'correct'])
      assert.deepEqual(
        report.otherJurisdictions[jurisdiction][right],
        expectedRight(inReportPeriod(history).filter((h) => h.jurisdiction === jurisdiction && RIGHT_OF[h.type] === right)),
        `${jurisdiction}.${right}`,
      );
  const allKnow = inReportPeriod(history).filter((h) => RIGHT_OF[h.type] === 'know').length;
  assert.ok(report.ccpa7102.know.received < allKnow, 'fewer than every request to know: only the CCPA ones');
});

test('CCPA §7102: the CSV carries the same per-right figures as the JSON', async () => {
  const url = `/v1/admin/reports/compliance?from=${PERIOD.from}&to=${PERIOD.to}`;
  const json = (await stack.app.inject({ method: 'GET', url, headers: auditor })).json();
  const csv = (await stack.app.inject({ method: 'GET', url: `${url}&format=csv`, headers: auditor })).body;
  const blocks = csv.trim().split('\n\n');
  const [header, ...lines] = blocks[1].split('\n');
  const columns = header.split(',');
  assert.deepEqual(columns.slice(0, 2), ['section', 'right']);
  const fromCsv: Record<string, Record<string, Record<string, number | null>>> = {};
  for (const line of lines) {
    const cells = line.split(',');
    const figures = Object.fromEntries(columns.slice(2).map((c, i) => [c, cells[i + 2] === '' ? null : Number(cells[i + 2])]));
    (fromCsv[cells[0]] ??= {})[cells[1]] = figures;
  }
  assert.deepEqual(fromCsv, { ccpa7102: json.ccpa7102, ...json.otherJurisdictions });
  assert.deepEqual(
    blocks[2].split('\n').slice(1),
    json.notes.map((n: string) => `"${n.replace(/"/g, '""')}"`),
  );
});

test('the CSV has a header and a row per type and jurisdiction; bad periods are 400; a key is needed', async () => {
  const csv = await stack.app.inject({
    method: 'GET',
    url: '/v1/admin/reports/compliance?from=2026-01-01&to=2027-01-01&format=csv',
    headers: auditor,
  });
  assert.equal(csv.statusCode, 200);
  assert.match(String(csv.headers['content-type']), /text\/csv/);
  const lines = csv.body.trim().split('\n\n')[0].split('\n');
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

test('CCPA §7102: an opt-out the privacy team marks applied counts as complied from then, once', async () => {
  const { rows } = await stack.db.engineDb.query<{ id: string }>(
    `SELECT m.id FROM inbox_messages m JOIN inbox_intents i ON i.inbox_id = m.id
      WHERE i.status = 'opt_out' AND i.opt_out_applied_at IS NULL AND m.received_at >= $1 AND m.received_at < $2 LIMIT 1`,
    [`${PERIOD.from}T00:00:00Z`, `${PERIOD.to}T00:00:00Z`],
  );
  const admin = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'opt-out-admin', 'admin')).key}` };
  const url = `/v1/admin/reports/compliance?from=${PERIOD.from}&to=${PERIOD.to}`;
  const before = (await stack.app.inject({ method: 'GET', url, headers: auditor })).json().ccpa7102.optOut;
  const mark = () => stack.app.inject({ method: 'POST', url: `/v1/admin/inbox/${rows[0].id}/opt-out-applied`, headers: admin });
  assert.equal((await mark()).statusCode, 200);
  assert.equal((await mark()).statusCode, 404, 'marked once');
  const after = (await stack.app.inject({ method: 'GET', url, headers: auditor })).json().ccpa7102.optOut;
  assert.deepEqual([after.received, after.complied, after.pending], [before.received, before.complied + 1, before.pending - 1]);
  const audit = await stack.db.engineDb.query("SELECT count(*)::int AS n FROM audit_events WHERE action = 'opt_out.applied'");
  assert.equal(audit.rows[0].n, 1);
});
