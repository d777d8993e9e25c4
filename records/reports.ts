// Compliance figures and gauges, computed by SQL in the engine database (never by looping over
// rows).
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

export interface RightFigures {
  received: number;
  complied: number;
  denied: number;
  medianDays: number | null;
  meanDays: number | null;
}

export interface ComplianceReport {
  from: string;
  to: string;
  rows: ComplianceRow[];
  /** CCPA §7102(a): per right — received, complied with in whole or in part, denied, median days. */
  ccpa7102: Record<'know' | 'delete' | 'correct' | 'optOut', RightFigures>;
}

const DAYS = `extract(epoch FROM (completed_at - received_at)) / 86400.0`;
const DUE = 'coalesce(extended_due_at, due_at)';

const round = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 100) / 100);

/** Requests received from ≤ received_at < to, per type and jurisdiction and per CCPA right. */
export async function complianceReport(db: Queryable, from: Date, to: Date): Promise<ComplianceReport> {
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
    `SELECT CASE type WHEN 'deletion' THEN 'delete' WHEN 'correction' THEN 'correct' ELSE 'know' END AS right_,
            count(*)::int AS received,
            count(*) FILTER (WHERE status = 'completed')::int AS complied,
            count(*) FILTER (WHERE status = 'denied')::int AS denied,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY ${DAYS}) FILTER (WHERE status = 'completed') AS median_days,
            avg(${DAYS}) FILTER (WHERE status = 'completed') AS mean_days
       FROM requests WHERE received_at >= $1 AND received_at < $2 GROUP BY 1`,
    [from, to],
  );
  const optOut = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM inbox_intents i JOIN inbox_messages m ON m.id = i.inbox_id
      WHERE i.status = 'opt_out' AND m.received_at >= $1 AND m.received_at < $2`,
    [from, to],
  );
  const empty = { received: 0, complied: 0, denied: 0, medianDays: null, meanDays: null };
  const ccpa7102: ComplianceReport['ccpa7102'] = {
    know: { ...empty },
    delete: { ...empty },
    correct: { ...empty },
    optOut: { ...empty, received: optOut.rows[0].n, complied: optOut.rows[0].n },
  };
  for (const r of byRight.rows) {
    ccpa7102[r.right_ as 'know' | 'delete' | 'correct'] = {
      received: r.received,
      complied: r.complied,
      denied: r.denied,
      medianDays: round(r.median_days),
      meanDays: round(r.mean_days),
    };
  }
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
