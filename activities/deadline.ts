// The deadline clock's side effects: reminders and escalations to the privacy team,
// extension and denial notices to the subject. One email per key, ever.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { Denial, Extension } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { loadRequest, markOverdue, recordDenialReason, recordExtension } from '../records/requests';
import type { ActivityDeps } from './deps';
import { sendOnce } from './email';
import { denialMail, extensionMail, overdueMail, reminderMail } from './templates';
import { noticeLawOf } from './notice-facts';
import { auditHashSecret, keyedHash } from '../lib/keyed-hash';

export async function sendDeadlineReminder(deps: ActivityDeps, requestId: string, dueAt: string): Promise<void> {
  const r = await loadRequest(deps.engineDb, requestId);
  await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:reminder:${dueAt}`,
    requestId,
    kind: 'deadline_reminder',
    to: deps.config.PRIVACY_TEAM_EMAIL,
    ...reminderMail({ requestId, type: r.type, dueAt: new Date(dueAt), status: r.status }),
  });
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:deadline.reminder:${dueAt}`,
    requestId,
    actor: 'workflow',
    action: AUDIT_ACTIONS.deadlineReminder,
    details: { dueAt },
  });
}

export async function escalateOverdue(deps: ActivityDeps, requestId: string, dueAt: string): Promise<void> {
  const r = await loadRequest(deps.engineDb, requestId);
  await markOverdue(deps.engineDb, requestId);
  await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:overdue:${dueAt}`,
    requestId,
    kind: 'deadline_overdue',
    to: deps.config.PRIVACY_TEAM_EMAIL,
    ...overdueMail({ requestId, type: r.type, dueAt: new Date(dueAt), status: r.status }),
  });
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:deadline.overdue:${dueAt}`,
    requestId,
    actor: 'workflow',
    action: AUDIT_ACTIONS.deadlineOverdue,
    details: { dueAt },
  });
}

export async function applyExtension(deps: ActivityDeps, requestId: string, ext: Extension): Promise<void> {
  const r = await loadRequest(deps.engineDb, requestId);
  await recordExtension(deps.engineDb, requestId, ext.newDueAt, ext.reason);
  await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:extension:${ext.newDueAt}`,
    requestId,
    kind: 'extension',
    to: r.subjectEmail,
    ...extensionMail({ requestId, newDueAt: new Date(ext.newDueAt), reason: ext.reason, ...(await noticeLawOf(deps, requestId)) }),
  });
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:request.extended:${ext.newDueAt}`,
    requestId,
    actor: `admin:${ext.by}`,
    action: AUDIT_ACTIONS.requestExtended,
    details: { newDueAt: ext.newDueAt, reasonHash: keyedHash(auditHashSecret(deps.config), ext.reason), noticeSent: true },
  });
}

export async function sendDenialNotice(deps: ActivityDeps, requestId: string, denial: Denial): Promise<void> {
  const r = await loadRequest(deps.engineDb, requestId);
  await recordDenialReason(deps.engineDb, requestId, denial.reason);
  await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:denial`,
    requestId,
    kind: 'denial',
    to: r.subjectEmail,
    ...denialMail({ requestId, reason: denial.reason, details: denial.details, ...(await noticeLawOf(deps, requestId)) }),
  });
}
