// A real MariaDB server (Debian's mariadb-server; MySQL's mysqld works too) as a process of its
// own: a data directory made by mariadb-install-db in a temp dir, TCP on 127.0.0.1 at a free
// port, its socket in the temp dir, no binary log. One database, and a user holding only the
// rights the README asks for (SELECT, UPDATE, DELETE); the tests create and seed tables as root.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createConnection, type Connection } from 'mysql2/promise';
import { stopChild } from '../../cli/stack/temporal';
import { freePort } from './ports';
import { systemUser } from './system-user';

export interface MariaDbServer {
  /** The engine's URL: mysql://dsar:…@127.0.0.1:port/<database>, SELECT, UPDATE and DELETE only. */
  url: string;
  /** Everything allowed (creating and seeding tables). */
  rootUrl: string;
  database: string;
  /** A root connection to the database, for the tests' own queries (dates as text, like the engine). */
  connect(): Promise<Connection>;
  stop(): Promise<void>;
}

const HINT = 'install it: apt-get install mariadb-server';
const find = (names: string[], dirs: string[]) => dirs.flatMap((d) => names.map((n) => path.join(d, n))).find((p) => existsSync(p)) ?? null;
const PATH_DIRS = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];

export async function startMariaDb(opts: { database?: string } = {}): Promise<MariaDbServer> {
  const server = find(['mariadbd', 'mysqld'], PATH_DIRS);
  const installDb = find(['mariadb-install-db', 'mysql_install_db'], PATH_DIRS);
  if (!server || !installDb) throw new Error(`no mariadbd/mysqld and mariadb-install-db found (${HINT})`);
  const database = opts.database ?? 'legacy_db';
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dsar-mariadb-'));
  const dataDir = path.join(tmp, 'data');
  // mariadbd refuses to run as root: as root it runs as the package's `mysql` user, which then owns the temp dir
  const asRoot = os.userInfo().uid === 0;
  let user = os.userInfo().username;
  if (asRoot) {
    const mysqlUser = await systemUser('mysql');
    if (!mysqlUser) throw new Error(`the mysql system user is missing (${HINT})`);
    await chown(tmp, mysqlUser.uid, mysqlUser.gid);
    user = 'mysql';
  }
  const common = ['--no-defaults', `--datadir=${dataDir}`, `--user=${user}`];
  try {
    await promisify(execFile)(installDb, [...common, '--auth-root-authentication-method=normal', '--skip-test-db'], { timeout: 120_000 });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${(err as { stderr?: string }).stderr ?? (err as Error).message}`, { cause: err });
  }

  const port = await freePort();
  const errorLog = path.join(tmp, 'error.log');
  const child = spawn(
    server,
    [
      ...common,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${path.join(tmp, 'mysqld.sock')}`,
      `--pid-file=${path.join(tmp, 'mysqld.pid')}`,
      `--log-error=${errorLog}`,
      '--skip-log-bin',
      '--skip-name-resolve',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_general_ci',
      '--innodb-flush-log-at-trx-commit=2', // a test server: no fsync per commit
      '--innodb-buffer-pool-size=256M',
    ],
    { stdio: 'ignore' },
  );
  child.once('error', () => undefined);
  const stop = async () => {
    await stopChild(child, 20_000);
    await rm(tmp, { recursive: true, force: true });
  };

  const rootUrl = `mysql://root@127.0.0.1:${port}/${database}`;
  const root = await connectWhenReady(port, child, errorLog).catch(async (err: Error) => {
    await stop();
    throw err;
  });
  const password = `pw-${path.basename(tmp).slice(-6)}`;
  try {
    await root.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
    await root.query(`CREATE USER 'dsar'@'127.0.0.1' IDENTIFIED BY ?`, [password]);
    await root.query(`GRANT SELECT, UPDATE, DELETE ON \`${database}\`.* TO 'dsar'@'127.0.0.1'`);
  } finally {
    await root.end();
  }
  return {
    url: `mysql://dsar:${password}@127.0.0.1:${port}/${database}`,
    rootUrl,
    database,
    connect: async () => {
      const c = await createConnection({ uri: rootUrl, dateStrings: true, supportBigNumbers: true, multipleStatements: true });
      await c.query("SET time_zone = '+00:00'");
      return c;
    },
    stop,
  };
}

/** A root connection once the server accepts one; its error log when it exits or never does. */
async function connectWhenReady(port: number, child: ReturnType<typeof spawn>, errorLog: string): Promise<Connection> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      const log = await readFile(errorLog, 'utf8').catch(() => '');
      throw new Error(`mariadbd did not start (${HINT}); its log ends:\n${log.split('\n').slice(-15).join('\n')}`);
    }
    try {
      return await createConnection({ host: '127.0.0.1', port, user: 'root' });
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
