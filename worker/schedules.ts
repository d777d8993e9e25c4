// The retention sweep's Temporal Schedules, created idempotently (worker start, `dsar schedules apply`).
// One schedule per task queue: a worker only ever creates or updates the schedule of its own
// queue, so a worker started on another queue (a test, a staging worker sharing the namespace)
// never re-points the deployment's daily sweep.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { SWEEP_WORKFLOW } from '../schemas/workflow';

export const RETENTION_SCHEDULE_PREFIX = 'dsar-retention-sweep';
/** Daily at 03:17 UTC: off the hour, when product traffic is usually lowest. */
export const RETENTION_CRON = '17 3 * * *';

/** The id of the retention schedule that starts sweeps on `taskQueue`. */
export function retentionScheduleId(taskQueue: string): string {
  return `${RETENTION_SCHEDULE_PREFIX}:${taskQueue}`;
}

/**
 * Creates the schedule of `taskQueue`, or, when it exists, sets its spec, action and policies
 * again (the cron may have changed between releases). Only this queue's schedule is touched.
 */
export async function ensureRetentionSchedule(client: Client, taskQueue: string, cron = RETENTION_CRON): Promise<'created' | 'updated'> {
  const scheduleId = retentionScheduleId(taskQueue);
  const options = {
    scheduleId,
    spec: { cronExpressions: [cron] },
    action: { type: 'startWorkflow' as const, workflowType: SWEEP_WORKFLOW, taskQueue, args: [] },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  };
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule
    .getHandle(scheduleId)
    .update((prev) => ({ ...prev, spec: options.spec, action: options.action, policies: options.policies }));
  return 'updated';
}
