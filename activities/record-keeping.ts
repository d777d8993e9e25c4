// Record keeping: finished requests and their audit are removed once older than
// RECORD_RETENTION_MONTHS (≥ 24). The chain stays verifiable: a checkpoint event records the
// hash of the last removed event, which the oldest remaining event points back to.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { Pool } from 'pg';
import type { SweepResult } from '../schemas/workflow';
import { appendAudit, deleteAuditEventsThrough, lastAuditEventOlderThan } from '../records/audit-events';
import { deleteRequestsFinishedBefore } from '../records/requests';
import { deleteVerificationAttemptsBefore } from '../records/verification-attempts';
import { writeAuditAnchor } from '../records/audit-anchors';
import { auditAnchorSecret } from '../lib/audit-anchor';
import type { ActivityDeps } from './deps';
import { eraseExpiredInboxMail } from './inbox-mail';

/** Requests removed per transaction. */
const EXPIRY_BATCH = 1000;

export async function expireRecords(deps: ActivityDeps, runId: string): Promise<SweepResult[]> {
  const months = deps.config.RECORD_RETENTION_MONTHS;
  const requests = await expireRequests(deps.engineDb, months);
  const audit = await expireAuditEvents(deps, months, runId);
  // Failed verification attempts count only while a code can be used (and an hour per address).
  const attemptHours = deps.config.VERIFICATION_TTL_HOURS + 1;
  const attempts = await deleteVerificationAttemptsBefore(deps.engineDb, attemptHours);
  const inboxMail = await eraseExpiredInboxMail(deps);
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
    {
      store: 'engine',
      collection: 'verification_attempts',
      rule: 'retention',
      olderThan: `PT${attemptHours}H`,
      deleted: attempts,
      heldSkipped: 0,
      statements: 0,
      longestStatementMs: 0,
    },
    {
      // the raw mail, sender and subject line are erased; the record of the mail stays
      store: 'engine',
      collection: 'inbox_messages',
      rule: 'retention',
      olderThan: `P${months}M`,
      deleted: inboxMail,
      heldSkipped: 0,
      statements: 0,
      longestStatementMs: 0,
    },
  ];
}

async function expireRequests(db: Pool, months: number): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await deleteRequestsFinishedBefore(db, months, EXPIRY_BATCH);
    total += n;
    if (n < EXPIRY_BATCH) return total;
  }
}

async function expireAuditEvents(deps: ActivityDeps, months: number, runId: string): Promise<number> {
  const db = deps.engineDb;
  // Everything up to the last event older than the limit goes (a prefix of the chain).
  const last = await lastAuditEventOlderThan(db, months);
  if (!last) return 0;
  const through = last.seq;
  // The checkpoint first, so the remaining chain can always be verified.
  await appendAudit(db, {
    eventKey: `audit.expired:${through}`,
    actor: 'schedule',
    action: AUDIT_ACTIONS.auditExpired,
    details: { throughSeq: through, hashThrough: last.hash, olderThanMonths: months, runId },
  });
  return deleteAuditEventsThrough(db, through);
}

/** Anchors the audit chain's head outside audit_events, signed (run daily by the retention sweep). */
export async function anchorAuditChain(deps: ActivityDeps): Promise<{ seq: number; at: string } | null> {
  const anchor = await writeAuditAnchor(deps.engineDb, auditAnchorSecret(deps.config));
  return anchor && { seq: anchor.seq, at: anchor.at };
}
