// `dsar datamap diff <old.yml> <new.yml>`: what changed between two versions of a data map, and
// both versions (the hash each request records). Several files of one map are joined like
// DATAMAP_PATH (`datamap.yml:examples/processors/stripe.yml`).
import { Command } from 'commander';
import { dataMapVersion, shortVersion } from '../../lib/datamap-version';
import { dataMapContent } from '../../schemas/datamap';
import { diffDataMaps, formatDataMapDiff } from '../../schemas/datamap-diff';
import { readDataMapFiles } from '../../schemas/datamap-load';
import { CliError } from '../errors';
import type { CommandContext } from './context';

async function contentOf(spec: string): Promise<unknown> {
  try {
    return dataMapContent(await readDataMapFiles(spec));
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

export function datamapDiffCommand({ out }: CommandContext): Command {
  return new Command('diff')
    .description('summarise what changed between two data maps: collections added and removed, changed actions, categories, retention')
    .argument('<old>', 'the data map before (files joined like DATAMAP_PATH)')
    .argument('<new>', 'the data map after')
    .option('--json', 'print the diff as JSON')
    .action(async (before: string, after: string, opts: { json?: boolean }) => {
      const [a, b] = await Promise.all([contentOf(before), contentOf(after)]);
      const diff = diffDataMaps(a, b);
      const versions = { from: dataMapVersion(a), to: dataMapVersion(b) };
      if (opts.json) {
        out(JSON.stringify({ versions, ...diff }, null, 2));
        return;
      }
      out(
        `data map ${shortVersion(versions.from)} → ${shortVersion(versions.to)}${versions.from === versions.to ? ' (same version)' : ''}`,
      );
      formatDataMapDiff(diff).forEach((line) => out(line));
    });
}
