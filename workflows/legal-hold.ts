// Started when a legal hold is placed: resolves the held subject through the data map and stores
// what it found with the hold (one activity; the API waits for it a few seconds at most).
import { proxyActivities } from '@temporalio/workflow';
import type { DsarActivities } from '../activities';

const steps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 minutes', retry: { maximumInterval: '5 minutes' } });

export async function legalHoldIdentities(holdId: string): Promise<{ identities: number }> {
  return steps.resolveHoldIdentities(holdId);
}
