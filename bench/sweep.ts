// Retention sweep benchmark: M usage rows (default 10,000,000) of which E (default 3,000,000)
// are past the 90-day retention. The engine's sweep (batches of ≤ 10,000 rows, each its own
// statement, legal holds honoured) against one raw `DELETE … WHERE ts < now() - '90 days'` of
// the same rows, measured in the same run on the same data (re-inserted and vacuumed between).
//
//   npx tsx bench/sweep.ts [--rows 10000000] [--expired 3000000]
//
// Target (issue): engine rows/s ≥ 0.5 × raw rows/s, no statement over 1 s.
import { createTransport } from 'nodemailer';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ActivityDeps } from '../activities/deps';
import { closeStorePools } from '../activities/stores/postgres';
import { sweepCollection } from '../activities/sweep';
import { parseDataMap } from '../schemas/datamap';
import { compileDataMap } from '../schemas/datamap-graph';
import { arg, rate, seconds, startBenchDb, timedMs } from './lib';
import { benchConfig, printDeleteTargets, runBench } from './lib';

const ACCOUNTS = 1000;

async function main() {
  const total = arg('rows', 10_000_000);
  const expired = arg('expired', 3_000_000);
  const db = await startBenchDb();
  try {
    await db.app.query(`INSERT INTO accounts (email, name) SELECT 'n' || g || '@example.net', 'N' FROM generate_series(1, ${ACCOUNTS}) g`);
    // fresh rows: within the last 89 days; expired rows: 91 to 391 days old. Like real logs they
    // are appended in time order (a chunk's rows ascend in ts), across many accounts.
    const insert = (n: number, fromDays: number, spanDays: number) =>
      db.app.query(
        `INSERT INTO usage_logs (account_id, ts, method, endpoint, status, latency_ms, ip, user_agent)
         SELECT 1 + g % ${ACCOUNTS}, now() - make_interval(days => $2) - make_interval(secs => (($1::int - g)::double precision * $3 * 86400 / $1::int)),
                'GET', '/v1/charts', 200, g % 400, ('10.0.' || (g % 250) || '.1')::inet, 'curl/8.5.0'
         FROM generate_series(1, $1::int) g`,
        [n, fromDays, spanDays],
      );
    const seed = await timedMs(async () => {
      for (let done = 0; done < total - expired; done += 1_000_000) await insert(Math.min(1_000_000, total - expired - done), 0, 89);
    });
    const addExpired = async () => {
      for (let done = 0; done < expired; done += 1_000_000) await insert(Math.min(1_000_000, expired - done), 91, 300);
      await db.app.query('VACUUM ANALYZE usage_logs');
    };
    await addExpired();
    console.log(
      `seeded ${total.toLocaleString('en-US')} usage rows (${expired.toLocaleString('en-US')} expired) in ${seconds(seed.ms)} s + expired`,
    );

    const raw = await timedMs(() => db.app.query("DELETE FROM usage_logs WHERE ts < now() - interval '90 days'"));
    if (raw.value.rowCount !== expired) throw new Error(`raw DELETE removed ${raw.value.rowCount}`);
    await addExpired();

    const deps: ActivityDeps = {
      engineDb: db.engine,
      dataMap: compileDataMap(
        parseDataMap(readFileSync(path.join(__dirname, '..', 'demo', 'datamap.yml'), 'utf8'), { APP_DATABASE_URL: db.appUrl }),
      ),
      mailer: createTransport({ jsonTransport: true }),
      config: benchConfig(),
    };
    const engine = await timedMs(() => sweepCollection(deps, 'app_db', 'usage_logs'));
    const result = engine.value.find((r) => r.rule === 'retention')!;
    if (result.deleted !== expired) throw new Error(`engine swept ${result.deleted}`);
    const left = await db.app.query('SELECT count(*)::bigint AS n FROM usage_logs');
    if (Number(left.rows[0].n) !== total - expired) throw new Error('fresh rows were touched');

    const ratio = raw.ms / engine.ms;
    console.log('');
    console.log(`sweeping ${expired.toLocaleString('en-US')} expired of ${total.toLocaleString('en-US')} usage rows`);
    console.log(`  raw DELETE (one statement)      ${seconds(raw.ms).padStart(7)} s   ${rate(expired, raw.ms).padStart(12)} rows/s`);
    console.log(
      `  engine sweep (batches, ${result.statements} stmts) ${seconds(engine.ms).padStart(7)} s   ${rate(expired, engine.ms).padStart(12)} rows/s`,
    );
    printDeleteTargets(ratio, result.longestStatementMs, raw.ms);
  } finally {
    await closeStorePools();
    await db.stop();
  }
}

runBench(main);
