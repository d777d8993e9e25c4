// The rights that change processing — opt-out of sale/sharing (CCPA §7026), limit (§7027),
// restriction (GDPR Art. 18) and objection (Art. 21): which stores each touches, applying the
// change there with its proof, the subject's notice, and the lifting of a restriction.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { addressKey, isCollection, type Target } from '../schemas/datamap-graph';
import { CHANGE_OF, DIRECT_MARKETING, type ProcessingChange, type ProcessingOutcome, type ProcessingType } from '../schemas/processing';
import type { RequestWork } from '../schemas/workflow';
import { appendAudit } from '../records/audit-events';
import { loadObjectionPurpose, markRestrictionLifted } from '../records/processing-rights';
import { loadRequest } from '../records/requests';
import type { ActivityDeps } from './deps';
import { sendOnce } from './email';
import { placeName } from './notice-facts';
import { operationOf } from './stores/registry';
import { persistedSubject } from './subject';
import { processingDoneMail, restrictionLiftMail } from './templates';

/** The change a request asks of every store it touches (an objection carries its purpose). */
export async function changeFor(deps: ActivityDeps, requestId: string, type: ProcessingType): Promise<ProcessingChange> {
  if (type !== 'objection') return { kind: CHANGE_OF[type] };
  const purpose = await loadObjectionPurpose(deps.engineDb, requestId);
  if (!purpose) throw new Error(`objection ${requestId} names no purpose`);
  return { kind: 'object', purpose };
}

/**
 * The stores a processing request acts on. An objection touches the collections its purpose's
 * `stop` entries name (and manual stores kept for objections); the others, what `targetsFor` says.
 */
export async function processingWork(deps: ActivityDeps, requestId: string, type: ProcessingType): Promise<RequestWork> {
  const { targets, notIncluded } = deps.dataMap.targetsFor(type);
  let chosen: Target[] = targets;
  if (type === 'objection') {
    const purpose = (await changeFor(deps, requestId, type)).purpose!;
    const stops = new Set((deps.dataMap.source.purposes[purpose]?.stop ?? []).map((s) => addressKey(s)));
    chosen = targets.filter((t) => (isCollection(deps.dataMap.node(t)) ? stops.has(addressKey(t)) : t.kind === 'manual'));
  }
  return { levels: chosen.length ? [chosen] : [], notIncluded: notIncluded.map((n) => ({ ...n.target, reason: n.reason })) };
}

/** Applies the change to one store and proves it by re-query (`remaining` 0); audited without values. */
export async function applyProcessing(
  deps: ActivityDeps,
  requestId: string,
  target: Target,
  change: ProcessingChange,
): Promise<ProcessingOutcome> {
  const node = deps.dataMap.node(target);
  const outcome = await operationOf(node, 'process')(
    { deps, node, subject: persistedSubject(deps.engineDb, requestId), requestId },
    change,
  );
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:${change.kind}:${addressKey(target)}:${outcome.remaining}`,
    requestId,
    actor: 'worker',
    action: target.kind === 'http' ? AUDIT_ACTIONS.processorNotified : AUDIT_ACTIONS.processingChanged,
    store: target.store,
    collection: target.collection,
    details: { change: change.kind, purpose: change.purpose, rows: outcome.rows, remaining: outcome.remaining, columns: outcome.columns },
  });
  return outcome;
}

export async function sendProcessingNotice(deps: ActivityDeps, requestId: string, outcomes: ProcessingOutcome[]): Promise<void> {
  const request = await loadRequest(deps.engineDb, requestId);
  const type = request.type as ProcessingType;
  const purpose = type === 'objection' ? (await changeFor(deps, requestId, type)).purpose : undefined;
  const acted = outcomes.filter((o) => o.kind !== 'http' && (o.rows > 0 || o.kind === 'manual'));
  const told = outcomes.filter((o) => o.kind === 'http' && o.rows > 0);
  await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:processing-done`,
    requestId,
    kind: `${type}_done`,
    to: request.subjectEmail,
    ...processingDoneMail({
      requestId,
      type,
      purpose,
      places: [...new Set(acted.map((o) => placeName(deps, o)))],
      processorsTold: [...new Set(told.map((o) => placeName(deps, o)))],
    }),
  });
}

/** GDPR Art. 18(3): the subject is told before the restriction is lifted (the workflow lifts it after this). */
export async function sendRestrictionLiftNotice(deps: ActivityDeps, requestId: string, reason: string, by: string): Promise<void> {
  const request = await loadRequest(deps.engineDb, requestId);
  await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:restriction-lift`,
    requestId,
    kind: 'restriction_lift',
    to: request.subjectEmail,
    ...restrictionLiftMail({ requestId, reason }),
  });
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:restriction.lift_notified`,
    requestId,
    actor: `admin:${by}`,
    action: AUDIT_ACTIONS.restrictionLiftNotified,
    details: {},
  });
}

export async function recordRestrictionLifted(deps: ActivityDeps, requestId: string, by: string, targets: number): Promise<void> {
  await markRestrictionLifted(deps.engineDb, requestId);
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:restriction.lifted`,
    requestId,
    actor: `admin:${by}`,
    action: AUDIT_ACTIONS.restrictionLifted,
    details: { targets },
  });
}

export { DIRECT_MARKETING };
