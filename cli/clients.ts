// What the client commands talk to: the HTTP API (callApi) and the engine database (withEngineDb).
// Both turn expected failures into one-line CliErrors.
import { CliError, describeError, networkCode, networkReason } from './errors';

type Env = Record<string, string | undefined>;

const HTTP_TIMEOUT_MS = 30_000;

export async function withEngineDb<T>(env: Env, run: (db: import('pg').Pool) => Promise<T>): Promise<T> {
  const url = env.DATABASE_URL;
  if (!url)
    throw new CliError(
      'DATABASE_URL is not set: point it at the engine database (with `npm start`: postgres://postgres:dsar-local@127.0.0.1:5433/dsar_engine)',
    );
  const { createPool } = require('../records/pool') as typeof import('../records/pool');
  const db = createPool(url, {
    statementTimeoutMs: 60_000,
    lockTimeoutMs: 10_000,
    connectTimeoutMs: 10_000,
    max: 2,
    clientReadTimeout: true,
  });
  try {
    return await run(db);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(describeError(e, { databaseUrl: url, databaseUrlName: 'DATABASE_URL' }));
  } finally {
    await db.end().catch(() => undefined);
  }
}

export async function callApi(
  base: string,
  method: 'GET' | 'POST',
  route: string,
  body: unknown,
  headers: Record<string, string>,
  err: (text: string) => void,
): Promise<unknown> {
  let url: URL;
  try {
    url = new URL(route, base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new CliError(`not a valid API URL: ${base} (--api or DSAR_API_URL)`);
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
    });
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw new CliError(`the API at ${base} did not answer within ${HTTP_TIMEOUT_MS / 1000} s`);
    const code = networkCode(e);
    const hint = code === 'ECONNREFUSED' ? ': is it running? (`npm start`, or set --api / DSAR_API_URL)' : '';
    throw new CliError(`cannot reach the API at ${base} (${code ? networkReason(code) : describeError(e)})${hint}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: shown as text */
  }
  if (!res.ok) {
    err(`HTTP ${res.status} ${res.statusText}`);
    err(typeof parsed === 'string' ? parsed : JSON.stringify(parsed, null, 2));
    throw new CliError(null, 1);
  }
  return parsed;
}
