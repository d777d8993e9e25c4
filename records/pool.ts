// Every PostgreSQL pool the engine opens (the engine database in the API, the worker and the CLI;
// the product stores' pools in the worker) is made here, so a lost connection and a database that
// stops answering are handled the same way everywhere:
// - the pool has an 'error' listener (an idle client's lost connection is dropped quietly and the
//   next query reconnects), and every client gets one as it connects, so a connection lost while
//   the client is checked out fails the query under way instead of becoming an unhandled 'error'
//   event that ends the process;
// - statements and lock waits are bounded on the server (statement_timeout, lock_timeout), a new
//   connection that is not up in time fails (connectionTimeoutMillis), and on pools that never
//   stream COPY (the engine database) a query the server never answers (a frozen host) is
//   abandoned on the client a little later (query_timeout). pg arms that client timer for COPY
//   streams too and never clears it, so product-store pools go without it: a long export would be
//   cut off, and a finished one would keep the process alive until the timer fired.
import { Pool, type PoolConfig } from 'pg';

export interface PoolOptions {
  /** Server-side limit of one statement, in milliseconds. */
  statementTimeoutMs: number;
  /** Server-side limit of one wait for a lock, in milliseconds. */
  lockTimeoutMs: number;
  /** Limit of opening a connection, in milliseconds. */
  connectTimeoutMs: number;
  max?: number;
  /** Abandon, on the client, a query the server has not answered by the statement timeout (+2 s). Not for pools that stream COPY. */
  clientReadTimeout?: boolean;
  /** Told (without the connection string) when a connection is lost. */
  onConnectionLost?: (message: string) => void;
}

/** How long after the server-side statement timeout the client gives up on an unanswered query. */
const CLIENT_GRACE_MS = 2_000;

export function poolConfig(url: string, opts: PoolOptions): PoolConfig {
  return {
    connectionString: url,
    max: opts.max ?? 10,
    statement_timeout: opts.statementTimeoutMs,
    lock_timeout: opts.lockTimeoutMs,
    query_timeout: opts.clientReadTimeout ? opts.statementTimeoutMs + CLIENT_GRACE_MS : undefined,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    keepAlive: true,
  };
}

export function createPool(url: string, opts: PoolOptions): Pool {
  const pool = new Pool(poolConfig(url, opts));
  const lost = (err: Error) => opts.onConnectionLost?.(err.message);
  pool.on('error', lost);
  pool.on('connect', (client) => {
    client.on('error', lost);
  });
  return pool;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown (pg_terminate_backend, a stopping server)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
  '53300', // too_many_connections
]);

const CONNECTION_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /^Query read timeout/,
  /Client has encountered a connection error and is not queryable/,
  /^Client was closed and is not queryable/,
];

/** Whether `err` says the database was unreachable, lost or too slow (worth retrying), not that the query was wrong. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
  return CONNECTION_MESSAGES.some((re) => re.test(err.message));
}
