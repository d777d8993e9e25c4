// The request workflow's decisions, with mocked activities: denial mid-erasure, re-erasure,
// erase order, the deadline clock across an extension, and manual tasks for access. Temporal's
// Java test server with time skipping locked: time moves only through `env.sleep`.
import { Context } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { DsarActivities } from '../../activities';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { completeManualTaskUpdate, denyUpdate, extendUpdate, stateQuery } from '../../schemas/contract';
import { addMonths, computeDeadline, reminderAt } from '../../schemas/deadline';
import type { Denial, DsarRequestInput, DsarRequestState, Extension } from '../../schemas/workflow';
import { workflowHarness } from '../support/workflow-harness';
import { erased, mockActivities, readResult, settled, target, waitFor } from '../support/workflow-mocks';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** A hung server call fails the test instead of the run. */
const limit = { timeout: 60_000 };

const harness = workflowHarness('request');
const run = harness.run.bind(harness);

const refused = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof WorkflowUpdateFailedError, `an update failure, not ${String(err)}`);
  assert.match(String(err.cause?.message), pattern);
  return true;
};

type Step = Parameters<DsarActivities['recordStep']>[0];
const stepsOf = (m: ReturnType<typeof mockActivities>, action: Step['action']) =>
  m
    .callsOf('recordStep')
    .map(([s]) => s)
    .filter((s) => s.action === action);

// Runs first: a test failing further down can leave the test server's time skipping locked
// (see the denial test), and this one needs time to move.
test('GDPR clock: reminder 7 days before due; an extension moves the reminder and the escalation to the new date', limit, async () => {
  const m = mockActivities();
  const received = new Date(await harness.env.currentTimeMs());
  const due = computeDeadline(received, 'gdpr').dueAt;
  const newDue = addMonths(received, 2); // within the three months from receipt
  const reminders = () => m.callsOf('sendDeadlineReminder').map(([, d]) => d);
  const escalations = () => m.callsOf('escalateOverdue').map(([, d]) => d);
  // never verified, with a verification window longer than the test: the request stays open
  const input = { type: 'export', jurisdiction: 'gdpr', receivedAt: received.toISOString(), preVerified: false } as const;
  const result = await run(m.activities, { ...input, verificationTimeout: '100 days' }, async (handle) => {
    /** Skips to `ms` (virtual time) and waits for what woke there to finish. */
    const skipTo = async (ms: number) => {
      const left = ms - (await harness.env.currentTimeMs());
      if (left > 0) await harness.env.sleep(left);
      await settled(handle);
    };
    await waitFor(() => m.callsOf('sendVerification').length === 1, 'the request to await verification');
    await settled(handle);
    assert.equal((await handle.query(stateQuery)).dueAt, due.toISOString());

    await skipTo(reminderAt(due).getTime() - HOUR);
    assert.deepEqual(reminders(), [], 'no reminder before due - 7 days');
    await skipTo(reminderAt(due).getTime() + MINUTE);
    assert.deepEqual(reminders(), [due.toISOString()]);

    const ext: Extension = { newDueAt: newDue.toISOString(), reason: 'complex: nine stores', by: 'lead' };
    await assert.rejects(handle.executeUpdate(extendUpdate, { args: [{ ...ext, reason: ' ' }] }), refused(/needs a reason/));
    assert.deepEqual(await handle.executeUpdate(extendUpdate, { args: [ext] }), { dueAt: ext.newDueAt });
    assert.deepEqual(m.callsOf('applyExtension'), [[handle.workflowId, ext]]);
    await settled(handle);

    await skipTo(due.getTime() + DAY);
    assert.deepEqual(escalations(), [], 'the old due date passes without escalation');
    await skipTo(reminderAt(newDue).getTime() - HOUR);
    assert.deepEqual(reminders(), [due.toISOString()], 'no second reminder yet');
    await skipTo(reminderAt(newDue).getTime() + MINUTE);
    assert.deepEqual(reminders(), [due.toISOString(), newDue.toISOString()]);
    await skipTo(newDue.getTime() - HOUR);
    assert.deepEqual(escalations(), [], 'not overdue before the new due date');
    await skipTo(newDue.getTime() + MINUTE);
    assert.deepEqual(escalations(), [newDue.toISOString()]);
    const state = await handle.query(stateQuery);
    assert.deepEqual([state.overdue, state.dueAt, state.extensions], [true, newDue.toISOString(), 1]);

    await handle.executeUpdate(denyUpdate, { args: [{ reason: 'identity_not_verified', details: 'Never confirmed.', by: 'lead' }] });
    return handle.result();
  });
  assert.equal(result.status, 'denied');
  assert.equal(reminders().length + escalations().length, 3, 'each sent once');
});

test(
  "a law found in the subject's records brings the clock forward: GDPR's month replaces CCPA's 45 days, reminders follow",
  limit,
  async () => {
    const m = mockActivities({
      resolveSubject: async () => ({ levels: [[target('scans', 'manual', 'archive')]], notIncluded: [], jurisdictions: ['gdpr'] }),
    });
    const received = new Date(await harness.env.currentTimeMs());
    const atIntake = computeDeadline(received, ['ccpa'], 60).dueAt;
    const tightened = addMonths(received, 1);
    const input: Partial<DsarRequestInput> & Pick<DsarRequestInput, 'type'> = {
      type: 'export',
      jurisdiction: 'ccpa',
      jurisdictions: ['ccpa'],
      policyDays: 60,
      receivedAt: received.toISOString(),
    };
    const result = await run(m.activities, input, async (handle) => {
      await waitFor(() => m.callsOf('openManualTask').length === 1, 'the request to wait on its manual store');
      await settled(handle);
      assert.equal(atIntake.getTime(), received.getTime() + 45 * DAY);
      assert.deepEqual(m.callsOf('sendAcknowledgement'), [[handle.workflowId, atIntake.toISOString()]], 'CCPA §7021: acknowledged at once');
      assert.deepEqual(m.callsOf('recordJurisdiction'), [
        [handle.workflowId, { jurisdictions: ['gdpr', 'ccpa'], jurisdiction: 'gdpr', dueAt: tightened.toISOString() }],
      ]);
      assert.equal((await handle.query(stateQuery)).dueAt, tightened.toISOString());
      await harness.env.sleep(reminderAt(tightened).getTime() + MINUTE - (await harness.env.currentTimeMs()));
      await settled(handle);
      assert.deepEqual(
        m.callsOf('sendDeadlineReminder').map(([, d]) => d),
        [tightened.toISOString()],
        'reminded 7 days before the tightened date',
      );
      await handle.executeUpdate(denyUpdate, { args: [{ reason: 'excessive', details: 'Test over.', by: 'lead' }] });
      return handle.result();
    });
    assert.equal(result.status, 'denied');
  },
);

test('a denial during erasure cancels it: status denied, only the denial notice, later levels never erased', limit, async () => {
  const [first, second] = [target('sessions'), target('accounts')];
  let cancelled = false;
  let cancelRecorded: () => Promise<boolean> = async () => false;
  const m = mockActivities({
    resolveSubject: async () => ({ levels: [[first], [second]], notIncluded: [] }),
    eraseTarget: async (_id, t) => {
      if (t.collection !== first.collection) return erased(t);
      const ctx = Context.current(); // blocks, heartbeating, until cancelled
      const beat = setInterval(() => ctx.heartbeat(), 100);
      try {
        return await ctx.cancelled;
      } catch (err) {
        cancelled = true;
        throw err;
      } finally {
        clearInterval(beat);
      }
    },
    // Holds the workflow open until the erasure's cancellation is recorded: the Java test server
    // keeps time skipping locked for a cancelled activity still running when its workflow
    // closes, which would freeze time for the tests after this one.
    sendDenialNotice: () => waitFor(cancelRecorded, 'the erasure to be recorded as cancelled'),
  });
  const denial: Denial = { reason: 'excessive', details: 'Fourth identical request this month.', by: 'lead' };
  const result = await run(m.activities, { type: 'deletion' }, async (handle) => {
    cancelRecorded = async () => !!(await handle.fetchHistory()).events?.some((e) => e.activityTaskCanceledEventAttributes);
    await waitFor(() => m.callsOf('eraseTarget').length > 0, 'erasure to start');
    assert.deepEqual(await handle.executeUpdate(denyUpdate, { args: [denial] }), { status: 'denied' });
    return handle.result();
  });

  assert.equal(result.status, 'denied');
  assert.ok(cancelled, 'the running erasure was cancelled');
  assert.deepEqual(result.denial, denial);
  assert.deepEqual(m.callsOf('sendDenialNotice'), [[result.requestId, denial]]);
  assert.equal(m.callsOf('sendDeletionNotice').length, 0, 'no deletion notice');
  assert.deepEqual(
    m.callsOf('eraseTarget').map(([, t]) => t.collection),
    ['sessions'],
    'the second level is never erased',
  );
  const denied = stepsOf(m, AUDIT_ACTIONS.requestDenied);
  assert.equal(denied.length, 1);
  assert.deepEqual([denied[0].status, denied[0].actor, denied[0].details], ['denied', 'admin:lead', { reason: 'excessive' }]);
  assert.equal(stepsOf(m, AUDIT_ACTIONS.requestCompleted).length, 0, 'never completed');
});

test('a store whose rows keep arriving is erased again until none remain (3 erasures, done)', limit, async () => {
  const orders = target('orders');
  const remaining = [2, 1, 0];
  const m = mockActivities({
    resolveSubject: async () => ({ levels: [[orders]], notIncluded: [] }),
    eraseTarget: async (_id, t) => erased(t, { remainingDue: remaining.shift() ?? 0 }),
  });
  const result = await run(m.activities, { type: 'deletion' }, (handle) => handle.result());

  assert.equal(m.callsOf('eraseTarget').length, 3);
  assert.equal(result.status, 'completed');
  assert.deepEqual(result.progress, [{ store: 'app', collection: 'orders', state: 'done', rows: 1 }]);
  const [completed] = stepsOf(m, AUDIT_ACTIONS.requestCompleted);
  assert.equal(completed.details?.remainingDue, 0);
});

test('erasure stops after 3 attempts when rows remain: the store is failed and the remaining count reported', limit, async () => {
  const [orders, profiles] = [target('orders'), target('profiles')];
  const m = mockActivities({
    resolveSubject: async () => ({ levels: [[orders, profiles]], notIncluded: [] }),
    eraseTarget: async (_id, t) => erased(t, { remainingDue: t.collection === 'orders' ? 4 : 0 }),
  });
  const result = await run(m.activities, { type: 'deletion' }, (handle) => handle.result());

  const erasures = m.callsOf('eraseTarget').map(([, t]) => t.collection);
  assert.equal(erasures.filter((c) => c === 'orders').length, 3, 'ERASE_ATTEMPTS');
  assert.equal(erasures.filter((c) => c === 'profiles').length, 1);
  assert.deepEqual(
    result.progress.map((p) => [p.collection, p.state]),
    [
      ['orders', 'failed'],
      ['profiles', 'done'],
    ],
  );
  const [completed] = stepsOf(m, AUDIT_ACTIONS.requestCompleted);
  assert.equal(completed.details?.remainingDue, 4);
  assert.equal(result.outcomes?.find((o) => o.collection === 'orders')?.remainingDue, 4);
});

test('children are erased side by side, and their parent only after both finished', limit, async () => {
  const log: string[] = [];
  const m = mockActivities({
    resolveSubject: async () => ({ levels: [[target('child1'), target('child2')], [target('parent')]], notIncluded: [] }),
    eraseTarget: async (_id, t) => {
      log.push(`start ${t.collection}`);
      await delay(t.collection === 'child1' ? 250 : 400);
      log.push(`end ${t.collection}`);
      return erased(t);
    },
  });
  const result = await run(m.activities, { type: 'deletion' }, (handle) => handle.result());

  assert.equal(result.status, 'completed');
  assert.deepEqual(log.slice(0, 2).sort(), ['start child1', 'start child2'], 'both children start before either ends');
  assert.deepEqual(log.slice(2), ['end child1', 'end child2', 'start parent', 'end parent']);
});

test(
  'a manual store in an access request: a read task, completed by "nothing held" (not "done"), then read and packaged',
  limit,
  async () => {
    const [accounts, crm] = [target('accounts'), target('manual_task', 'manual', 'crm')];
    const m = mockActivities({
      resolveSubject: async () => ({ levels: [[accounts, crm]], notIncluded: [] }),
      readTarget: async (_id, t) => readResult(t, t.kind === 'manual' ? 0 : 3),
    });
    const crmReads = () => m.callsOf('readTarget').filter(([, t]) => t.store === 'crm');
    const base = { store: 'crm', by: 'lead', note: 'searched the CRM' };
    let result: DsarRequestState | undefined;
    await run(m.activities, { type: 'access' }, async (handle) => {
      const waiting = async () => (await handle.query(stateQuery)).progress.some((p) => p.store === 'crm' && p.state === 'waiting');
      await waitFor(waiting, 'the manual task to be open');
      assert.deepEqual(m.callsOf('openManualTask'), [[handle.workflowId, 'crm', 'read']]);
      assert.equal(crmReads().length, 0, 'not read while the task is open');

      await assert.rejects(
        handle.executeUpdate(completeManualTaskUpdate, { args: [{ ...base, outcome: 'done' }] }),
        refused(/upload or by "nothing held"/),
      );
      const accepted = await handle.executeUpdate(completeManualTaskUpdate, { args: [{ ...base, outcome: 'nothing_held' }] });
      assert.deepEqual(accepted, { store: 'crm', completed: true });
      result = await handle.result();
    });

    assert.equal(result?.status, 'completed');
    assert.deepEqual(m.callsOf('recordManualTaskDone'), [[result.requestId, { ...base, outcome: 'nothing_held' }]]);
    assert.deepEqual(crmReads(), [[result.requestId, crm]]);
    const [[, packaged]] = m.callsOf('packageExport');
    assert.deepEqual(packaged, [readResult(accounts, 3), readResult(crm, 0)]);
    assert.equal(m.callsOf('sendExportLink').length, 1);
  },
);

test('once the work is done and the subject is being told, a denial is refused: no answer and denial both', limit, async () => {
  let release: () => void = () => undefined;
  const noticeSending = new Promise<void>((resolve) => (release = resolve));
  let noticeStarted = false;
  const m = mockActivities({
    resolveSubject: async () => ({ levels: [[target('orders')]], notIncluded: [] }),
    eraseTarget: async (_id, t) => erased(t),
    sendDeletionNotice: async () => {
      noticeStarted = true;
      await noticeSending;
    },
  });
  const result = await run(m.activities, { type: 'deletion' }, async (handle) => {
    await waitFor(() => noticeStarted, 'the deletion notice is being sent');
    const denial: Denial = { reason: 'excessive', details: 'too late for this', by: 'lead' };
    await assert.rejects(handle.executeUpdate(denyUpdate, { args: [denial] }), refused(/being answered/));
    release();
    return handle.result();
  });
  assert.equal(result.status, 'completed');
  assert.equal(m.callsOf('sendDenialNotice').length, 0);
});
