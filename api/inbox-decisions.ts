// The privacy team's decisions on what a mail to privacy@ asks for: an intent in triage (or an
// opt-out record from before opt-outs acted) becomes a request dated from the mail's arrival — an
// opt-out an `opt_out` request the engine applies; a mail may get an intent the classifier missed.
// A request already made is not reclassified: it is denied.
import { randomUUID } from 'node:crypto';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { IntentClassification, InboxStatus } from '../schemas/inbox';
import { appendAudit } from '../records/audit-events';
import { decideIntent, findIntent, insertIntent, refreshMailStatus, type InboxIntentWithMail } from '../records/inbox-intents';
import type { ApiDeps } from './deps';
import { conflict } from './errors';
import { inboxIntake } from './inbox';
import { createRequest } from './intake';
import { startWorkflowAtIntake } from './workflows';

type WarnLog = Parameters<typeof startWorkflowAtIntake>[2];

export interface IntentDecision {
  intentId: string;
  /** The mail's status once its intents are decided. */
  mailStatus: InboxStatus;
  requestId: string | null;
}

/** Classifies one intent as `type`; 409 when it is already a request or was decided meanwhile. */
export async function classifyIntent(
  deps: ApiDeps,
  intent: InboxIntentWithMail,
  type: IntentClassification,
  admin: string,
  log?: WarnLog,
): Promise<IntentDecision> {
  if (intent.status === 'request')
    throw conflict(`this intent is already request ${intent.requestId}: deny that request and add the right intent to the mail`);
  if (intent.status === 'rejected') throw conflict('this intent was rejected');
  if (!intent.sender) throw conflict('the message has no usable sender address');
  // the deadline runs from the mail's arrival, not from this classification
  const { request } = await createRequest(
    deps,
    inboxIntake(type, intent.sender),
    'inbox',
    `inbox-intent:${intent.id}:${type}`,
    false,
    intent.receivedAt,
  );
  const requestId = request.id;
  if (!(await decideIntent(deps.engineDb, intent.id, intent.status, { kind: type, status: 'request', requestId, decidedBy: admin })))
    throw conflict('the intent was decided by someone else meanwhile');
  await startWorkflowAtIntake(deps, request, log);
  const mailStatus = await refreshMailStatus(deps.engineDb, intent.inboxId, admin);
  await appendAudit(deps.engineDb, {
    eventKey: `inbox:${intent.inboxId}:intent:${intent.id}:${type}`,
    requestId,
    actor: `admin:${admin}`,
    action: AUDIT_ACTIONS.inboxClassified,
    details: { inboxId: intent.inboxId, intentId: intent.id, from: { type: intent.kind, status: intent.status }, type },
  });
  return { intentId: intent.id, mailStatus, requestId };
}

/** Adds an intent the classifier missed to a mail, in triage, and classifies it at once. */
export async function addIntent(
  deps: ApiDeps,
  inboxId: string,
  type: IntentClassification,
  admin: string,
  log?: WarnLog,
): Promise<IntentDecision> {
  const id = randomUUID();
  await insertIntent(deps.engineDb, { id, inboxId, kind: null, status: 'triage', matched: [], requestId: null });
  await appendAudit(deps.engineDb, {
    eventKey: `inbox:${inboxId}:intent:${id}:added`,
    actor: `admin:${admin}`,
    action: AUDIT_ACTIONS.inboxIntentAdded,
    details: { inboxId, intentId: id, type },
  });
  const intent = await findIntent(deps.engineDb, id);
  return classifyIntent(deps, intent!, type, admin, log);
}
