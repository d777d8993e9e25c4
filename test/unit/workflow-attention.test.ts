// The request workflow when a data step fails for good (a NeedsAttention failure), with mocked
// activities: it waits in needs_attention, recorded and alerted; a retry re-runs only the failed
// step; a denial while it waits works. Temporal's Java test server, time skipping locked.
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { denyUpdate, retryUpdate, stateQuery } from '../../schemas/contract';
import { NEEDS_ATTENTION_FAILURE, type AttentionCause, type Retry } from '../../schemas/workflow';
import { workflowHarness } from '../support/workflow-harness';
import { erased, mockActivities, target, waitFor } from '../support/workflow-mocks';

const limit = { timeout: 60_000 };

const harness = workflowHarness('attention');
const run = harness.run.bind(harness);

const cause: AttentionCause = {
  store: 'app',
  collection: 'usage_logs',
  errorClass: 'postgres 42P01',
  reason: 'relation "usage_logs" does not exist',
};
const fatal = () => ApplicationFailure.nonRetryable(`app.usage_logs: ${cause.errorClass}: ${cause.reason}`, NEEDS_ATTENTION_FAILURE, cause);
const refused = (pattern: RegExp) => (err: unknown) => {
  assert.ok(err instanceof WorkflowUpdateFailedError, `an update failure, not ${String(err)}`);
  assert.match(String(err.cause?.message), pattern);
  return true;
};
const retry: Retry = { by: 'lead' };

test(
  'a step failing for good: needs_attention, recorded and alerted once; a retry re-runs only that step and the request completes',
  limit,
  async () => {
    const [sessions, logs, accounts] = [target('sessions'), target('usage_logs'), target('accounts')];
    let gate: () => void = () => undefined;
    const sessionsHeld = new Promise<void>((resolve) => (gate = resolve));
    let logsFailures = 1;
    const m = mockActivities({
      resolveSubject: async () => ({ levels: [[sessions], [logs], [accounts]], notIncluded: [] }),
      eraseTarget: async (_id, t) => {
        if (t.collection === 'sessions') await sessionsHeld;
        if (t.collection === 'usage_logs' && logsFailures-- > 0) throw fatal();
        return erased(t, { deleted: t.collection === 'usage_logs' ? 7 : 1 });
      },
    });
    const result = await run(m.activities, { type: 'deletion' }, async (handle) => {
      await waitFor(() => m.callsOf('eraseTarget').length > 0, 'erasure to start');
      await assert.rejects(handle.executeUpdate(retryUpdate, { args: [retry] }), refused(/in_progress, not needs_attention/));
      gate();
      await waitFor(async () => (await handle.query(stateQuery)).status === 'needs_attention', 'needs_attention');
      const state = await handle.query(stateQuery);
      assert.deepEqual({ ...state.attention, since: undefined }, { ...cause, since: undefined });
      assert.equal(m.callsOf('recordNeedsAttention').length, 1);
      assert.deepEqual(m.callsOf('alertNeedsAttention'), [[handle.workflowId, 1, state.attention!]]);
      assert.deepEqual(await handle.executeUpdate(retryUpdate, { args: [retry] }), { status: 'in_progress' });
      return handle.result();
    });

    assert.equal(result.status, 'completed');
    assert.equal(result.attention, undefined);
    assert.deepEqual(
      m.callsOf('eraseTarget').map(([, t]) => t.collection),
      ['sessions', 'usage_logs', 'usage_logs', 'accounts'],
      'only the failed step runs again',
    );
    assert.deepEqual(m.callsOf('recordRetry'), [[result.requestId, 1, 'lead', 'in_progress']]);
    const completed = m
      .callsOf('recordStep')
      .map(([s]) => s)
      .filter((s) => s.action === AUDIT_ACTIONS.requestCompleted);
    assert.equal(completed[0].details?.deleted, 9);
  },
);

test('a denial while the request needs attention: denied, the failed step never re-run, no retry accepted', limit, async () => {
  const m = mockActivities({
    resolveSubject: async () => {
      throw fatal();
    },
  });
  const denial = { reason: 'legal_exemption' as const, details: 'Held for an ongoing legal claim.', by: 'lead' };
  const result = await run(m.activities, { type: 'deletion' }, async (handle) => {
    await waitFor(async () => (await handle.query(stateQuery)).status === 'needs_attention', 'needs_attention');
    assert.deepEqual(await handle.executeUpdate(denyUpdate, { args: [denial] }), { status: 'denied' });
    return handle.result();
  });
  assert.equal(result.status, 'denied');
  assert.equal(m.callsOf('resolveSubject').length, 1);
  assert.equal(m.callsOf('eraseTarget').length, 0);
  assert.deepEqual(m.callsOf('sendDenialNotice'), [[result.requestId, denial]]);
  assert.equal(m.callsOf('recordRetry').length, 0);
});

test('a request waiting for a person gives its work slot to the next in line and queues again on retry', limit, async () => {
  let failures = 1;
  const m = mockActivities({
    resolveSubject: async () => ({ levels: [[target('usage_logs')]], notIncluded: [] }),
    eraseTarget: async (_id, t) => {
      if (failures-- > 0) throw fatal();
      return erased(t, { deleted: 3 });
    },
  });
  const result = await run(m.activities, { type: 'deletion' }, async (handle) => {
    await waitFor(async () => (await handle.query(stateQuery)).status === 'needs_attention', 'needs_attention');
    await waitFor(() => m.callsOf('releaseAdmission').length === 1, 'the slot given back');
    assert.equal(m.callsOf('admitRequest').length, 1, 'not queued again before the retry');
    await handle.executeUpdate(retryUpdate, { args: [retry] });
    return handle.result();
  });
  assert.equal(result.status, 'completed');
  const order = m.calls.map((c) => c.name).filter((n) => n === 'admitRequest' || n === 'releaseAdmission' || n === 'recordRetry');
  assert.deepEqual(order.slice(0, 4), ['admitRequest', 'releaseAdmission', 'recordRetry', 'admitRequest']);
});
