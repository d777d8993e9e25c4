// Requests started by the step code before LEAN_STEPS_PATCH keep working after the upgrade: their
// histories (recorded from that code against mocked activities, test/fixtures/histories) replay on
// today's workflow code without a nondeterminism error — a finished export, and a deletion still
// waiting for its purge, which the new code would continue.
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import type { WorkflowBundle } from '@temporalio/worker';

let bundle: WorkflowBundle;
before(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: new DefaultLogger('WARN') });
});

for (const [name, what] of [
  ['export-completed', 'a completed export'],
  ['deletion-awaiting-purge', 'a deletion waiting for its purge'],
]) {
  test(`${what}, started before the lean steps, replays on today's code`, { timeout: 60_000 }, async () => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'histories', `${name}.json`), 'utf8')));
    // throws DeterminismViolationError (or another replay failure) when the new code takes other steps
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, `replay-${name}`);
  });
}
