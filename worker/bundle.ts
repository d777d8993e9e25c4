// Bundles the workflow code once, ahead of time (`dsar bundle`), so workers start without
// webpack in their process: faster starts and about 100 MB less memory per worker.
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { readFile, writeFile } from 'node:fs/promises';
import { WORKFLOWS_PATH } from './create';

export async function writeWorkflowBundle(file: string): Promise<number> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  await writeFile(file, code);
  return code.length;
}

/** The prebuilt bundle named by WORKFLOW_BUNDLE_PATH, if any. */
export async function loadWorkflowBundle(file: string | undefined): Promise<WorkflowBundle | undefined> {
  if (!file) return undefined;
  try {
    return { code: await readFile(file, 'utf8') };
  } catch (err) {
    throw new Error(`cannot read the workflow bundle at ${file} (WORKFLOW_BUNDLE_PATH): ${(err as Error).message}`, { cause: err });
  }
}
