// Compliance figures and gauges, computed by SQL in the engine database (never by looping over
// rows).
import { TERMINAL_STATUSES } from '../schemas/status';
import type { Queryable } from './db';

export interface ComplianceRow {
  type: string;
  jurisdiction: string;
  received: number;
  complied: number;
  denied: number;
  deniedByReason: Record<string, number>;
  expiredUnverified: number;
  medianDays: number | null;
  meanDays: number | null;
  onTimeShare: number | null;
  extended: number;
  overdueNow: number;
}

/** Figures for one right in one jurisdiction (CCPA §7102(a)). */
export interface RightFigures {
  received: number;
  /** Complied with in whole or in part: status `completed` only (a held or open request is not). */
  complied: number;
  /** Denied, including requests closed because the requester could not be verified. */
  denied: number;
  /** Of `denied`: closed unverified (`expired_unverified`) or denied for identity. */
  deniedUnverifiable: number;
  /** Not yet answered: any status that is not final (in progress, on hold, needing attention, …). */
  pending: number;
  /** Closed without an answer (`failed`). */
  failed: number;
  /** Days from receipt to the answer, over complied and denied requests alike. */
  medianDays: number | null;
  meanDays: number | null;
}

export const CCPA_RIGHTS = ['know', 'delete', 'correct', 'optOut', 'limit'] as const;
export type CcpaRight = (typeof CCPA_RIGHTS)[number];
/** The rights a request row carries (opt-outs and limits are not request rows). */
export const REQUEST_RIGHTS = ['know', 'delete', 'correct'] as const;
export type RequestRight = (typeof REQUEST_RIGHTS)[number];

export interface ComplianceReport {
  from: string;
  to: string;
  rows: ComplianceRow[];
  /** CCPA §7102(a): CCPA-jurisdiction requests only, per right. */
  ccpa7102: Record<CcpaRight, RightFigures>;
  /** The same figures for requests under the other jurisdictions, kept apart from §7102. */
  otherJurisdictions: { gdpr: Record<RequestRight, RightFigures>; policy: Record<RequestRight, RightFigures> };
  /** How the §7102 figures are counted, in words (shown with them in every format). */
  notes: string[];
}

export const REPORT_NOTES = [
  'know = access and export requests; delete = deletion; correct = correction.',
  'complied = completed (in whole or in part); a deletion on hold or still open is pending, not complied.',
  'denied includes requests closed unverified (expired_unverified) and denials for identity (deniedUnverifiable).',
  'median and mean days run from receipt to the answer, over complied and denied requests.',
  'optOut: opt_out requests (self-service, Global Privacy Control) and opt-outs received at privacy@; a request counts complied once the engine applied it in every mapped store and proved it by re-query, a mail intent once applied in the product (POST /v1/admin/inbox/:id/opt-out-applied).',
  'limit: limit requests (sensitive personal information, §7027); complied once applied in every store the data map declares sensitive — not offered when the map declares none.',
];

const DAYS = `extract(epoch FROM (completed_at - received_at)) / 86400.0`;
const DUE = 'coalesce(extended_due_at, due_at)';
const RIGHT_OF_TYPE = `CASE type WHEN 'deletion' THEN 'delete' WHEN 'correction' THEN 'correct' WHEN 'opt_out' THEN 'optOut'
  WHEN 'limit' THEN 'limit' WHEN 'restriction' THEN 'restrict' WHEN 'objection' THEN 'object' ELSE 'know' END`;
const DENIED = `status IN ('denied', 'expired_unverified')`;
const ANSWERED = `status IN ('completed', 'denied', 'expired_unverified')`;

const round = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100);
const emptyRight = (): RightFigures => ({
  received: 0,
  complied: 0,
  denied: 0,
  deniedUnverifiable: 0,
  pending: 0,
  failed: 0,
  medianDays: null,
  meanDays: null,
});
const rightsBlock = <R extends string>(rights: readonly R[]) =>
  Object.fromEntries(rights.map((r) => [r, emptyRight()])) as Record<R, RightFigures>;

/**
 * Requests received from ≤ received_at < to, per type and jurisdiction and per right; a status
 * that is not final (schemas/status.ts) counts as pending.
 */
export async function complianceReport(db: Queryable, from: Date, to: Date): Promise<ComplianceReport> {
  const terminalStatuses = [...TERMINAL_STATUSES];
  const { rows } = await db.query(
    `WITH r AS (SELECT * FROM requests WHERE received_at >= $1 AND received_at < $2)
     SELECT type, jurisdiction,
            count(*)::int AS received,
            count(*) FILTER (WHERE status = 'completed')::int AS complied,
            count(*) FILTER (WHERE status = 'denied')::int AS denied,
            count(*) FILTER (WHERE status = 'expired_unverified')::int AS expired_unverified,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ${DAYS}) FILTER (WHERE status = 'completed') AS median_days,
            avg(${DAYS}) FILTER (WHERE status = 'completed') AS mean_days,
            (count(*) FILTER (WHERE status = 'completed' AND completed_at <= ${DUE}))::float
              / nullif(count(*) FILTER (WHERE status = 'completed'), 0) AS on_time_share,
            count(*) FILTER (WHERE extended_due_at IS NOT NULL)::int AS extended,
            count(*) FILTER (WHERE completed_at IS NULL AND ${DUE} < now())::int AS overdue_now,
            coalesce((SELECT jsonb_object_agg(reason, n) FROM (
               SELECT denial_reason AS reason, count(*)::int AS n FROM r r2
                WHERE r2.type = r.type AND r2.jurisdiction = r.jurisdiction AND r2.status = 'denied' GROUP BY denial_reason) d), '{}'::jsonb) AS denied_by_reason
       FROM r GROUP BY type, jurisdiction ORDER BY type, jurisdiction`,
    [from, to],
  );
  const byRight = await db.query(
    `SELECT jurisdiction, ${RIGHT_OF_TYPE} AS right_,
            count(*)::int AS received,
            count(*) FILTER (WHERE status = 'completed')::int AS complied,
            count(*) FILTER (WHERE ${DENIED})::int AS denied,
            count(*) FILTER (WHERE status = 'expired_unverified'
                               OR (status = 'denied' AND denial_reason = 'identity_not_verified'))::int AS denied_unverifiable,
            count(*) FILTER (WHERE status <> ALL($3))::int AS pending,
            count(*) FILTER (WHERE status = ANY($3) AND NOT ${ANSWERED})::int AS failed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ${DAYS}) FILTER (WHERE ${ANSWERED}) AS median_days,
            avg(${DAYS}) FILTER (WHERE ${ANSWERED}) AS mean_days
       FROM requests WHERE received_at >= $1 AND received_at < $2 GROUP BY 1, 2`,
    [from, to, terminalStatuses],
  );
  // opt-outs recorded from mail (applied in the product) and opt_out requests the engine applied itself
  const optOut = await db.query(
    `WITH o AS (
       SELECT m.received_at, i.opt_out_applied_at AS applied_at, 'opt_out' AS status
         FROM inbox_intents i JOIN inbox_messages m ON m.id = i.inbox_id
        WHERE i.status = 'opt_out' AND m.received_at >= $1 AND m.received_at < $2
       UNION ALL
       SELECT received_at, CASE WHEN status = 'completed' THEN completed_at END, status
         FROM requests WHERE type = 'opt_out' AND jurisdiction = 'ccpa' AND received_at >= $1 AND received_at < $2)
     SELECT count(*)::int AS received,
            count(*) FILTER (WHERE applied_at IS NOT NULL)::int AS complied,
            count(*) FILTER (WHERE ${DENIED})::int AS denied,
            count(*) FILTER (WHERE status = 'expired_unverified')::int AS denied_unverifiable,
            count(*) FILTER (WHERE status = 'failed')::int AS failed,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (applied_at - received_at)) / 86400.0)
              FILTER (WHERE applied_at IS NOT NULL) AS median_days,
            avg(extract(epoch FROM (applied_at - received_at)) / 86400.0) FILTER (WHERE applied_at IS NOT NULL) AS mean_days
       FROM o`,
    [from, to],
  );
  const ccpa7102 = rightsBlock(CCPA_RIGHTS);
  const otherJurisdictions = { gdpr: rightsBlock(REQUEST_RIGHTS), policy: rightsBlock(REQUEST_RIGHTS) };
  const blockOf = (jurisdiction: string): Record<RequestRight, RightFigures> | undefined =>
    jurisdiction === 'ccpa' ? ccpa7102 : otherJurisdictions[jurisdiction as 'gdpr' | 'policy'];
  for (const r of byRight.rows) {
    const block = blockOf(r.jurisdiction);
    // opt-outs are counted below with those from mail; restriction and objection are no §7102 right
    if (!block || !(r.right_ in block) || r.right_ === 'optOut') continue;
    block[r.right_ as RequestRight] = {
      received: r.received,
      complied: r.complied,
      denied: r.denied,
      deniedUnverifiable: r.denied_unverifiable,
      pending: r.pending,
      failed: r.failed,
      medianDays: round(r.median_days),
      meanDays: round(r.mean_days),
    };
  }
  const o = optOut.rows[0];
  ccpa7102.optOut = {
    ...emptyRight(),
    received: o.received,
    complied: o.complied,
    denied: o.denied,
    deniedUnverifiable: o.denied_unverifiable,
    failed: o.failed,
    pending: o.received - o.complied - o.denied - o.failed,
    medianDays: round(o.median_days),
    meanDays: round(o.mean_days),
  };
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    rows: rows.map((r) => ({
      type: r.type,
      jurisdiction: r.jurisdiction,
      received: r.received,
      complied: r.complied,
      denied: r.denied,
      deniedByReason: r.denied_by_reason,
      expiredUnverified: r.expired_unverified,
      medianDays: round(r.median_days),
      meanDays: round(r.mean_days),
      onTimeShare: r.on_time_share === null ? null : Math.round(r.on_time_share * 10000) / 10000,
      extended: r.extended,
      overdueNow: r.overdue_now,
    })),
    ccpa7102,
    otherJurisdictions,
    notes: REPORT_NOTES,
  };
}

export interface WeekFigures {
  weekStart: string;
  type: string;
  received: number;
  completed: number;
  onTime: number;
}

/** Requests per week (this one and `weeks - 1` before it) and type. */
export async function weeklyStats(db: Queryable, weeks: number): Promise<WeekFigures[]> {
  const { rows } = await db.query(
    `SELECT to_char(date_trunc('week', received_at), 'YYYY-MM-DD') AS week_start, type,
            count(*)::int AS received,
            count(*) FILTER (WHERE status = 'completed')::int AS completed,
            count(*) FILTER (WHERE status = 'completed' AND completed_at <= ${DUE})::int AS on_time
       FROM requests WHERE received_at >= date_trunc('week', now()) - make_interval(weeks => $1 - 1)
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [weeks],
  );
  return rows.map((r) => ({ weekStart: r.week_start, type: r.type, received: r.received, completed: r.completed, onTime: r.on_time }));
}

/** How many requests there are of each type in each status. */
export async function countRequestsByTypeAndStatus(db: Queryable): Promise<{ type: string; status: string; count: number }[]> {
  const { rows } = await db.query<{ type: string; status: string; n: string }>(
    'SELECT type, status, count(*) AS n FROM requests GROUP BY type, status',
  );
  return rows.map((r) => ({ type: r.type, status: r.status, count: Number(r.n) }));
}

/** Open requests past their (extended) due date, by type; `finishedStatuses` are never open. */
export async function countOverdueByType(db: Queryable, finishedStatuses: readonly string[]): Promise<{ type: string; count: number }[]> {
  const { rows } = await db.query<{ type: string; n: string }>(
    `SELECT type, count(*) AS n FROM requests
      WHERE completed_at IS NULL AND status <> ALL($1) AND ${DUE} < now()
      GROUP BY type`,
    [finishedStatuses],
  );
  return rows.map((r) => ({ type: r.type, count: Number(r.n) }));
}
