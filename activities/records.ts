// Record keeping: finished requests and their audit are removed once older than
// RECORD_RETENTION_MONTHS (≥ 24). The chain stays verifiable: a checkpoint event records the
// hash of the last removed event, which the oldest remaining event points back to.
import type { Pool, PoolClient } from 'pg';
import type { SweepResult } from '../schemas/workflow';
import { appendAudit } from './audit';
import type { ActivityDeps } from './deps';

/** Tables that hold a request's records, children first. */
const REQUEST_CHILDREN = [
  'subject_identities',
  'subject_identity_values',
  'verification_tokens',
  'idempotency_keys',
  'emails_sent',
  'request_corrections',
  'manual_tasks',
  'exports',
];

export async function expireRecords(deps: ActivityDeps, runId: string): Promise<SweepResult[]> {
  const months = deps.config.RECORD_RETENTION_MONTHS;
  const requests = await expireRequests(deps.engineDb, months);
  const audit = await expireAuditEvents(deps, months, runId);
  return [
    {
      store: 'engine',
      collection: 'requests',
      rule: 'retention',
      olderThan: `P${months}M`,
      deleted: requests,
      heldSkipped: 0,
      statements: 0,
      longestStatementMs: 0,
    },
    {
      store: 'engine',
      collection: 'audit_events',
      rule: 'retention',
      olderThan: `P${months}M`,
      deleted: audit,
      heldSkipped: 0,
      statements: 0,
      longestStatementMs: 0,
    },
  ];
}

async function inTransaction<T>(db: Pool, run: (c: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const r = await run(client);
    await client.query('COMMIT');
    return r;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function expireRequests(db: Pool, months: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await inTransaction(db, async (c) => {
      const { rows } = await c.query<{ id: string }>(
        `SELECT id FROM requests WHERE completed_at < now() - make_interval(months => $1) ORDER BY completed_at LIMIT 1000 FOR UPDATE SKIP LOCKED`,
        [months],
      );
      if (!rows.length) return 0;
      const ids = rows.map((r) => r.id);
      for (const t of REQUEST_CHILDREN) await c.query(`DELETE FROM ${t} WHERE request_id = ANY($1)`, [ids]);
      await c.query('UPDATE inbox_messages SET request_id = NULL WHERE request_id = ANY($1)', [ids]);
      await c.query('DELETE FROM requests WHERE id = ANY($1)', [ids]);
      return ids.length;
    });
    total += n;
    if (n < 1000) return total;
  }
}

async function expireAuditEvents(deps: ActivityDeps, months: number, runId: string): Promise<number> {
  const db = deps.engineDb;
  // Everything up to the last event older than the limit goes (a prefix of the chain).
  const {
    rows: [last],
  } = await db.query<{ seq: string; hash: string }>(
    `SELECT seq, hash FROM audit_events WHERE at < now() - make_interval(months => $1) ORDER BY seq DESC LIMIT 1`,
    [months],
  );
  if (!last) return 0;
  const through = Number(last.seq);
  // The checkpoint first, so the remaining chain can always be verified.
  await appendAudit(db, {
    eventKey: `audit.expired:${through}`,
    actor: 'schedule',
    action: 'audit.expired',
    details: { throughSeq: through, hashThrough: last.hash, olderThanMonths: months, runId },
  });
  return inTransaction(db, async (c) => {
    await c.query("SELECT set_config('dsar.audit_expiry', 'on', true)");
    const r = await c.query('DELETE FROM audit_events WHERE seq <= $1', [through]);
    return r.rowCount ?? 0;
  });
}
