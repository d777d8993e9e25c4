#!/usr/bin/env node
// `npm run build`: compiles to dist/ (plain node, no tsx at run time), copies the files the code
// reads beside itself, and bundles the workflows ahead of time (dist/workflow-bundle.js).
// Run a lean worker with:  WORKFLOW_BUNDLE_PATH=dist/workflow-bundle.js node dist/worker/main.js
// (`dsar dev` and `dsar worker` do so, building first when dist/ is missing or stale).
const { spawnSync } = require('node:child_process');
const { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { sourceFingerprint, FINGERPRINT_FILE } = require('./build-fingerprint');

const root = path.join(__dirname, '..');
const dist = path.join(root, 'dist');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

// Taken before compiling: a source edited during the build makes the next start rebuild.
const fingerprint = sourceFingerprint(root);
rmSync(dist, { recursive: true, force: true });
run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json']);
const copy = (dir, pattern) => {
  mkdirSync(path.join(dist, dir), { recursive: true });
  for (const f of readdirSync(path.join(root, dir)).filter((n) => pattern.test(n)))
    cpSync(path.join(root, dir, f), path.join(dist, dir, f));
};
copy('db/migrations', /\.sql$/);
copy('demo', /\.(sql|yml)$/);
copy('examples/processors', /\.yml$/);
copy('web', /\.(html|js|css)$/);
cpSync(path.join(root, 'package.json'), path.join(dist, 'package.json'));
run(process.execPath, [path.join(dist, 'cli', 'dsar.js'), 'bundle', path.join(dist, 'workflow-bundle.js')]);
writeFileSync(path.join(dist, FINGERPRINT_FILE), `${fingerprint}\n`);
