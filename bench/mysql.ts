// The benchmarks' MariaDB side (`--store mysql`): a server of its own (test/support/mariadb.ts)
// with the demo's usage_logs table, rows seeded in time order, the data map entry that reaches it
// by account_id, and the raw export baseline (one streamed SELECT written as CSV into a ZIP).
import archiver from 'archiver';
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createConnection, type Connection } from 'mysql2';
import type { Connection as PromiseConnection } from 'mysql2/promise';
import { ZIP_LEVEL } from '../activities/export';
import { csvField } from '../activities/stores/row-formats';
import { startMariaDb, type MariaDbServer } from '../test/support/mariadb';
import type { RawRun } from './export-baseline';
import { coresBusy, cpuByGroup, cpuDelta, machineCpu } from './proc';

export const MYSQL_STORE = 'shop_db';

const USAGE_LOGS = `
CREATE TABLE usage_logs (
  id          BIGINT UNSIGNED PRIMARY KEY AUTO_INCREMENT,
  account_id  BIGINT NOT NULL,
  ts          DATETIME(6) NOT NULL,
  method      VARCHAR(10) NOT NULL,
  endpoint    VARCHAR(200) NOT NULL,
  status      SMALLINT NOT NULL,
  latency_ms  INT NOT NULL,
  ip          VARCHAR(45),
  user_agent  VARCHAR(200),
  KEY usage_logs_account_ts (account_id, ts),
  KEY usage_logs_ts (ts)
) ENGINE=InnoDB`;

/** Appended under `stores:` of the demo map: the subject's usage rows in MariaDB, found by the account id the demo's accounts provide. */
export const MYSQL_STORE_YAML = `
  ${MYSQL_STORE}:
    kind: mysql
    url: \${BENCH_MYSQL_URL}
    description: Usage logs kept in MariaDB
    collections:
      usage_logs:
        identity: { account_id: account_id }
        fields: { ts: { category: system.timestamps }, ip: { category: device.ip_address } }
        retention: { maxAge: P90D, timestamp: ts }
        onErasure: { action: delete }
`;

export interface BenchMysql {
  server: MariaDbServer;
  root: PromiseConnection;
  stop(): Promise<void>;
}

export async function startBenchMysql(): Promise<BenchMysql> {
  const server = await startMariaDb({ database: 'shop' });
  const root = await server.connect();
  await root.query(USAGE_LOGS);
  return {
    server,
    root,
    async stop() {
      await root.end();
      await server.stop();
    },
  };
}

/** `n` usage rows of one account over the last `spanDays` days, appended in time order (like real logs). */
export async function addMysqlUsageRows(root: PromiseConnection, accountId: string | number, n: number, spanDays = 120): Promise<void> {
  for (let done = 0; done < n; done += 1_000_000) {
    const chunk = Math.min(1_000_000, n - done);
    await root.query(
      `INSERT INTO usage_logs (account_id, ts, method, endpoint, status, latency_ms, ip, user_agent)
       SELECT ?, UTC_TIMESTAMP(6) - INTERVAL ((? - (seq + ?)) * ? * 86400 DIV ?) SECOND,
              ELT(1 + seq % 3, 'GET', 'POST', 'DELETE'), ELT(1 + seq % 4, '/v1/charts', '/v1/charts/render', '/v1/datasets', '/v1/usage'),
              ELT(1 + seq % 6, 200, 200, 200, 201, 400, 429), 5 + seq % 400,
              CONCAT('10.', ? % 250, '.', seq % 250, '.', seq % 7 + 1), ELT(1 + seq % 3, 'curl/8.5.0', 'chartkit-python/2.1', 'Mozilla/5.0')
       FROM seq_1_to_${chunk}`,
      [accountId, n, done, spanDays, n, accountId],
    );
  }
  await settle(root);
}

/** All usage rows, and the subject's. */
export async function mysqlUsageCounts(root: PromiseConnection, accountId: string): Promise<{ total: number; subject: number }> {
  const [rows] = await root.query('SELECT COUNT(*) AS total, SUM(account_id = ?) AS subject FROM usage_logs', [accountId]);
  const [r] = rows as { total: number | string; subject: number | string }[];
  return { total: Number(r.total), subject: Number(r.subject) };
}

/**
 * Waits until InnoDB has purged what earlier deletes left (the history list is short again) and
 * refreshes statistics: a clean table for the next measurement, as VACUUM ANALYZE gives PostgreSQL.
 */
export async function settle(root: PromiseConnection): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [[status]] = (await root.query('SHOW ENGINE INNODB STATUS')) as unknown as [{ Status: string }[]];
    const history = Number(/History list length (\d+)/.exec(status.Status)?.[1] ?? 0);
    if (history < 100 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await root.query('ANALYZE TABLE usage_logs');
}

const USAGE_COLUMNS = ['id', 'account_id', 'ts', 'method', 'endpoint', 'status', 'latency_ms', 'ip', 'user_agent'];

/** Usage rows as CSV lines, the raw way: a header, then each row as the driver gives it, fields quoted as needed, in 64 KB chunks. */
class RowsToCsv extends Transform {
  rows = 0;
  private pending = `${USAGE_COLUMNS.join(',')}\n`;
  constructor() {
    super({ writableObjectMode: true });
  }
  override _transform(row: unknown[], _enc: BufferEncoding, done: () => void): void {
    this.rows++;
    this.pending += `${row.map(csvField).join(',')}\n`;
    if (this.pending.length >= 65536) {
      this.push(this.pending);
      this.pending = '';
    }
    done();
  }
  override _flush(done: (err: null, out: string) => void): void {
    done(null, this.pending);
  }
}

/** The raw baseline: `SELECT * … ORDER BY id` streamed (text protocol) as CSV into a ZIP at the engine's level. */
export async function rawMysqlToZip(url: string, accountId: string, file: string): Promise<RawRun> {
  const conn: Connection = createConnection({ uri: url, dateStrings: true, supportBigNumbers: true, rowsAsArray: true });
  try {
    const cpu0 = cpuByGroup(0);
    const m0 = machineCpu();
    const t0 = performance.now();
    const archive = archiver('zip', { zlib: { level: ZIP_LEVEL } });
    const out = createWriteStream(file);
    archive.pipe(out);
    const csv = new RowsToCsv();
    const rows = conn.query('SELECT * FROM usage_logs WHERE account_id = ? ORDER BY id', [accountId]).stream();
    rows.once('error', (err) => csv.destroy(err));
    rows.pipe(csv);
    archive.append(csv, { name: 'usage_logs.csv' });
    await archive.finalize();
    await finished(out);
    const ms = performance.now() - t0;
    const cores = coresBusy(m0, machineCpu(), ms);
    return { ms, rows: csv.rows, bytes: (await stat(file)).size, cores, cpu: cpuDelta(cpu0, cpuByGroup(0)) };
  } finally {
    conn.end();
  }
}
