// A deletion dry run: one read-only activity, run on the worker so the API never touches
// product stores.
import { proxyActivities } from '@temporalio/workflow';
import type { DsarActivities } from '../activities';
import type { PlanEntry } from '../schemas/workflow';

const steps = proxyActivities<DsarActivities>({ startToCloseTimeout: '5 minutes', retry: { maximumAttempts: 3 } });

export async function deletionPlan(planId: string): Promise<PlanEntry[]> {
  return steps.planDeletion(planId);
}
