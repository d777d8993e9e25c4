// `npm start` / `dsar dev` as a command: starts the stack (cli/dev.ts), prints the banner, runs
// until Ctrl-C, then stops it in order.
import { formatBanner, seconds } from './dev-banner';
import { Aborted, startDevStack, type DevStack, type DevStackOptions } from './dev';
import { captureStopSignals } from './dev-shutdown';
import { debugEnabled, describeError } from './errors';
import { PROJECT_ROOT } from './stack/temporal';

/** `npm start`: starts the stack, prints the banner, runs until Ctrl-C. Resolves to the exit code. */
export async function runDevStack(opts: DevStackOptions = {}): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const env = opts.env ?? process.env;
  const signals = captureStopSignals(log);

  log(`dsar dev: starting the local stack (project ${opts.projectRoot ?? PROJECT_ROOT})`);
  let stack: DevStack;
  try {
    stack = await startDevStack({ ...opts, log, abort: signals.abort });
  } catch (err) {
    signals.release();
    if (err instanceof Aborted) {
      log('stopped before the stack was ready');
      return 0;
    }
    process.stderr.write(`dsar dev: ${describeError(err)}\n`);
    if (debugEnabled(env) && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
  // Libraries started since may have added handlers of their own.
  signals.reclaim();
  log(formatBanner(stack));

  const outcome = await Promise.race([signals.stopRequested.then(() => null), stack.failed]);
  if (outcome) process.stderr.write(`dsar dev: ${outcome.message}; stopping the rest\n`);
  const started = Date.now();
  await stack.stop();
  signals.release();
  log(`stopped (${seconds(Date.now() - started)})`);
  return outcome ? 1 : 0;
}
