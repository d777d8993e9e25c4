// The request workflow's activity proxies and the small steps every request type shares.
import { proxyActivities, proxyLocalActivities, type RetryPolicy } from '@temporalio/workflow';
import type { DsarActivities } from '../activities';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import type { Target } from '../schemas/datamap-graph';
import type { CollectionProgress } from '../schemas/request';
import type { DsarRequestState, RequestWork } from '../schemas/workflow';

const retry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' };

// Engine-database writes (projection, audit, manual tasks): short, so a dead worker is noticed in seconds.
export const steps = proxyActivities<DsarActivities>({ startToCloseTimeout: '30 seconds', retry });
// The same short engine-database writes as local activities: they run inside the workflow task
// that asks for them, so consecutive ones cost one round trip (used by the lean step code).
export const localSteps = proxyLocalActivities<DsarActivities>({ startToCloseTimeout: '30 seconds', retry });
/**
 * Requests started from here on run the lean step code: engine writes as local activities, one
 * data step per store, the last work together with the writes that close it, and a work slot
 * (ACTIVE_REQUESTS_MAX). Requests started before replay the steps they were started with.
 */
export const LEAN_STEPS_PATCH = 'lean-steps-1';
export type RecordSteps = Pick<DsarActivities, 'recordStep' | 'holdOnRequest' | 'openManualTask' | 'recordManualTaskDone'>;
// Mail goes through the outbox and heartbeats while the SMTP server is talked to; the transport's own
// timeouts (SMTP_*_TIMEOUT_MS) fail a hung server within the budget.
export const mailSteps = proxyActivities<DsarActivities>({ startToCloseTimeout: '30 seconds', heartbeatTimeout: '5 seconds', retry });
// Resolving the subject asks every store and processor: the longer budget it always had.
export const lookupSteps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 minutes', retry });
// Reads, erasure and packaging move large data: long budget, but heartbeats reveal a dead worker fast.
export const dataSteps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '10 seconds', retry });

export const pending = (t: Target): CollectionProgress => ({ store: t.store, collection: t.collection, state: 'pending' });
export const notIncludedProgress = (work: RequestWork): CollectionProgress[] =>
  work.notIncluded.map((n) => ({ store: n.store, collection: n.collection, state: 'not_included', note: n.reason }));

/** The request is answered: status, projection and the audit event that closes it. */
export async function complete(state: DsarRequestState, details: Record<string, unknown>, record: RecordSteps = steps): Promise<void> {
  state.status = 'completed';
  await record.recordStep({
    requestId: state.requestId,
    status: state.status,
    action: AUDIT_ACTIONS.requestCompleted,
    completed: true,
    progress: state.progress,
    details: { ...details, overdue: state.overdue },
  });
}
