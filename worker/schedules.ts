// The retention sweep's Temporal Schedule, created idempotently (worker start, `dsar schedules apply`).
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { SWEEP_WORKFLOW } from '../schemas/workflow';

export const RETENTION_SCHEDULE_ID = 'dsar-retention-sweep';
/** Daily at 03:17 UTC: off the hour, when product traffic is usually lowest. */
export const RETENTION_CRON = '17 3 * * *';

export async function ensureRetentionSchedule(client: Client, taskQueue: string, cron = RETENTION_CRON): Promise<'created' | 'updated'> {
  const options = {
    scheduleId: RETENTION_SCHEDULE_ID,
    spec: { cronExpressions: [cron] },
    action: { type: 'startWorkflow' as const, workflowType: SWEEP_WORKFLOW, taskQueue, args: [] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  };
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule
      .getHandle(RETENTION_SCHEDULE_ID)
      .update((prev) => ({ ...prev, spec: options.spec, action: options.action, policies: options.policies }));
    return 'updated';
  }
}
