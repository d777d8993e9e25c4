// Temporal's Java test server (time skipping), fetched from Maven Central, run through a small
// wrapper as the existing-path executable of TestWorkflowEnvironment.createTimeSkipping.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../cli/stack/temporal';

const LIB_DIR = path.join(PROJECT_ROOT, '.tools', 'temporal-test-server');
const WRAPPER = path.join(PROJECT_ROOT, '.tools', 'temporal-test-server.sh');
const POM = path.join(PROJECT_ROOT, 'test', 'support', 'java-test-server', 'pom.xml');

export function javaTestServer(): string {
  const hasJar = existsSync(LIB_DIR) && readdirSync(LIB_DIR).some((f) => f.startsWith('temporal-test-server-'));
  if (!hasJar) {
    const r = spawnSync('mvn', ['-q', '-f', POM, 'dependency:copy-dependencies'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('could not fetch io.temporal:temporal-test-server with Maven (is mvn installed?)');
  }
  // exec: the JVM must replace the shell, or it is orphaned when the SDK stops the server.
  writeFileSync(
    WRAPPER,
    `#!/bin/sh\nexec java -Xshare:auto -XX:TieredStopAtLevel=1 -cp '${LIB_DIR}/*' io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(WRAPPER, 0o755);
  return WRAPPER;
}

/**
 * The test server starts with time skipping unlocked, so any idle moment would jump to the
 * next timer or timeout; the SDK expects it locked and unlocks it only in `sleep` and while a
 * client awaits a result. Lock it at once so time moves only when a test says so.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: javaTestServer() }, extraArgs: ['--enable-time-skipping'] },
  });
  await env.connection.testService!.lockTimeSkipping({});
  return env;
}
