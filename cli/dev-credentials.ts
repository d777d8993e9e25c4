// What `dsar dev` hands a new user so that every part works at once: the secrets it generated
// (kept in the data folder, reused on every start, an exported variable wins), a ready admin key
// for the dashboard, dev-friendly limits on loopback, and the demo accounts as the database has them.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Pool } from 'pg';
import { createAdminKey, findAdminKey } from '../api/admin-keys';
import type { DemoAccount } from '../demo/seed';
import type { Env } from './dev-env';

export interface KeptSecret {
  secret: string;
  /** Where it came from: the variable's name, or the file (with " (new)" when just generated). */
  source: string;
}

const shown = (file: string) => path.relative(process.cwd(), file) || file;

/** `envName` from the environment, else generated once into `<dataDir>/<fileName>` (mode 600) and reused. */
export async function keptSecret(env: Env, dataDir: string, envName: string, fileName: string): Promise<KeptSecret> {
  const fromEnv = env[envName];
  if (fromEnv) return { secret: fromEnv, source: envName };
  const file = path.join(dataDir, fileName);
  if (existsSync(file)) {
    const secret = (await readFile(file, 'utf8')).trim();
    if (secret.length < 32) throw new Error(`${file} holds no usable secret (under 32 characters): delete it to generate a new one`);
    await chmod(file, 0o600);
    return { secret, source: shown(file) };
  }
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, source: `${shown(file)} (new)` };
}

/**
 * The dashboard's admin key: the one kept in `<dataDir>/admin-key` while the engine database still
 * knows it (and it is not revoked), else a new one, created and kept there.
 */
export async function devAdminKey(engineUrl: string, dataDir: string): Promise<{ key: string; source: string }> {
  const file = path.join(dataDir, 'admin-key');
  const db = new Pool({ connectionString: engineUrl, max: 1 });
  db.on('error', () => undefined);
  try {
    if (existsSync(file)) {
      const kept = (await readFile(file, 'utf8')).trim();
      if (kept && (await findAdminKey(db, kept))) return { key: kept, source: shown(file) };
    }
    const { key } = await createAdminKey(db, 'dsar-dev', 'admin');
    await writeFile(file, `${key}\n`, { mode: 0o600 });
    return { key, source: `${shown(file)} (new)` };
  } finally {
    await db.end();
  }
}

/** Intake limits for trying things on one machine: the production default (20 a day per address) runs out in minutes. */
export const DEV_LIMITS = { INTAKE_RATE_LIMIT_PER_DAY: '1000', VERIFY_ATTEMPTS_PER_HOUR: '300' } as const;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The dev limits the user has not set, when the API listens on loopback only (else none). */
export function devLimits(env: Env): Partial<Record<keyof typeof DEV_LIMITS, string>> {
  if (!LOOPBACK.has(env.HOST || '127.0.0.1')) return {};
  return Object.fromEntries(Object.entries(DEV_LIMITS).filter(([name]) => !env[name]));
}

/** The first accounts of the demo product database as they are now (renamed or deleted ones show so). */
export async function demoAccountsFromDb(appUrl: string, limit = 3): Promise<DemoAccount[]> {
  const db = new Pool({ connectionString: appUrl, max: 1 });
  db.on('error', () => undefined);
  try {
    const { rows } = await db.query<{ email: string; name: string; usage_rows: string }>(
      `SELECT a.email, a.name, (SELECT count(*) FROM usage_logs u WHERE u.account_id = a.id) AS usage_rows
         FROM accounts a WHERE a.deleted_at IS NULL ORDER BY a.id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ email: r.email, name: r.name, usageRows: Number(r.usage_rows) }));
  } finally {
    await db.end();
  }
}
