// `dsar datamap …`: the data map's own tools. `init` drafts a map from a live schema; `check`
// checks a map against its live stores (the worker runs the same check at start). The group is
// built here so further subcommands sit beside these.
import { Command } from 'commander';
import { CliError } from '../errors';
import type { CommandContext } from './context';

export function buildDatamapCommand({ out, env }: CommandContext): Command {
  const group = new Command('datamap').description('draft a data map from a live schema, and check one against the live stores');

  group
    .command('init')
    .description('introspect a live PostgreSQL or MySQL schema and print a commented draft data map (every guess marked)')
    .requiredOption('--url <url>', 'postgres://… or mysql://… of the product database (read only; never written to the map)')
    .option('--identity-table <table>', 'the table a subject is found in by e-mail (guessed when not given)')
    .option('--store <name>', 'the store name in the map', 'app_db')
    .option('--url-env <variable>', 'the environment variable the map reads the URL from (default: <STORE>_URL)')
    .option('--out <file>', 'write the draft to this file instead of printing it')
    .action(async (o: { url: string; identityTable?: string; store: string; urlEnv?: string; out?: string }) => {
      const { draftFromUrl } = require('../datamap-tools') as typeof import('../datamap-tools');
      const text = await draftFromUrl(o.url, {
        store: o.store,
        urlVariable: o.urlEnv ?? `${o.store.toUpperCase()}_URL`,
        identityTable: o.identityTable,
      });
      if (o.out) {
        const { writeFile } = require('node:fs/promises') as typeof import('node:fs/promises');
        await writeFile(o.out, text);
        out(`${o.out}: draft data map written; fill every TODO, confirm every GUESS, then run dsar datamap check`);
      } else {
        out(text.replace(/\n$/, ''));
      }
    });

  group
    .command('check')
    .description('check the data map (DATAMAP_PATH) against the live stores; exit 1 on errors')
    .option('--json', 'print the result as JSON (for CI)')
    .option('--map <files>', 'the data map files (default: DATAMAP_PATH)')
    .action(async (o: { json?: boolean; map?: string }) => {
      const spec = o.map ?? env.DATAMAP_PATH;
      if (!spec) throw new CliError('no data map: set DATAMAP_PATH or pass --map <file>');
      const { checkMapFiles, formatCheck } = require('../datamap-tools') as typeof import('../datamap-tools');
      const result = await checkMapFiles(spec, env);
      out(o.json ? JSON.stringify(result, null, 2) : formatCheck(result));
      if (result.errors.length) throw new CliError(null, 1);
    });

  return group;
}
