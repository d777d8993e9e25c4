#!/usr/bin/env node
// Runs the test files under the given folders (default: test/unit, test/integration, test/e2e)
// with node's test runner and tsx. Node 20's runner takes no globs, so files are listed here.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const path = require('node:path');

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
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
});
process.exit(r.status ?? 1);
