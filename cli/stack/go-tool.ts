// Tools the stack and the tests run, built once from their Go modules into .tools/bin (a
// fresh machine needs only Go): the Temporal CLI (dev server) and MinIO (S3-compatible server).
import { spawnSync } from 'node:child_process';
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

/**
 * `go install <pkg>@<version>` into .tools/bin, trying each version in turn (a later one may
 * carry a `replace` directive `go install` refuses); the first that builds wins.
 */
export async function goInstall(opts: { binary: string; pkg: string; versions: string[]; label: string; log: (line: string) => void }) {
  await mkdir(TOOLS_BIN, { recursive: true });
  const failures: string[] = [];
  for (const version of opts.versions) {
    opts.log(`Building ${opts.label} ${version} once with go install (a few minutes)…`);
    const r = spawnSync('go', ['install', `${opts.pkg}@${version}`], {
      env: { ...process.env, GOBIN: TOOLS_BIN, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'pipe'],
      encoding: 'utf8',
    });
    const built = path.join(TOOLS_BIN, opts.binary);
    if (r.status === 0 && existsSync(built)) return built;
    failures.push(`${version}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  }
  throw new MissingToolError(`Could not build ${opts.label}:\n  ${failures.join('\n  ')}`);
}
