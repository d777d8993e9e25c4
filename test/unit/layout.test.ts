// The folder layout of README.md ("Layout — what each folder may touch") is enforced by
// dependency-cruiser (.dependency-cruiser.js). These tests run it on the real tree, prove that it
// refuses a violating import, check what it cannot express itself (workflow code must not reach
// zod even through schemas/), and keep the README's table, the rules and the folders in step.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.join(__dirname, '..', '..');
const CONFIG = '.dependency-cruiser.js';
const KNOWN = '.dependency-cruiser-known-violations.json';
const DEPCRUISE = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Dependency {
  resolved: string;
  dependencyTypes: string[];
}
interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}
interface CruiseResult {
  modules: { source: string; dependencies: Dependency[] }[];
  summary: { violations: Violation[]; error: number };
}

/** Runs dependency-cruiser exactly as `npm run lint` does, with JSON output. */
function cruise(...targets: string[]): CruiseResult {
  const r = spawnSync(process.execPath, [DEPCRUISE, '--config', CONFIG, '--ignore-known', KNOWN, '--output-type', 'json', ...targets], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.ok(r.stdout, `dependency-cruiser printed nothing: ${r.stderr}`);
  return JSON.parse(r.stdout) as CruiseResult;
}

const reported = (result: CruiseResult) => result.summary.violations.filter((v) => v.rule.severity !== 'ignore');
const describe = (vs: Violation[]) => vs.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).join('\n');

/**
 * Paths from workflows/ to zod along imports the workflow bundle contains: `import type` is
 * erased, so type-only edges are not followed. (dependency-cruiser's own `reachable` rules follow
 * every edge, type-only ones included, so this check lives here.)
 */
function zodPathsFromWorkflows(result: CruiseResult): string[][] {
  const edges = new Map(
    result.modules.map((m) => [m.source, m.dependencies.filter((d) => !d.dependencyTypes.includes('type-only')).map((d) => d.resolved)]),
  );
  const found: string[][] = [];
  for (const start of edges.keys()) {
    if (!start.startsWith('workflows/')) continue;
    const seen = new Set([start]);
    const queue: string[][] = [[start]];
    while (queue.length) {
      const trail = queue.shift()!;
      const here = trail[trail.length - 1];
      if (/(^|\/)node_modules\/zod\//.test(here)) {
        found.push(trail);
        continue;
      }
      for (const next of edges.get(here) ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          queue.push([...trail, next]);
        }
      }
    }
  }
  return found;
}

test('the tree keeps the layout: no dependency-cruiser violation beyond the known ones, none of those fixed yet', () => {
  const result = cruise('.');
  assert.ok(result.modules.length > 100, 'the whole tree was cruised');
  assert.deepEqual(reported(result), [], describe(reported(result)));

  // A known violation that no longer occurs must leave the list, so it cannot come back unseen.
  const key = (v: Violation) => `${v.rule.name}: ${v.from} → ${v.to}`;
  const stillThere = new Set(result.summary.violations.map(key));
  const known = JSON.parse(readFileSync(path.join(ROOT, KNOWN), 'utf8')) as Violation[];
  const fixed = known.filter((v) => !stillThere.has(key(v)));
  assert.deepEqual(fixed.map(key), [], `fixed, so remove from ${KNOWN} (or regenerate it: npx depcruise-baseline --config ${CONFIG} .)`);

  assert.deepEqual(zodPathsFromWorkflows(result), [], 'workflow code reaches zod');
});

test('a violating import is refused, naming the rule; type-only imports of activities from workflows pass', () => {
  const probes: Record<string, string> = {
    // the API must not reach into activities/
    'api/__layout_probe__.ts': "import { packageExport } from '../activities/export';\nexport const probe = packageExport;\n",
    // workflows/: activity code (not just its types), zod
    'workflows/__layout_probe__.ts':
      "import { DOWNLOAD_TOKEN_PURPOSE } from '../activities';\nimport { z } from 'zod';\nexport const probe = [DOWNLOAD_TOKEN_PURPOSE, z];\n",
    // workflows/: the activities' types are fine
    'workflows/__layout_probe_types__.ts': "import type { DsarActivities } from '../activities';\nexport type Probe = DsarActivities;\n",
    // workflows/: zod through schemas/ — every folder rule allows this import; the transitive check does not
    'workflows/__layout_probe_zod__.ts': "import { parseDataMap } from '../schemas/datamap';\nexport const probe = parseDataMap;\n",
    // a rule written by path holds for a folder that does not exist yet
    'records/__layout_probe__.ts': "import { notFound } from '../api/errors';\nexport const probe = notFound;\n",
  };
  const madeDirs: string[] = [];
  const written: string[] = [];
  try {
    for (const [file, text] of Object.entries(probes)) {
      const dir = path.join(ROOT, path.dirname(file));
      if (!existsSync(dir)) {
        mkdirSync(dir);
        madeDirs.push(dir);
      }
      writeFileSync(path.join(ROOT, file), text);
      written.push(file);
    }
    const result = cruise(...Object.keys(probes));
    const got = reported(result)
      .filter((v) => v.from.includes('__layout_probe'))
      .map((v) => `${v.rule.name}: ${v.from} → ${v.to.replace(/^(node_modules\/[^/]+)\/.*$/, '$1')}`)
      .sort();
    assert.deepEqual(
      got,
      [
        'api-imports-only-schemas-lib-records-db-api: api/__layout_probe__.ts → activities/export.ts',
        'records-imports-only-schemas-lib-records: records/__layout_probe__.ts → api/errors.ts',
        'workflows-activities-type-only: workflows/__layout_probe__.ts → activities/index.ts',
        'workflows-no-zod: workflows/__layout_probe__.ts → node_modules/zod',
      ],
      describe(reported(result)),
    );
    // the transitive check finds zod behind schemas/datamap.ts
    const trails = zodPathsFromWorkflows(result).map((t) => t.join(' → '));
    assert.ok(
      trails.some((t) => /^workflows\/__layout_probe_zod__\.ts → schemas\/datamap\.ts → node_modules\/zod\//.test(t)),
      trails.join('\n'),
    );
  } finally {
    for (const file of written) rmSync(path.join(ROOT, file), { force: true });
    for (const dir of madeDirs) rmdirSync(dir);
  }
});

/** Folders the table names before they exist (being introduced on another branch). */
const PLANNED = new Set(['records']);
const SOURCE_FILE = /\.(ts|js|mjs|cjs)$/;
const NOT_SOURCE = new Set(['node_modules', 'dist']);

function holdsSource(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).some((e) =>
    e.isDirectory() ? !NOT_SOURCE.has(e.name) && !e.name.startsWith('.') && holdsSource(path.join(dir, e.name)) : SOURCE_FILE.test(e.name),
  );
}

/** The lines of the first markdown table after `heading` in a file of the repository. */
function tableAfter(file: string, heading: RegExp): string[] {
  const section = readFileSync(path.join(ROOT, file), 'utf8').split(heading)[1];
  assert.ok(section, `${file} has the layout section`);
  return section
    .split('\n\n')
    .find((block) => block.trim().startsWith('| folder |'))!
    .trim()
    .split('\n');
}

const readmeTable = () => tableAfter('README.md', /^### Layout — what each folder may touch$/m);

/** The rows of README.md's layout table: folders (first cell) and what they may import (third cell). */
function layoutTable(): { folders: string[]; mayImport: string }[] {
  const rows = readmeTable().slice(2); // header and separator
  return rows.map((row) => {
    const cells = row.split('|').map((c) => c.trim());
    return { folders: [...cells[1].matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]), mayImport: cells[3] };
  });
}

test("README's layout table lists exactly the top-level source folders", () => {
  const inTable = layoutTable()
    .flatMap((r) => r.folders)
    .sort();
  const onDisk = readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !NOT_SOURCE.has(e.name) && holdsSource(path.join(ROOT, e.name)))
    .map((e) => e.name)
    .sort();
  assert.deepEqual(
    inTable.filter((f) => !PLANNED.has(f) || onDisk.includes(f)),
    onDisk,
    "the first column of README.md's layout table against the top-level folders holding .ts/.js files",
  );
});

test("README's layout table and .dependency-cruiser.js allow the same folders", () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the config is CommonJS
  const config = require(path.join(ROOT, CONFIG)) as {
    forbidden: { name: string; from: { path?: string }; to: { dependencyTypes?: string[]; pathNot?: string } }[];
  };
  const folderRule = (folder: string) =>
    config.forbidden.filter((r) => r.from.path === `^${folder}/` && (r.to.dependencyTypes?.includes('local') || !Object.keys(r.to).length));
  for (const { folders, mayImport } of layoutTable()) {
    for (const folder of folders) {
      const rules = folderRule(folder);
      if (mayImport === 'everything') {
        assert.deepEqual(rules, [], `${folder}/ may import everything: no folder rule`);
        continue;
      }
      assert.equal(rules.length, 1, `one folder rule for ${folder}/`);
      const [rule] = rules;
      if (mayImport === 'nothing') {
        assert.deepEqual(rule.to, {}, `${folder}/ may import nothing`);
        continue;
      }
      // the folders before "— never …" and before "(external: …)"
      const allowedText = mayImport.split(/ — never |\(external/)[0];
      const allowed = [...allowedText.matchAll(/`([a-z]+)\/`/g)].map((m) => m[1]).sort();
      const inRule = (/^\^\((.*)\)\/$/.exec(rule.to.pathNot ?? '')?.[1] ?? '').split('|').sort();
      assert.deepEqual(inRule, allowed, `${rule.name} allows what the table says for ${folder}/`);
    }
  }
});

test("docs/architecture.md's layer table is the README's", () => {
  assert.deepEqual(tableAfter('docs/architecture.md', /^## 1\. Layers$/m), readmeTable());
});
