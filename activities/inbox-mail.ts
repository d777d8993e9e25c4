// Raw privacy@ mail is personal data like any other: erased with the subject's deletion, and for
// every mail once the record-keeping period (RECORD_RETENTION_MONTHS) has passed. What record
// keeping needs stays (Message-ID, arrival, classification, request, a keyed hash of the sender).
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { auditHashSecret, keyedHash } from '../lib/keyed-hash';
import { appendAudit } from '../records/audit-events';
import { eraseInboxMail, unerasedMailOfSubject, unerasedMailOlderThan, type InboxErasureReason } from '../records/inbox-messages';
import { activeHoldForRequest, activeHoldSubjects } from '../records/legal-holds';
import { loadRequest } from '../records/requests';
import type { ActivityDeps } from './deps';

/** Mails erased per statement by the sweep. */
const SWEEP_BATCH = 1000;

async function erase(deps: ActivityDeps, mails: { id: string; sender: string | null }[], because: InboxErasureReason): Promise<number> {
  const secret = auditHashSecret(deps.config);
  const hashed = mails.map((m) => ({ id: m.id, senderHash: m.sender ? keyedHash(secret, m.sender.toLowerCase()) : null }));
  return eraseInboxMail(deps.engineDb, hashed, because);
}

/** At a deletion: the subject's mail to privacy@ loses its body, sender and subject line. Safe to run again. */
export async function eraseSubjectInboxMail(deps: ActivityDeps, requestId: string): Promise<{ erased: number }> {
  const request = await loadRequest(deps.engineDb, requestId);
  // a legal hold keeps the mail as it keeps the rest (it may be the evidence)
  const held = !!(await activeHoldForRequest(deps.engineDb, requestId));
  const erased = held ? 0 : await erase(deps, await unerasedMailOfSubject(deps.engineDb, request.subjectEmail), 'subject_deletion');
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:inbox.erased`,
    requestId,
    actor: 'worker',
    action: AUDIT_ACTIONS.inboxErased,
    details: { reason: 'subject_deletion', messages: erased, ...(held ? { heldBack: true } : {}) },
  });
  return { erased };
}

/** The daily sweep: mail older than the record-keeping period loses its body, sender and subject line. */
export async function eraseExpiredInboxMail(deps: ActivityDeps): Promise<number> {
  const months = deps.config.RECORD_RETENTION_MONTHS;
  const held = [...new Set((await activeHoldSubjects(deps.engineDb)).map((h) => h.subjectEmail))];
  let total = 0;
  for (;;) {
    const batch = await unerasedMailOlderThan(deps.engineDb, months, SWEEP_BATCH, held);
    total += await erase(deps, batch, 'record_keeping');
    if (batch.length < SWEEP_BATCH) return total;
  }
}
