// Jurisdiction and receipt, as the engine decides them: laws learned from the subject's records
// (the data map's `jurisdictionFrom`), recorded when they tighten the deadline, and the CCPA
// §7021 acknowledgement of receipt.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { lawForResidence, lawsOf, type Jurisdiction, type Law } from '../schemas/deadline';
import { appendAudit } from '../records/audit-events';
import { loadRequest, recordJurisdictions } from '../records/requests';
import type { ActivityDeps } from './deps';
import { sendOnce } from './email';
import { withPlace } from './failures';
import { operationOf } from './stores/registry';
import { NO_SUBJECT } from './stores/resolve';
import type { CollectionSelector } from './stores/selector';
import { acknowledgementMail } from './templates';

/** The laws the subject's residence column brings (none when the map names no such column, or the subject has no row). */
export async function lawsFromDataMap(deps: ActivityDeps, selectors: CollectionSelector[]): Promise<Law[]> {
  const from = deps.dataMap.source.jurisdictionFrom;
  if (!from) return [];
  const at = (e: { store: string; collection: string }) => e.store === from.store && e.collection === from.collection;
  const selector = selectors.find(at);
  const entry = deps.dataMap.resolutionOrder.flat().find(at);
  if (!selector || !entry) return [];
  const values = await operationOf(entry, 'resolve')({ deps, node: entry, subject: NO_SUBJECT }, selector.predicates, [from.column]).catch(
    (err: unknown) => Promise.reject(withPlace(err, entry)),
  );
  return lawsOf((values[from.column] ?? []).map(lawForResidence).filter((l): l is Law => l !== null));
}

export interface JurisdictionDecision {
  jurisdictions: Jurisdiction[];
  jurisdiction: Jurisdiction;
  dueAt: string;
}

/** The laws found after resolution, and the due date they brought forward; audited (labels and dates only). */
export async function recordJurisdiction(deps: ActivityDeps, requestId: string, d: JurisdictionDecision): Promise<void> {
  await recordJurisdictions(deps.engineDb, requestId, d);
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:${AUDIT_ACTIONS.jurisdictionDecided}:${d.jurisdictions.join('+')}`,
    requestId,
    actor: 'workflow',
    action: AUDIT_ACTIONS.jurisdictionDecided,
    details: { jurisdictions: d.jurisdictions, jurisdiction: d.jurisdiction, dueAt: d.dueAt, source: 'datamap' },
  });
}

/** CCPA §7021: confirms receipt, says how the request will be processed and when to expect the answer. Once. */
export async function sendAcknowledgement(deps: ActivityDeps, requestId: string, dueAt: string): Promise<void> {
  const r = await loadRequest(deps.engineDb, requestId);
  const { sent } = await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:acknowledgement`,
    requestId,
    kind: 'acknowledgement',
    to: r.subjectEmail,
    ...acknowledgementMail({ requestId, type: r.type, receivedAt: r.receivedAt, dueAt: new Date(dueAt) }),
  });
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:${AUDIT_ACTIONS.requestAcknowledged}`,
    requestId,
    actor: 'workflow',
    action: AUDIT_ACTIONS.requestAcknowledged,
    details: { basis: 'CCPA 11 CCR §7021', receivedAt: r.receivedAt.toISOString(), dueAt, newlySent: sent },
  });
}
