// Work slots (ACTIVE_REQUESTS_MAX): a request doing data work holds one; the rest wait in order
// of receipt. Both calls are idempotent: queueing twice keeps the first place, releasing twice
// frees one slot.
import { queueForAdmission, releaseSlot } from '../records/work-admissions';
import type { ActivityDeps } from './deps';

export async function admitRequest(deps: ActivityDeps, requestId: string): Promise<{ admitted: boolean; wake: string[] }> {
  const r = await queueForAdmission(deps.engineDb, requestId, deps.config.ACTIVE_REQUESTS_MAX);
  return { admitted: r.admitted, wake: r.others };
}

/** The requests admitted in its place, to be woken by the workflow. */
export function releaseAdmission(deps: ActivityDeps, requestId: string): Promise<string[]> {
  return releaseSlot(deps.engineDb, requestId, deps.config.ACTIVE_REQUESTS_MAX);
}
