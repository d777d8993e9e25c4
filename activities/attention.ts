// A request that needs attention: its projection and audit say where and why, the privacy team
// is mailed (the same path as the deadline escalation), and an admin's retry is recorded.
// Each is keyed by the episode (the how-many-th time this request stopped), so a retried
// activity writes and mails once.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { RequestStatus } from '../schemas/status';
import type { Attention } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { loadRequest, markNeedsAttention, updateProjection } from '../records/requests';
import type { ActivityDeps } from './deps';
import { sendOnce } from './email';
import { needsAttentionMail } from './templates';

export async function recordNeedsAttention(deps: ActivityDeps, requestId: string, episode: number, attention: Attention): Promise<void> {
  await markNeedsAttention(deps.engineDb, requestId, attention);
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:request.needs_attention:${episode}`,
    requestId,
    actor: 'workflow',
    action: AUDIT_ACTIONS.requestNeedsAttention,
    store: attention.store,
    collection: attention.collection,
    details: { status: 'needs_attention', errorClass: attention.errorClass, reason: attention.reason, since: attention.since },
  });
}

/** Mails the privacy team: which request, which store and collection, and why (no personal data). */
export async function alertNeedsAttention(deps: ActivityDeps, requestId: string, episode: number, attention: Attention): Promise<void> {
  const r = await loadRequest(deps.engineDb, requestId);
  await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:needs-attention:${episode}`,
    requestId,
    kind: 'needs_attention',
    to: deps.config.PRIVACY_TEAM_EMAIL,
    ...needsAttentionMail({ requestId, type: r.type, dueAt: r.dueAt, attention }),
  });
}

export async function recordRetry(
  deps: ActivityDeps,
  requestId: string,
  episode: number,
  by: string,
  status: RequestStatus,
): Promise<void> {
  await updateProjection(deps.engineDb, requestId, { status });
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:request.retried:${episode}`,
    requestId,
    actor: `admin:${by}`,
    action: AUDIT_ACTIONS.requestRetried,
    details: { status },
  });
}
