// A deletion's lifecycle decisions with mocked activities (no database): a legal hold keeps it
// on_hold until the release signal, the purge instant stays inside the deadline, progress counts
// each row once. Temporal's Java test server with time skipping locked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holdReleasedSignal, stateQuery } from '../../schemas/contract';
import { purgeInstant } from '../../workflows/deletion';
import { workflowHarness } from '../support/workflow-harness';
import { erased, mockActivities, target, waitFor } from '../support/workflow-mocks';

const DAY = 86_400_000;
const harness = workflowHarness('deletion', { type: 'deletion' });
const run = harness.run.bind(harness);

const billing = target('billing_records');
const logs = target('usage_logs');

test(
  'GDPR Art. 17(3)(e): a held deletion erases nothing and waits on_hold; the release signal resumes it at once',
  { timeout: 60_000 },
  async () => {
    let held = true;
    const m = mockActivities({
      resolveSubject: async () => ({ levels: [[logs]], notIncluded: [] }),
      holdOnRequest: async () => (held ? { id: 'hold-1', category: 'legal_claims' as const } : null),
    });
    await run(m.activities, { jurisdiction: 'gdpr' }, async (handle) => {
      await waitFor(async () => (await handle.query(stateQuery)).status === 'on_hold', 'on_hold');
      const state = await handle.query(stateQuery);
      assert.equal(state.hold?.category, 'legal_claims');
      assert.equal(m.callsOf('eraseTarget').length, 0, 'nothing erased while held');
      assert.deepEqual(m.callsOf('sendHoldNotice'), [[state.requestId, { id: 'hold-1', category: 'legal_claims' }, 'gdpr', undefined]]);
      assert.equal(m.callsOf('sendDeletionNotice').length, 0);
      held = false;
      await handle.signal(holdReleasedSignal, { holdId: 'hold-1' });
      const result = await handle.result();
      assert.equal(result.status, 'completed');
      assert.equal(m.callsOf('eraseTarget').length, 1);
      assert.equal(m.callsOf('sendDeletionNotice').length, 1, 'the subject is told when it is done');
    });
  },
);

test('progress counts each row once: a retained row that is masked too is one row', { timeout: 60_000 }, async () => {
  const m = mockActivities({
    resolveSubject: async () => ({ levels: [[billing, logs]], notIncluded: [] }),
    eraseTarget: async (_id, t) =>
      t.collection === 'billing_records'
        ? erased(t, { action: 'retain', deleted: 0, masked: 12, retained: 12 })
        : erased(t, { deleted: 40 }),
  });
  await run(m.activities, {}, async (handle) => {
    const result = await handle.result();
    assert.deepEqual(
      result.progress.map((p) => [p.collection, p.rows]),
      [
        ['billing_records', 12],
        ['usage_logs', 40],
      ],
    );
  });
});

test('CCPA §7022: the purge instant is the grace period, but never later than the due date less the margin', () => {
  const received = Date.UTC(2026, 0, 1);
  const due = new Date(received + 45 * DAY).toISOString();
  // verified on day 40: the map's 30 days would reach day 70; the purge is set for day 43
  assert.equal(purgeInstant(received + 40 * DAY, ['P30D'], due, 2), received + 43 * DAY);
  // verified on day 1: day 31 is inside the deadline, the map's grace applies
  assert.equal(purgeInstant(received + DAY, ['P30D'], due, 2), received + 31 * DAY);
  // verified past the margin: at once, never in the past
  assert.equal(purgeInstant(received + 44 * DAY, ['P30D'], due, 2), received + 44 * DAY);
});
