// The request workflow (DESIGN §6). Deterministic: no I/O, no clocks, no randomness here;
// every side effect is an activity.
import { condition, defineQuery, defineUpdate, proxyActivities, setHandler, type RetryPolicy } from '@temporalio/workflow';
import type { DsarActivities } from '../activities';
import type { CollectionProgress } from '../schemas/request';
import { QUERY_STATE, UPDATE_VERIFY, type CollectionExportResult, type DsarRequestInput, type DsarRequestState } from '../schemas/workflow';

const retry: RetryPolicy = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' };

const steps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 minutes', retry });
// Reads and packaging stream large data: long budget, but heartbeats reveal a dead worker fast.
const dataSteps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 hours', heartbeatTimeout: '10 seconds', retry });

export const stateQuery = defineQuery<DsarRequestState>(QUERY_STATE);
export const verifyUpdate = defineUpdate<{ status: DsarRequestState['status'] }>(UPDATE_VERIFY);

const CLOSED_TO_VERIFICATION = new Set(['expired_unverified', 'denied', 'failed']);

export async function dsarRequest(input: DsarRequestInput): Promise<DsarRequestState> {
  const { requestId } = input;
  const state: DsarRequestState = { requestId, type: input.type, status: 'received', progress: [] };
  let verified = input.preVerified === true;

  setHandler(stateQuery, () => state);
  setHandler(
    verifyUpdate,
    () => {
      verified = true;
      return { status: state.status };
    },
    {
      validator: () => {
        if (CLOSED_TO_VERIFICATION.has(state.status)) throw new Error(`request is ${state.status} and can no longer be verified`);
      },
    },
  );

  await steps.recordStep({ requestId, status: 'received', action: 'request.received', details: { type: input.type } });

  if (!verified) {
    state.status = 'awaiting_verification';
    await steps.sendVerification(requestId);
    await steps.recordStep({ requestId, status: state.status, action: 'verification.requested' });
    if (!(await condition(() => verified, input.verificationTimeout))) {
      state.status = 'expired_unverified';
      await steps.sendUnverifiedNotice(requestId);
      await steps.recordStep({ requestId, status: state.status, action: 'request.expired_unverified', completed: true });
      return state;
    }
  }

  state.status = 'in_progress';
  await steps.recordStep({ requestId, status: state.status, action: 'request.verified', verified: true, details: { preVerified: input.preVerified === true } });

  const collections = await steps.resolveSubject(requestId);
  state.progress = collections.map((c): CollectionProgress => ({ ...c, state: 'pending' }));
  const results = await Promise.all(state.progress.map((p) => exportOne(requestId, p)));

  const pkg = await dataSteps.packageExport(requestId, results);
  state.exportId = pkg.exportId;
  await steps.sendExportLink(requestId);

  state.status = 'completed';
  await steps.recordStep({
    requestId,
    status: state.status,
    action: 'request.completed',
    completed: true,
    progress: state.progress,
    details: { collections: pkg.collections, rows: pkg.rows, archiveSha256: pkg.sha256 },
  });
  return state;
}

async function exportOne(requestId: string, p: CollectionProgress): Promise<CollectionExportResult> {
  p.state = 'running';
  const result = await dataSteps.exportCollection(requestId, p.store, p.collection);
  p.state = 'done';
  p.rows = result.rows;
  return result;
}
