// Authorized agents (CCPA §7063): the agent is told that the subject is asked directly and, when the
// request closes, its outcome — never the data, which goes to the subject alone. The signed
// permission document is dropped once the request is closed.
import { auditHashSecret, keyedHash } from '../lib/keyed-hash';
import { appendAudit } from '../records/audit-events';
import { dropAgentPermission, findRequestAgent } from '../records/request-agents';
import { loadRequest } from '../records/requests';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { RequestType } from '../schemas/request';
import type { RequestStatus } from '../schemas/status';
import type { ActivityDeps } from './deps';
import { sendOnce } from './email';

const TYPE_WORD: Record<RequestType, string> = {
  access: 'access',
  export: 'data export',
  correction: 'correction',
  deletion: 'deletion',
  opt_out: 'opt-out of sale or sharing',
  limit: 'limit on the use of sensitive information',
  restriction: 'restriction of processing',
  objection: 'objection to processing',
};

const OUTCOME: Partial<Record<RequestStatus, string>> = {
  completed: 'has been answered. The answer, and any copy of the data, was sent to the consumer directly, not to you.',
  denied: 'was denied. The consumer was told why and how to seek a review.',
  expired_unverified: 'was closed because the consumer did not confirm it in time. No data was disclosed or changed.',
  failed: 'could not be completed. The consumer was told.',
};

/** The request was made by an agent: tell the agent that the consumer is asked to confirm directly. */
export async function sendAgentReceivedNotice(deps: ActivityDeps, requestId: string): Promise<void> {
  const agent = await findRequestAgent(deps.engineDb, requestId);
  if (!agent) return;
  const request = await loadRequest(deps.engineDb, requestId);
  await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:agent-received`,
    requestId,
    kind: 'agent_received',
    to: agent.email,
    subject: 'The privacy request you made for a consumer',
    text: [
      `Dear ${agent.name},`,
      '',
      `We received the ${TYPE_WORD[request.type]} request you made on behalf of a consumer (reference ${requestId}).`,
      'As the CCPA allows (Cal. Code Regs. tit. 11, §7063), we ask the consumer to confirm it with us directly,',
      agent.documentSha256
        ? 'and we hold the signed permission you provided.'
        : 'and we need the signed permission they gave you: upload it with the status token of the request (POST /v1/requests/<id>/agent-permission).',
      'We will tell you the outcome. Any data we provide goes to the consumer directly, never to an agent.',
    ].join('\n'),
  });
}

/**
 * The request closed: the agent is told the outcome (no data), the permission document dropped.
 * Idempotent: one mail per request, and a dropped document stays dropped.
 */
export async function closeAgentRequest(deps: ActivityDeps, requestId: string, status: RequestStatus): Promise<void> {
  const agent = await findRequestAgent(deps.engineDb, requestId);
  if (!agent) return;
  const outcome = OUTCOME[status];
  if (outcome) {
    const request = await loadRequest(deps.engineDb, requestId);
    await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
      key: `${requestId}:agent-outcome`,
      requestId,
      kind: 'agent_outcome',
      to: agent.email,
      subject: 'The outcome of the privacy request you made for a consumer',
      text: [
        `Dear ${agent.name},`,
        '',
        `The ${TYPE_WORD[request.type]} request you made on behalf of a consumer (reference ${requestId}) ${outcome}`,
      ].join('\n'),
    });
    await appendAudit(deps.engineDb, {
      eventKey: `${requestId}:agent.notified`,
      requestId,
      actor: 'worker',
      action: AUDIT_ACTIONS.agentNotified,
      details: { status, agentEmailHash: keyedHash(auditHashSecret(deps.config), agent.email), dataSentTo: 'subject' },
    });
  }
  if (agent.documentHeld) {
    // audited first: a retry after a failed drop finds the document still held and drops it
    await appendAudit(deps.engineDb, {
      eventKey: `${requestId}:agent.permission_dropped`,
      requestId,
      actor: 'worker',
      action: AUDIT_ACTIONS.agentPermissionDropped,
      details: { status },
    });
    await dropAgentPermission(deps.engineDb, requestId);
  }
}
