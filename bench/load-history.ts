// The load benchmark's account of orchestration: every history event type counted per request
// type, and the Temporal actions those events stand for.
//
// Actions rule (Temporal Cloud's billing, as far as a history shows it):
//   1 per WorkflowExecutionStarted, ActivityTaskScheduled, TimerStarted, WorkflowExecutionSignaled,
//     WorkflowExecutionUpdateAccepted, StartChildWorkflowExecutionInitiated,
//     SignalExternalWorkflowExecutionInitiated, UpsertWorkflowSearchAttributes,
//     WorkflowPropertiesModified;
//   1 per extra attempt of an activity (ActivityTaskStarted with attempt > 1, as far as the
//     history keeps it: the last attempt);
//   1 per workflow task that recorded local-activity markers (all local activities completed in
//     one workflow task count as one action); other markers (patches) are free.
// Not in a history and so not counted: activity heartbeats and queries.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;
const ONE_ACTION = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
  EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  EventType.EVENT_TYPE_TIMER_STARTED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
]);

export interface HistoryCount {
  events: number;
  actions: number;
  byType: Map<string, number>;
  activities: Map<string, number>;
}

const typeName = (t: number | null | undefined) =>
  (EventType[t ?? 0] ?? String(t))
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());

export async function countHistory(client: Client, workflowId: string): Promise<HistoryCount> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const byType = new Map<string, number>();
  const activities = new Map<string, number>();
  let actions = 0;
  let localActivityTask = false;
  for (const e of history.events ?? []) {
    const t = e.eventType ?? 0;
    byType.set(typeName(t), (byType.get(typeName(t)) ?? 0) + 1);
    if (ONE_ACTION.has(t)) actions++;
    const scheduled = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (scheduled) activities.set(scheduled, (activities.get(scheduled) ?? 0) + 1);
    if ((e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1) actions += e.activityTaskStartedEventAttributes!.attempt! - 1;
    if (t === EventType.EVENT_TYPE_MARKER_RECORDED && e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
      if (!localActivityTask) actions++;
      localActivityTask = true;
      activities.set('(local activity)', (activities.get('(local activity)') ?? 0) + 1);
    }
    if (t === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) localActivityTask = false;
  }
  return { events: history.events?.length ?? 0, actions, byType, activities };
}

/** Sums per request type: mean events and actions per request, and mean count of each event type. */
export function summarise(counts: { type: string; count: HistoryCount }[]) {
  const byRequestType = new Map<
    string,
    { n: number; events: number; actions: number; eventTypes: Map<string, number>; activities: Map<string, number> }
  >();
  for (const { type, count } of counts) {
    const s = byRequestType.get(type) ?? { n: 0, events: 0, actions: 0, eventTypes: new Map(), activities: new Map() };
    s.n++;
    s.events += count.events;
    s.actions += count.actions;
    for (const [k, v] of count.byType) s.eventTypes.set(k, (s.eventTypes.get(k) ?? 0) + v);
    for (const [k, v] of count.activities) s.activities.set(k, (s.activities.get(k) ?? 0) + v);
    byRequestType.set(type, s);
  }
  return byRequestType;
}

export function printHistories(summary: ReturnType<typeof summarise>): void {
  for (const [type, s] of summary) {
    const mean = (v: number) => (v / s.n).toFixed(1);
    console.log(`  ${type} (${s.n} histories): ${mean(s.events)} events, ${mean(s.actions)} actions per request`);
    const list = (m: Map<string, number>) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${mean(v)}`)
        .join(', ');
    console.log(`    events:     ${list(s.eventTypes)}`);
    console.log(`    activities: ${list(s.activities)}`);
  }
}
