// The request workflow's decisions for the rights that change processing, with mocked
// activities on Temporal's Java test server: an unproven change is re-applied and never reported
// complied; an objection to direct marketing cannot be refused, one to another purpose waits.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { acceptObjectionUpdate, denyUpdate, stateQuery } from '../../schemas/contract';
import type { ProcessingOutcome } from '../../schemas/processing';
import { workflowHarness } from '../support/workflow-harness';
import { mockActivities, target, waitFor } from '../support/workflow-mocks';

const limit = { timeout: 60_000 };
const harness = workflowHarness('processing');
const run = harness.run.bind(harness);

const accounts = target('accounts');
const outcome = (remaining: number): ProcessingOutcome => ({
  ...accounts,
  change: 'opt_out',
  rows: 1,
  remaining,
  columns: ['sale_opt_out'],
});
const work = async () => ({ levels: [[accounts]], notIncluded: [] });

test(
  'CCPA §7026: an opt-out not proven after three attempts fails, is never completed, and the subject is not told it was done',
  limit,
  async () => {
    const m = mockActivities({ resolveSubject: work, applyProcessing: async () => outcome(1), sendProcessingNotice: async () => {} });
    const state = await run(m.activities, { type: 'opt_out' }, (h) => h.result());
    assert.equal(state.status, 'failed');
    assert.equal(m.callsOf('applyProcessing').length, 3);
    assert.equal(m.callsOf('sendProcessingNotice').length, 0);
    assert.ok(m.callsOf('recordStep').some(([s]) => s.action === AUDIT_ACTIONS.processingUnconfirmed));
    assert.ok(!m.callsOf('recordStep').some(([s]) => s.action === AUDIT_ACTIONS.requestCompleted));
  },
);

test('CCPA §7026: a change proven on the second attempt completes the request and tells the subject', limit, async () => {
  let n = 0;
  const m = mockActivities({
    resolveSubject: work,
    applyProcessing: async () => outcome(n++ === 0 ? 1 : 0),
    sendProcessingNotice: async () => {},
  });
  const state = await run(m.activities, { type: 'opt_out' }, (h) => h.result());
  assert.equal(state.status, 'completed');
  assert.equal(m.callsOf('applyProcessing').length, 2);
  assert.equal(m.callsOf('sendProcessingNotice').length, 1);
});

test(
  'GDPR Art. 21: an objection to another purpose waits for a decision; compelling grounds cannot refuse direct marketing',
  limit,
  async () => {
    const m = mockActivities({ resolveSubject: work, applyProcessing: async () => outcome(0), sendProcessingNotice: async () => {} });
    await run(m.activities, { type: 'objection', purpose: 'product_analytics' }, async (h) => {
      await waitFor(async () => (await h.query(stateQuery)).awaitingDecision === true, 'the objection waits');
      assert.equal(m.callsOf('applyProcessing').length, 0, 'nothing stops before the team decides');
      await h.executeUpdate(acceptObjectionUpdate, { args: [{ by: 'lead' }] });
      assert.equal((await h.result()).status, 'completed');
    });
    assert.equal(m.callsOf('applyProcessing').length, 1);

    let release: () => void = () => {};
    const blocked = mockActivities({
      resolveSubject: work,
      applyProcessing: () => new Promise<ProcessingOutcome>((resolve) => (release = () => resolve(outcome(0)))),
      sendProcessingNotice: async () => {},
    });
    await run(blocked.activities, { type: 'objection', purpose: 'direct_marketing' }, async (h) => {
      await waitFor(() => blocked.callsOf('applyProcessing').length > 0, 'direct marketing stops at once');
      await assert.rejects(
        h.executeUpdate(denyUpdate, { args: [{ reason: 'compelling_legitimate_grounds', details: 'we want to', by: 'lead' }] }),
        (err: unknown) => err instanceof WorkflowUpdateFailedError && /direct marketing/.test(String(err.cause?.message)),
      );
      release();
      assert.equal((await h.result()).status, 'completed', 'the objection to direct marketing is honoured');
    });
  },
);
