#!/usr/bin/env node
// Runs the test files under the given folders (default: test/unit, test/integration, test/e2e)
// with node's test runner and tsx. Node 20's runner takes no globs, so files are listed here.
// Files run TEST_LANES at a time (default 2: each stack spends most of its time waiting on
// servers); the scenarios that cut connections, stop servers mid-request or measure latency then
// run one at a time, alone on the machine, so other files' load cannot make them fail or pass.
// (multi-node kills a worker too, but asserts outcomes only, with room for a loaded machine.)
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const ALONE = [
  'connection-loss',
  'store-connection-loss',
  'worker-crash',
  'needs-attention',
  'mail-outbox',
  'temporal-outage',
  'dev-stack',
].map((name) => `${name}.test.ts`);

const roots = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['test/unit', 'test/integration', 'test/e2e'].filter((r) => existsSync(r));
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.test.ts')) files.push(p);
  }
};
roots.forEach((r) => (statSync(r).isDirectory() ? walk(r) : files.push(r)));

const lanes = Math.max(1, Number(process.env.TEST_LANES ?? 2) || 1);
const alone = files.filter((f) => ALONE.includes(path.basename(f)));
const shared = files.filter((f) => !alone.includes(f));
const run = (list, concurrency) =>
  list.length === 0
    ? 0
    : (spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...list], {
        stdio: 'inherit',
      }).status ?? 1);
const shares = run(shared, lanes);
const alones = run(alone, 1);
process.exit(shares || alones);
