// The request workflow's decisions for the rights that change processing, with mocked
// activities on Temporal's Java test server: an unproven change is re-applied and never reported
// complied; an objection to direct marketing cannot be refused, one to another purpose waits.
import { Client, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DsarActivities } from '../../activities';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { acceptObjectionUpdate, denyUpdate, DSAR_WORKFLOW, stateQuery } from '../../schemas/contract';
import type { ProcessingOutcome } from '../../schemas/processing';
import type { DsarRequestInput } from '../../schemas/workflow';
import type { dsarRequest } from '../../workflows/dsar-request';
import { createTimeSkippingEnv } from '../support/time-skipping';
import { mockActivities, target, waitFor } from '../support/workflow-mocks';

const limit = { timeout: 60_000 };
let env: TestWorkflowEnvironment;
let client: Client;
let bundle: WorkflowBundle;
const workers = new Set<Worker>();
before(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  [env, bundle] = await Promise.all([
    createTimeSkippingEnv(),
    bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') }),
  ]);
  client = new Client({ connection: env.connection });
});
after(async () => {
  for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
  await env?.teardown();
});

let runs = 0;
async function run<T>(
  activities: Partial<DsarActivities>,
  input: Partial<DsarRequestInput> & Pick<DsarRequestInput, 'type'>,
  body: (handle: WorkflowHandle<typeof dsarRequest>) => Promise<T>,
): Promise<T> {
  const requestId = `processing-${++runs}`;
  const taskQueue = `workflow-processing-${runs}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  workers.add(worker);
  return worker.runUntil(async () => {
    const handle = await client.workflow.start<typeof dsarRequest>(DSAR_WORKFLOW, {
      taskQueue,
      workflowId: requestId,
      args: [{ requestId, verificationTimeout: '1 hour', preVerified: true, ...input }],
    });
    return body(handle);
  });
}

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
