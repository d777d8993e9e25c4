// Tools the stack and the tests run, built once from their Go modules into .tools/bin (a
// fresh machine needs only Go): the Temporal CLI (dev server) and MinIO (S3-compatible server).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS_BIN = path.join(PROJECT_ROOT, '.tools', 'bin');

export function onPath(binary: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** `envVar`'s path, then the project's tool cache, then PATH. Null if none. */
export function findTool(binary: string, envVar: string): string | null {
  const fromEnv = process.env[envVar];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const cached = path.join(TOOLS_BIN, binary);
  if (existsSync(cached)) return cached;
  return onPath(binary);
}

export class MissingToolError extends Error {}

/** Seconds between progress lines while `go install` runs. */
const PROGRESS_EVERY_MS = 15_000;

/**
 * `go install <pkg>@<version>` into .tools/bin, trying each version in turn (a later one may
 * carry a `replace` directive `go install` refuses); the first that builds wins. A build from an
 * empty Go cache takes minutes: a progress line (packages compiled so far) every 15 s, then its end.
 */
export async function goInstall(opts: { binary: string; pkg: string; versions: string[]; label: string; log: (line: string) => void }) {
  await mkdir(TOOLS_BIN, { recursive: true });
  const failures: string[] = [];
  for (const version of opts.versions) {
    const started = Date.now();
    opts.log(`Building ${opts.label} ${version} once with go install (a few minutes; progress every ${PROGRESS_EVERY_MS / 1000} s)…`);
    // -v names each package as it is compiled (on stderr): the count is the progress shown
    const child = spawn('go', ['install', '-v', `${opts.pkg}@${version}`], {
      env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    let packages = 0;
    const lastLines: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        if (!line.startsWith('go: ')) packages++;
        lastLines.push(line);
        if (lastLines.length > 3) lastLines.shift();
      }
    });
    const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
    const progress = setInterval(
      () => opts.log(`  … still building ${opts.label}: ${packages} packages compiled (${elapsed()})`),
      PROGRESS_EVERY_MS,
    );
    const code = await new Promise<number | null>((resolve) => {
      child.once('error', () => resolve(null));
      child.once('close', resolve);
    });
    clearInterval(progress);
    const built = path.join(TOOLS_BIN, opts.binary);
    if (code === 0 && existsSync(built)) {
      opts.log(`  built ${opts.label} ${version} in ${elapsed()} (${packages} packages): ${built}`);
      return built;
    }
    opts.log(`  ${opts.label} ${version} did not build (${elapsed()})`);
    failures.push(`${version}: ${lastLines.join(' | ')}`);
  }
  throw new MissingToolError(`Could not build ${opts.label}:\n  ${failures.join('\n  ')}`);
}
