// The request workflow's Temporal contract: its name, query and updates, defined once. The
// workflow sets handlers for these; the API calls them through the same definitions
// (`handle.executeUpdate(extendUpdate, { args: [ext] })`), so names and types cannot drift.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RequestStatus } from './status';
import type { Denial, DsarRequestState, Extension, ManualTaskCompletion, Retry } from './workflow';

export const DSAR_WORKFLOW = 'dsarRequest';

export const stateQuery = defineQuery<DsarRequestState>('state');
export const verifyUpdate = defineUpdate<{ status: RequestStatus }>('verify');
export const extendUpdate = defineUpdate<{ dueAt: string }, [Extension]>('extend');
export const denyUpdate = defineUpdate<{ status: RequestStatus }, [Denial]>('deny');
export const completeManualTaskUpdate = defineUpdate<{ store: string; completed: boolean }, [ManualTaskCompletion]>('completeManualTask');
/** Re-runs the data step that stopped the request in `needs_attention` (refused in any other status). */
export const retryUpdate = defineUpdate<{ status: RequestStatus }, [Retry]>('retry');
/**
 * An objection to a purpose other than direct marketing waits for the privacy team: accepted, the
 * processing stops; refused, only by a denial for `compelling_legitimate_grounds` (GDPR Art. 21(1)).
 */
export const acceptObjectionUpdate = defineUpdate<{ status: RequestStatus }, [{ by: string }]>('acceptObjection');
/** A legal hold on the subject was released: a request waiting `on_hold` checks its holds again and resumes if none is left. */
export const holdReleasedSignal = defineSignal<[{ holdId: string }]>('holdReleased');

/** Resolves a newly placed legal hold's subject through the data map and stores the identities it holds. */
export const HOLD_IDENTITIES_WORKFLOW = 'legalHoldIdentities';
/** A request waiting for a work slot (ACTIVE_REQUESTS_MAX) was admitted by the request that freed it. */
export const admittedSignal = defineSignal('admitted');
