// What `dsar dev` prepares before starting anything: the ports (checked free up front), the
// signing secret (kept in the data folder), and the environment the worker and the API run with.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export type Env = Record<string, string | undefined>;

export interface DevPorts {
  api: number;
  pg: number;
  temporal: number;
  temporalUi: number;
  smtp: number;
  mailWeb: number;
}

function intFromEnv(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got ${JSON.stringify(raw)}`);
  return n;
}

/** The ports from the environment, with their defaults. */
export function devPorts(env: Env): DevPorts {
  return {
    api: intFromEnv(env, 'PORT', 3000),
    pg: intFromEnv(env, 'DSAR_PG_PORT', 5433),
    temporal: intFromEnv(env, 'DSAR_TEMPORAL_PORT', 7233),
    temporalUi: intFromEnv(env, 'DSAR_TEMPORAL_UI_PORT', 8233),
    smtp: intFromEnv(env, 'DSAR_SMTP_PORT', 1025),
    mailWeb: intFromEnv(env, 'DSAR_MAIL_WEB_PORT', 1080),
  };
}

async function assertPortFree(port: number, what: string, envName: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new Error(
      `port ${port} (${what}) is already in use: is another \`dsar dev\` running? ` + `Stop it, or choose another port with ${envName}.`,
    );
  }
}

/** Fails fast on a busy port, checking only the servers this run starts itself. */
export async function assertPortsFree(env: Env, ports: DevPorts, needEmbeddedPg: boolean): Promise<void> {
  const portChecks: Array<[number, string, string]> = [[ports.api, 'the API', 'PORT']];
  if (needEmbeddedPg)
    portChecks.push([ports.pg, 'PostgreSQL; a server left by a killed run shows in `pgrep -af .data/pg`', 'DSAR_PG_PORT']);
  if (!env.TEMPORAL_ADDRESS)
    portChecks.push([ports.temporal, 'Temporal', 'DSAR_TEMPORAL_PORT'], [ports.temporalUi, 'the Temporal UI', 'DSAR_TEMPORAL_UI_PORT']);
  if (!env.SMTP_URL)
    portChecks.push([ports.smtp, 'the mail catcher', 'DSAR_SMTP_PORT'], [ports.mailWeb, 'the mail inbox', 'DSAR_MAIL_WEB_PORT']);
  for (const [p, what, envName] of portChecks) await assertPortFree(p, what, envName);
}

/** The signing secret: from the environment, else generated once and kept in the data folder. */
export async function signingSecret(env: Env, dataDir: string): Promise<{ secret: string; source: string }> {
  if (env.SIGNING_SECRET) return { secret: env.SIGNING_SECRET, source: 'SIGNING_SECRET' };
  const file = path.join(dataDir, 'signing-secret');
  if (existsSync(file)) {
    const secret = (await readFile(file, 'utf8')).trim();
    if (secret.length < 32) throw new Error(`${file} holds no usable secret (under 32 characters): delete it to generate a new one`);
    await chmod(file, 0o600);
    return { secret, source: path.relative(process.cwd(), file) || file };
  }
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  return { secret, source: `${path.relative(process.cwd(), file) || file} (new)` };
}

/** The environment of the worker and the API: the user's, with what the stack provides on top. */
export function stackEnv(
  userEnv: Env,
  parts: {
    engineUrl: string;
    appUrl?: string;
    temporalAddress: string;
    smtpUrl: string;
    signingSecret: string;
    exportDir: string;
    dataMapPath: string;
    apiUrl: string;
    port: number;
  },
): Record<string, string> {
  const env: Record<string, string> = {
    ...(Object.fromEntries(Object.entries(userEnv).filter(([, v]) => v !== undefined)) as Record<string, string>),
    DATABASE_URL: parts.engineUrl,
    TEMPORAL_ADDRESS: parts.temporalAddress,
    SMTP_URL: parts.smtpUrl,
    SIGNING_SECRET: parts.signingSecret,
    EXPORT_DIR: parts.exportDir,
    DATAMAP_PATH: parts.dataMapPath,
    PUBLIC_BASE_URL: userEnv.PUBLIC_BASE_URL || parts.apiUrl,
    PORT: String(parts.port),
  };
  if (parts.appUrl) env.APP_DATABASE_URL = parts.appUrl;
  return env;
}
