// Mocked activities for workflow unit tests: every activity of `DsarActivities` as an async
// function that records its calls and returns a plausible result; a test overrides the ones
// it is about. No database, no mail: only the workflow's decisions are under test.
import type { WorkflowHandle } from '@temporalio/client';
import type { DsarActivities } from '../../activities';
import type { Target } from '../../schemas/datamap-graph';
import type { CollectionExportResult, ErasureOutcome } from '../../schemas/workflow';

export type ActivityName = keyof DsarActivities;
export interface Call {
  name: ActivityName;
  args: unknown[];
}

export const target = (collection: string, kind: Target['kind'] = 'postgres', store = 'app'): Target => ({ store, collection, kind });

export const erased = (t: Target, fields: Partial<ErasureOutcome> = {}): ErasureOutcome => ({
  ...t,
  action: 'delete',
  deleted: 1,
  masked: 0,
  retained: 0,
  softDeleted: 0,
  remainingDue: 0,
  longestStatementMs: 1,
  ...fields,
});

export const readResult = (t: Target, rows = 1): CollectionExportResult => ({ ...t, rows, unit: 'rows', files: [] });

const defaults: Partial<DsarActivities> = {
  recordStep: async () => {},
  sendVerification: async () => ({ sent: true }),
  sendUnverifiedNotice: async () => {},
  resolveSubject: async () => ({ levels: [], notIncluded: [] }),
  readTarget: async (_id, t) => readResult(t),
  packageExport: async (_id, results) => ({
    exportId: 'export-1',
    bytes: 100,
    sha256: 'ab'.repeat(32),
    collections: results.length,
    rows: results.reduce((n, r) => n + r.rows, 0),
  }),
  sendExportLink: async () => {},
  eraseTarget: async (_id, t) => erased(t),
  sendDeletionNotice: async () => {},
  holdOnRequest: async () => null,
  sendHoldNotice: async () => {},
  purgeTarget: async () => ({ deleted: 1, remaining: 0 }),
  sendPurgedNotice: async () => {},
  eraseSubjectInboxMail: async () => ({ erased: 0 }),
  openManualTask: async () => {},
  recordManualTaskDone: async (_id, done) => erased(target('manual_task', 'manual', done.store), { action: 'manual' }),
  sendDeadlineReminder: async () => {},
  escalateOverdue: async () => {},
  applyExtension: async () => {},
  sendAcknowledgement: async () => {},
  recordJurisdiction: async () => {},
  sendDenialNotice: async () => {},
  recordNeedsAttention: async () => {},
  alertNeedsAttention: async () => {},
  recordRetry: async () => {},
};

/** Mocks with the given overrides; `calls` holds every call in the order it started. */
export function mockActivities(overrides: Partial<DsarActivities> = {}) {
  const calls: Call[] = [];
  const impl: Record<string, (...args: unknown[]) => Promise<unknown>> = { ...defaults, ...overrides } as never;
  const activities = Object.fromEntries(
    Object.entries(impl).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        calls.push({ name: name as ActivityName, args });
        return fn(...args);
      },
    ]),
  ) as Partial<DsarActivities>;
  // the lean step code's larger steps, made of the mocks above as the real ones are made of the single steps
  const a = activities as DsarActivities;
  const composite: Partial<DsarActivities> = {
    admitRequest: async () => ({ admitted: true, wake: [] }),
    releaseAdmission: async () => [],
    readStoreTargets: (id, ts) => Promise.all(ts.map((t) => a.readTarget(id, t))),
    // the real erasure finds a hold itself and erases nothing under it
    eraseStoreTargets: async (id, ts) =>
      (await (impl.holdOnRequest as DsarActivities['holdOnRequest'])(id))
        ? ts.map((t) => erased(t, { action: 'held', deleted: 0 }))
        : Promise.all(ts.map((t) => a.eraseTarget(id, t))),
    deliverExport: async (id, results, completed) => {
      const pkg = await a.packageExport(id, results);
      await a.sendExportLink(id);
      const details = { collections: pkg.collections, rows: pkg.rows, archiveSha256: pkg.sha256, ...completed.details };
      await a.recordStep({ ...completed, requestId: id, details });
      return { pkg, wake: [] };
    },
    finishErasure: async (id, outcomes, close) => {
      await a.eraseSubjectInboxMail(id);
      if (close.deactivated) await a.recordStep({ ...close.deactivated, requestId: id });
      await a.sendDeletionNotice(id, outcomes, close.purgeAt);
      if (close.completed) await a.recordStep({ ...close.completed, requestId: id });
      return { wake: [] };
    },
    finishPurge: async (id, close) => {
      await a.recordStep({ ...close.purged, requestId: id });
      await a.sendPurgedNotice(id, close.purgedAt, close.retainedKept);
      await a.recordStep({ ...close.completed, requestId: id });
    },
  };
  for (const [name, fn] of Object.entries(composite) as [ActivityName, (...args: unknown[]) => Promise<unknown>][]) {
    if (name in overrides) continue;
    (activities as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls.push({ name, args });
      return fn(...args);
    };
  }
  const callsOf = <K extends ActivityName>(name: K) =>
    calls.filter((c) => c.name === name).map((c) => c.args as Parameters<DsarActivities[K]>);
  return { activities, calls, callsOf };
}

/** Polls until `check` holds (real time): what a woken workflow does happens a moment later. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until the workflow is idle: every workflow task and every activity it scheduled has
 * closed. Skipping time while a task is in flight would time that task out.
 */
export async function settled(handle: WorkflowHandle): Promise<void> {
  await waitFor(async () => {
    let tasks = 0;
    let activities = 0;
    for (const e of (await handle.fetchHistory()).events ?? []) {
      if (e.workflowTaskScheduledEventAttributes) tasks++;
      if (e.workflowTaskCompletedEventAttributes || e.workflowTaskFailedEventAttributes || e.workflowTaskTimedOutEventAttributes) tasks--;
      if (e.activityTaskScheduledEventAttributes) activities++;
      if (
        e.activityTaskCompletedEventAttributes ||
        e.activityTaskFailedEventAttributes ||
        e.activityTaskTimedOutEventAttributes ||
        e.activityTaskCanceledEventAttributes
      )
        activities--;
    }
    return tasks === 0 && activities === 0;
  }, 'the workflow to be idle');
}
