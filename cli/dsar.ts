// The `dsar` command: the local stack, the processes, and a client for the API and the audit trail.
//   dsar dev | worker | api | migrate
//   dsar submit --type export --email a@b.c      dsar verify <id> <code>      dsar status <id>
//   dsar audit verify [--json]      dsar plan --email a@b.c      dsar admin-key create --name n
//   dsar schedules apply      dsar datamap init --url postgres://…      dsar datamap check [--json]
//   dsar datamap diff old.yml new.yml
// Expected failures print one line and exit 1; DSAR_DEBUG=1 adds the stack trace.
// Heavy modules (the Temporal worker, fastify, embedded PostgreSQL) load only for the commands
// that need them, so the client commands answer fast.
import { Command, CommanderError } from 'commander';
import { registerComplianceCommands } from './commands/compliance';
import { buildDatamapCommand } from './commands/datamap';
import type { Env } from './commands/context';
import { datamapDiffCommand } from './commands/datamap-diff';
import { registerAdminCommands, registerProcessCommands } from './commands/ops';
import { registerRequestCommands } from './commands/requests';
import { CliError, debugEnabled, describeError } from './errors';

export { formatStatus } from './format';

export interface CliIo {
  /** Normal output (default: stdout). Each call is one line or block, without the newline. */
  out?: (text: string) => void;
  /** Errors and hints (default: stderr). */
  err?: (text: string) => void;
  env?: Env;
}

export function buildProgram(io: CliIo = {}): Command {
  const out = io.out ?? ((text: string) => process.stdout.write(`${text}\n`));
  const err = io.err ?? ((text: string) => process.stderr.write(`${text}\n`));
  const env = io.env ?? process.env;

  const program = new Command('dsar')
    .description('dsar-engine: privacy-rights requests on Temporal + PostgreSQL')
    .version(require('../package.json').version as string)
    .showHelpAfterError('(run `dsar --help` for the commands)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out(s.replace(/\n$/, '')),
      writeErr: (s) => err(s.replace(/\n$/, '')),
    });

  // Registration order is the order `dsar --help` lists the commands in.
  const ctx = { out, err, env };
  registerProcessCommands(program, ctx); // dev, worker, api, migrate
  registerRequestCommands(program, ctx); // submit, verify, status, plan
  registerAdminCommands(program, ctx); // admin-key, bundle, schedules
  registerComplianceCommands(program, ctx); // report, audit
  // datamap init, check, diff: a group built on its own, given the program's error and output handling
  const datamap = buildDatamapCommand(ctx).addCommand(datamapDiffCommand(ctx));
  const inherit = (c: Command) => {
    c.copyInheritedSettings(program);
    c.commands.forEach(inherit);
  };
  inherit(datamap);
  program.addCommand(datamap);
  return program;
}

/** Runs the command line; resolves to the exit code (never exits the process itself). */
export async function main(argv: string[] = process.argv, io: CliIo = {}): Promise<number> {
  const err = io.err ?? ((text: string) => process.stderr.write(`${text}\n`));
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help, version and usage errors: commander has already printed them.
      return e.exitCode;
    }
    if (e instanceof CliError) {
      if (!e.reported) err(`dsar: ${e.message}`);
      return e.exitCode;
    }
    err(`dsar: ${describeError(e)}`);
    if (debugEnabled(io.env) && e instanceof Error && e.stack) err(e.stack);
    return 1;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`dsar: ${describeError(e)}\n`);
      process.exit(1);
    },
  );
}
