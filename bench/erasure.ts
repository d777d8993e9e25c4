// Erasure benchmark: deleting one subject's N usage rows (default 1,000,000) among other
// subjects' rows, the engine's way (batches of ≤ 10,000 rows, each its own statement, then the
// re-query proof) against one raw `DELETE … WHERE account_id = $1` of the same rows, measured
// in the same run on freshly seeded, vacuumed copies of the same data.
//
//   npx tsx bench/erasure.ts [--rows 1000000] [--others 1000000]
//
// Target (issue): engine rows/s ≥ 0.5 × raw rows/s, no statement over 1 s.
import { createTransport } from 'nodemailer';
import type { ActivityDeps } from '../activities/deps';
import { eraseTarget } from '../activities/erase';
import { addUsageRows } from '../demo/seed';
import { parseDataMap } from '../schemas/datamap';
import { compileDataMap } from '../schemas/datamap-graph';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { closeStorePools } from '../activities/stores/postgres';
import { arg, rate, seconds, startBenchDb, timedMs } from './lib';
import { benchConfig, printDeleteTargets, runBench } from './lib';

async function main() {
  const rows = arg('rows', 1_000_000);
  const others = arg('others', 1_000_000);
  const db = await startBenchDb();
  try {
    const {
      rows: [subject],
    } = await db.app.query("INSERT INTO accounts (email, name) VALUES ('bench@example.com', 'Bench') RETURNING id");
    const { rows: neighbours } = await db.app.query(
      "INSERT INTO accounts (email, name) SELECT 'n' || g || '@example.net', 'N' FROM generate_series(1, 100) g RETURNING id",
    );
    const t = await timedMs(async () => {
      for (const n of neighbours) await addUsageRows(db.app, n.id, Math.floor(others / neighbours.length));
    });
    console.log(`seeded ${others.toLocaleString('en-US')} rows of 100 other subjects in ${seconds(t.ms)} s`);
    // Like real logs, a subject's rows are appended in time order (ts ascends with insertion).
    const reseed = async () => {
      await db.app.query(
        `INSERT INTO usage_logs (account_id, ts, method, endpoint, status, latency_ms, ip, user_agent)
         SELECT $1, now() - make_interval(secs => (($2::int - g)::double precision * 120 * 86400 / $2::int)),
                'GET', '/v1/charts', 200, g % 400, ('10.0.' || (g % 250) || '.1')::inet, 'curl/8.5.0'
         FROM generate_series(1, $2::int) g`,
        [subject.id, rows],
      );
      await db.app.query('VACUUM ANALYZE usage_logs');
    };

    const deps: ActivityDeps = {
      engineDb: db.engine,
      dataMap: compileDataMap(
        parseDataMap(readFileSync(path.join(__dirname, '..', 'demo', 'datamap.yml'), 'utf8'), { APP_DATABASE_URL: db.appUrl }),
      ),
      mailer: createTransport({ jsonTransport: true }),
      config: benchConfig(),
    };
    const requestId = '00000000-0000-4000-8000-000000000001';
    await db.engine.query(
      `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at) VALUES ($1, 'deletion', 'admin', 'in_progress', 'bench@example.com', 'h', now(), now())`,
      [requestId],
    );
    await db.engine.query(
      `INSERT INTO subject_identities (request_id, store, collection, column_name, value) VALUES ($1, 'app_db', 'usage_logs', 'account_id', $2)`,
      [requestId, String(subject.id)],
    );

    const raw: number[] = [];
    const engine: { ms: number; longest: number; deleted: number; eraseMs: number; proofMs: number }[] = [];
    for (let round = 0; round < 2; round++) {
      await reseed();
      const r = await timedMs(() => db.app.query('DELETE FROM usage_logs WHERE account_id = $1', [subject.id]));
      if (r.value.rowCount !== rows) throw new Error(`raw DELETE removed ${r.value.rowCount}`);
      raw.push(r.ms);
      await reseed();
      const e = await timedMs(() => eraseTarget(deps, requestId, { store: 'app_db', collection: 'usage_logs', kind: 'postgres' }));
      if (e.value.deleted !== rows && round === 0) throw new Error(`engine erased ${e.value.deleted}`);
      if (e.value.remainingDue !== 0) throw new Error('rows remained after erasure');
      engine.push({
        ms: e.ms,
        longest: e.value.longestStatementMs,
        deleted: e.value.deleted,
        eraseMs: e.value.eraseMs ?? e.ms,
        proofMs: e.value.proofMs ?? 0,
      });
      const left = await db.app.query('SELECT count(*)::int AS n FROM usage_logs WHERE account_id <> $1', [subject.id]);
      if (left.rows[0].n !== others - (others % neighbours.length)) throw new Error("a neighbour's rows were touched");
    }
    const rawMs = Math.min(...raw);
    const best = engine.reduce((a, b) => (b.ms < a.ms ? b : a));
    const longest = Math.max(...engine.map((e) => e.longest));
    const ratio = rawMs / best.ms;
    const eraseRatio = rawMs / best.eraseMs;
    console.log('');
    console.log(`erasing ${rows.toLocaleString('en-US')} usage rows of one subject (best of 2 rounds each)`);
    console.log(`  raw DELETE (one statement)      ${seconds(rawMs).padStart(7)} s   ${rate(rows, rawMs).padStart(12)} rows/s`);
    console.log(
      `  engine deletes (batches ≤10,000) ${seconds(best.eraseMs).padStart(6)} s   ${rate(rows, best.eraseMs).padStart(12)} rows/s`,
    );
    console.log(`  engine re-query proof            ${seconds(best.proofMs).padStart(6)} s   (counts what is left; 0 required)`);
    console.log(`  engine activity, end to end      ${seconds(best.ms).padStart(6)} s   ${rate(rows, best.ms).padStart(12)} rows/s`);
    console.log(`  ratio incl. proof/raw           ${ratio.toFixed(2)}×`);
    printDeleteTargets(eraseRatio, longest, rawMs, 'ratio engine deletes/raw');
  } finally {
    await closeStorePools();
    await db.stop();
  }
}

runBench(main);
