// What the compiled build (dist/) was made from: a hash of the path, size and modification time
// of every file `npm run build` reads. Stat calls only (a few milliseconds), so `dsar dev` and
// `dsar worker` can check at every start whether dist/ is stale and rebuild it when it is.
'use strict';
const { createHash } = require('node:crypto');
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const SOURCE_DIRS = [
  'schemas',
  'workflows',
  'activities',
  'api',
  'worker',
  'db',
  'cli',
  'demo',
  'lib',
  'records',
  'web',
  'examples/processors',
];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js', 'scripts/build-fingerprint.js'];
const FINGERPRINT_FILE = 'build-fingerprint';

function sourceFingerprint(root) {
  const entries = [];
  const add = (rel) => {
    const s = statSync(path.join(root, rel));
    entries.push(`${rel}:${s.size}:${Math.floor(s.mtimeMs)}`);
  };
  const walk = (rel) => {
    for (const d of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, d.name);
      if (d.isDirectory()) walk(child);
      else if (d.isFile()) add(child);
    }
  };
  for (const dir of SOURCE_DIRS) if (existsSync(path.join(root, dir))) walk(dir);
  for (const file of SOURCE_FILES) if (existsSync(path.join(root, file))) add(file);
  return createHash('sha256').update(entries.sort().join('\n')).digest('hex');
}

/** Why dist/ must be (re)built, or null when it matches the sources. */
function staleReason(root, dist = path.join(root, 'dist')) {
  if (!existsSync(path.join(dist, 'worker', 'main.js')) || !existsSync(path.join(dist, 'workflow-bundle.js')))
    return 'no compiled worker yet';
  const file = path.join(dist, FINGERPRINT_FILE);
  if (!existsSync(file)) return 'the build has no fingerprint';
  return readFileSync(file, 'utf8').trim() === sourceFingerprint(root) ? null : 'sources changed since the last build';
}

module.exports = { sourceFingerprint, staleReason, FINGERPRINT_FILE };
