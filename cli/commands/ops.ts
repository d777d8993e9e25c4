// Running and administering the engine: the processes (dev, worker, api, migrate) and the admin
// commands (admin-key, bundle, schedules). Heavy modules load inside the actions only.
import { Command, Option } from 'commander';
import { withEngineDb } from '../clients';
import { compiledWorkerOff } from '../compiled-worker';
import { CliError } from '../errors';
import type { CommandContext } from './context';

export function registerProcessCommands(program: Command, { out, env }: CommandContext): void {
  program
    .command('dev')
    .description('run the whole stack locally (embedded PostgreSQL, Temporal dev server, mail catcher, worker, API); same as `npm start`')
    .action(async () => {
      const { runDevStack } = require('../dev-run') as typeof import('../dev-run');
      const code = await runDevStack({ env, log: out });
      if (code !== 0) throw new CliError(null, code);
    });

  program
    .command('worker')
    .description('run a Temporal worker: the compiled one, built first when stale (configuration from the environment)')
    .action(async () => {
      if (compiledWorkerOff(env)) {
        const { runWorker } = require('../../worker/main') as typeof import('../../worker/main');
        return runWorker(env);
      }
      const { runCompiledWorker } = require('../compiled-worker') as typeof import('../compiled-worker');
      const { PROJECT_ROOT } = require('../stack/go-tool') as typeof import('../stack/go-tool');
      await runCompiledWorker(PROJECT_ROOT, env, out);
    });

  program
    .command('api')
    .description('run the HTTP API (configuration from the environment)')
    .action(async () => {
      const { runApi } = require('../../api/main') as typeof import('../../api/main');
      const stop = await runApi(env);
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          resolve();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      await stop();
    });

  program
    .command('migrate')
    .description('apply the engine database migrations (DATABASE_URL)')
    .action(async () => {
      const { migrate } = require('../../db/migrate') as typeof import('../../db/migrate');
      const applied = await withEngineDb(env, (db) => migrate(db));
      out(
        applied.length
          ? `applied ${applied.length} migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')}`
          : 'engine database is up to date',
      );
    });
}

export function registerAdminCommands(program: Command, { out, env }: CommandContext): void {
  const adminKey = program.command('admin-key').description('admin API keys (stored only as SHA-256)');
  adminKey
    .command('create')
    .description('create an admin API key and show it once (DATABASE_URL)')
    .requiredOption('--name <name>', 'who or what uses the key, e.g. privacy-lead')
    .addOption(new Option('--role <role>', 'admin may act; auditor may only read').choices(['admin', 'auditor']).default('admin'))
    .action(async (o: { name: string; role: 'admin' | 'auditor' }) => {
      const { createAdminKey } = require('../../api/admin-keys') as typeof import('../../api/admin-keys');
      const { migrate } = require('../../db/migrate') as typeof import('../../db/migrate');
      const { key } = await withEngineDb(env, async (db) => {
        await migrate(db);
        return createAdminKey(db, o.name, o.role);
      });
      out(`${key}\n(${o.role} key "${o.name}": shown this once; only its SHA-256 is stored)`);
    });

  program
    .command('bundle')
    .description('bundle the workflow code ahead of time; point WORKFLOW_BUNDLE_PATH at the file for leaner workers')
    .argument('[file]', 'where to write it', 'dist/workflow-bundle.js')
    .action(async (file: string) => {
      const { mkdir } = require('node:fs/promises') as typeof import('node:fs/promises');
      const { writeWorkflowBundle } = require('../../worker/bundle') as typeof import('../../worker/bundle');
      await mkdir(require('node:path').dirname(file), { recursive: true });
      const bytes = await writeWorkflowBundle(file);
      out(`${file}: ${Math.round(bytes / 1024)} KiB (set WORKFLOW_BUNDLE_PATH=${file})`);
    });

  const schedules = program.command('schedules').description('Temporal Schedules (the daily retention sweep)');
  schedules
    .command('apply')
    .description('create or update the retention sweep schedule of TEMPORAL_TASK_QUEUE (TEMPORAL_ADDRESS)')
    .action(async () => {
      if (!env.TEMPORAL_ADDRESS) throw new CliError('TEMPORAL_ADDRESS is not set (host:port of the Temporal frontend)');
      const { Client, Connection } = require('@temporalio/client') as typeof import('@temporalio/client');
      const { ensureRetentionSchedule, retentionScheduleId, RETENTION_CRON } =
        require('../../worker/schedules') as typeof import('../../worker/schedules');
      const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
      try {
        const client = new Client({ connection, namespace: env.TEMPORAL_NAMESPACE || 'default' });
        const taskQueue = env.TEMPORAL_TASK_QUEUE || 'dsar';
        const result = await ensureRetentionSchedule(client, taskQueue);
        out(`${retentionScheduleId(taskQueue)} ${result} (cron "${RETENTION_CRON}", UTC, task queue ${taskQueue})`);
      } finally {
        await connection.close();
      }
    });
}
