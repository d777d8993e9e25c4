// The daily retention sweep, started by a Temporal Schedule. Collections are swept one after
// another so the product database never sees more than one batch delete at a time.
import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { DsarActivities } from '../activities';
import type { SweepResult } from '../schemas/workflow';

const steps = proxyActivities<DsarActivities>({ startToCloseTimeout: '2 minutes', retry: { maximumInterval: '5 minutes' } });
const sweeps = proxyActivities<DsarActivities>({
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '30 seconds',
  retry: { maximumInterval: '5 minutes' },
});

export async function retentionSweep(): Promise<SweepResult[]> {
  const results: SweepResult[] = [];
  for (const t of await steps.sweepTargets()) results.push(...(await sweeps.sweepCollection(t.store, t.collection)));
  results.push(await steps.sweepExports());
  const runId = `${workflowInfo().workflowId}:${workflowInfo().runId}`;
  results.push(...(await steps.expireRecords(runId)));
  await steps.recordSweep(runId, results);
  // The daily anchor of the audit chain's head (after the sweep's own event). Patched so sweeps
  // started before this step existed replay as they ran.
  if (patched('audit-anchor')) await steps.anchorAuditChain();
  return results;
}
