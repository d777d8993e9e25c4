// The data map's per-store `maxConcurrency`: accepted within bounds, 4 when absent, and enforced:
// no more of a store's steps run at once, and the waiting ones start in the order they asked.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { storeConcurrency, withStoreSlot } from '../../activities/store-slots';
import { parseDataMap } from '../../schemas/datamap';
import { compileDataMap } from '../../schemas/datamap-graph';
import { issuesOf } from '../support/datamap-issues';

const demoText = readFileSync(path.join(__dirname, '..', '..', 'demo', 'datamap.yml'), 'utf8');
const env = { APP_DATABASE_URL: 'postgres://u:p@localhost/app' };
const withLimit = (limit: string) => demoText.replace('    kind: postgres\n', `    kind: postgres\n    maxConcurrency: ${limit}\n`);

test('maxConcurrency: a store may set it (1 to 64); without it a store runs 4 steps at once', () => {
  assert.equal(storeConcurrency(compileDataMap(parseDataMap(demoText, env)), 'app_db'), 4);
  assert.equal(storeConcurrency(compileDataMap(parseDataMap(withLimit('2'), env)), 'app_db'), 2);
  for (const bad of ['0', '65', '1.5', 'many']) {
    const issues = issuesOf(withLimit(bad), env);
    assert.ok(
      issues.some((i) => i.path.includes('maxConcurrency')),
      `${bad}: ${JSON.stringify(issues)}`,
    );
  }
});

test('a store with maxConcurrency 2 runs at most 2 steps at once; the rest start in the order they asked', async () => {
  const map = compileDataMap(parseDataMap(withLimit('2'), env));
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const releases: (() => void)[] = [];
  const steps = Array.from({ length: 6 }, (_, i) =>
    withStoreSlot(map, 'app_db', async () => {
      started.push(i);
      most = Math.max(most, ++running);
      await new Promise<void>((r) => releases.push(r));
      running--;
      return i;
    }),
  );
  // finish the running steps one by one, oldest first, until all six ran
  while (started.length < 6 || releases.length) {
    await new Promise((r) => setImmediate(r));
    releases.shift()?.();
  }
  assert.deepEqual(await Promise.all(steps), [0, 1, 2, 3, 4, 5]);
  assert.equal(most, 2);
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
});
