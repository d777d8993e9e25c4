// Erasure benchmark: deleting one subject's N usage rows (default 1,000,000) among other
// subjects' rows, the engine's way (batches, each its own statement — in PostgreSQL sized by
// measurement from 10,000 up to 100,000 rows, the last one carrying the re-query proof) against one raw `DELETE … WHERE account_id = ?` of the same rows, measured
// in the same run on freshly seeded copies of the same data — in PostgreSQL (default) or in
// MariaDB (`--store mysql`).
//
//   npx tsx bench/erasure.ts [--rows 1000000] [--others 1000000] [--store postgres|mysql]
//
// Target (issue): engine rows/s ≥ 0.5 × raw rows/s, no statement over 1 s.
import { createTransport } from 'nodemailer';
import type { ActivityDeps } from '../activities/deps';
import { eraseTarget } from '../activities/erase';
import { closeMysqlPools } from '../activities/stores/mysql';
import { closeStorePools } from '../activities/stores/postgres';
import { addUsageRows } from '../demo/seed';
import { parseDataMap } from '../schemas/datamap';
import { compileDataMap, type Target } from '../schemas/datamap-graph';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { arg, rate, seconds, startBenchDb, timedMs, type BenchDb } from './lib';
import { benchConfig, printDeleteTargets, runBench } from './lib';
import { addMysqlUsageRows, MYSQL_STORE, MYSQL_STORE_YAML, startBenchMysql } from './mysql';

const NEIGHBOURS = 100;
const REQUEST_ID = '00000000-0000-4000-8000-000000000001';

/** How one store kind is seeded, deleted raw, and where the engine finds the subject. */
interface Subject {
  target: Target;
  /** Appends the subject's N rows (after the others', in time order) and tidies up statistics. */
  reseed(): Promise<void>;
  /** The raw single statement; rows it deleted. */
  rawDelete(): Promise<number>;
  /** Rows of the other subjects, which must survive. */
  othersLeft(): Promise<number>;
}

async function postgresSubject(db: BenchDb, rows: number, others: number): Promise<Subject & { accountId: string }> {
  const {
    rows: [subject],
  } = await db.app.query("INSERT INTO accounts (email, name) VALUES ('bench@example.com', 'Bench') RETURNING id");
  const { rows: neighbours } = await db.app.query(
    `INSERT INTO accounts (email, name) SELECT 'n' || g || '@example.net', 'N' FROM generate_series(1, ${NEIGHBOURS}) g RETURNING id`,
  );
  for (const n of neighbours) await addUsageRows(db.app, n.id, Math.floor(others / NEIGHBOURS));
  return {
    accountId: String(subject.id),
    target: { store: 'app_db', collection: 'usage_logs', kind: 'postgres' },
    async reseed() {
      await db.app.query(
        `INSERT INTO usage_logs (account_id, ts, method, endpoint, status, latency_ms, ip, user_agent)
         SELECT $1, now() - make_interval(secs => (($2::int - g)::double precision * 120 * 86400 / $2::int)),
                'GET', '/v1/charts', 200, g % 400, ('10.0.' || (g % 250) || '.1')::inet, 'curl/8.5.0'
         FROM generate_series(1, $2::int) g`,
        [subject.id, rows],
      );
      await db.app.query('VACUUM ANALYZE usage_logs');
    },
    rawDelete: async () => (await db.app.query('DELETE FROM usage_logs WHERE account_id = $1', [subject.id])).rowCount ?? 0,
    othersLeft: async () =>
      (await db.app.query('SELECT count(*)::int AS n FROM usage_logs WHERE account_id <> $1', [subject.id])).rows[0].n as number,
  };
}

async function mysqlSubject(rows: number, others: number): Promise<Subject & { url: string; stop(): Promise<void> }> {
  const my = await startBenchMysql();
  const accountId = '1';
  for (let n = 2; n < 2 + NEIGHBOURS; n++) await addMysqlUsageRows(my.root, n, Math.floor(others / NEIGHBOURS));
  const count = async (sql: string) => Number(((await my.root.query(sql, [accountId]))[0] as { n: number }[])[0].n);
  return {
    url: my.server.url,
    stop: my.stop,
    target: { store: MYSQL_STORE, collection: 'usage_logs', kind: 'mysql' },
    reseed: () => addMysqlUsageRows(my.root, accountId, rows),
    rawDelete: async () => {
      const [r] = await my.root.query('DELETE FROM usage_logs WHERE account_id = ?', [accountId]);
      return (r as { affectedRows: number }).affectedRows;
    },
    othersLeft: () => count('SELECT COUNT(*) AS n FROM usage_logs WHERE account_id <> ?'),
  };
}

async function main() {
  const rows = arg('rows', 1_000_000);
  const others = arg('others', 1_000_000);
  const store = process.argv.includes('--store') ? process.argv[process.argv.indexOf('--store') + 1] : 'postgres';
  if (store !== 'postgres' && store !== 'mysql') throw new Error('--store is postgres or mysql');
  const db = await startBenchDb();
  let stopMysql = async () => undefined as unknown;
  try {
    const demoMap = readFileSync(path.join(__dirname, '..', 'demo', 'datamap.yml'), 'utf8');
    const t0 = performance.now();
    let subject: Subject;
    let env: Record<string, string> = { APP_DATABASE_URL: db.appUrl };
    let subjectValue: string;
    if (store === 'mysql') {
      const my = await mysqlSubject(rows, others);
      stopMysql = my.stop;
      subject = my;
      subjectValue = '1';
      env = { ...env, BENCH_MYSQL_URL: my.url };
    } else {
      const pg = await postgresSubject(db, rows, others);
      subject = pg;
      subjectValue = pg.accountId;
    }
    console.log(
      `seeded ${others.toLocaleString('en-US')} rows of ${NEIGHBOURS} other subjects in ${seconds(performance.now() - t0)} s (${store})`,
    );

    const deps: ActivityDeps = {
      engineDb: db.engine,
      dataMap: compileDataMap(parseDataMap(store === 'mysql' ? `${demoMap}\n${MYSQL_STORE_YAML}` : demoMap, env)),
      mailer: createTransport({ jsonTransport: true }),
      config: benchConfig(),
    };
    await db.engine.query(
      `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at) VALUES ($1, 'deletion', 'admin', 'in_progress', 'bench@example.com', 'h', now(), now())`,
      [REQUEST_ID],
    );
    await db.engine.query(
      `INSERT INTO subject_identities (request_id, store, collection, column_name, value) VALUES ($1, $2, $3, 'account_id', $4)`,
      [REQUEST_ID, subject.target.store, subject.target.collection, subjectValue],
    );

    const raw: number[] = [];
    const engine: { ms: number; longest: number; statements: number; eraseMs: number; proofMs: number }[] = [];
    const othersKept = others - (others % NEIGHBOURS);
    for (let round = 0; round < 2; round++) {
      await subject.reseed();
      const r = await timedMs(() => subject.rawDelete());
      if (r.value !== rows) throw new Error(`raw DELETE removed ${r.value}`);
      raw.push(r.ms);
      await subject.reseed();
      const e = await timedMs(() => eraseTarget(deps, REQUEST_ID, subject.target));
      if (e.value.deleted !== rows && round === 0) throw new Error(`engine erased ${e.value.deleted}`);
      if (e.value.remainingDue !== 0) throw new Error('rows remained after erasure');
      engine.push({
        ms: e.ms,
        longest: e.value.longestStatementMs,
        statements: e.value.statements ?? 0,
        eraseMs: e.value.eraseMs ?? e.ms,
        proofMs: e.value.proofMs ?? 0,
      });
      if ((await subject.othersLeft()) !== othersKept) throw new Error("a neighbour's rows were touched");
    }
    const rawMs = Math.min(...raw);
    const best = engine.reduce((a, b) => (b.ms < a.ms ? b : a));
    const longest = Math.max(...engine.map((e) => e.longest));
    const ratio = rawMs / best.ms;
    const eraseRatio = rawMs / best.eraseMs;
    console.log('');
    console.log(`erasing ${rows.toLocaleString('en-US')} usage rows of one subject in ${store} (best of 2 rounds each)`);
    console.log(`  raw DELETE (one statement)      ${seconds(rawMs).padStart(7)} s   ${rate(rows, rawMs).padStart(12)} rows/s`);
    console.log(
      `  engine deletes (batched)         ${seconds(best.eraseMs).padStart(6)} s   ${rate(rows, best.eraseMs).padStart(12)} rows/s   ${best.statements} statements`,
    );
    console.log(
      `  engine re-query proof            ${seconds(best.proofMs).padStart(6)} s   (counts what is left, 0 required${store === 'postgres' ? '; in the last statement' : ''})`,
    );
    console.log(`  engine activity, end to end      ${seconds(best.ms).padStart(6)} s   ${rate(rows, best.ms).padStart(12)} rows/s`);
    console.log(`  ratio incl. proof/raw           ${ratio.toFixed(2)}×`);
    printDeleteTargets(eraseRatio, longest, rawMs, 'ratio engine deletes/raw');
  } finally {
    await closeStorePools();
    await closeMysqlPools();
    await stopMysql();
    await db.stop();
  }
}

runBench(main);
