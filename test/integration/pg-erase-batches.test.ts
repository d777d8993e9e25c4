// A subject's deletion in PostgreSQL: rows due counted once before the first batch, batches sized
// by measurement along the (account_id, ts) index in two lanes, every batch reported as it
// commits, rows no lane covers (NULL ts) deleted by the last statement, which also carries the
// proof; a second run finds nothing and proves it again. Neighbours' rows are untouched.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Pool } from 'pg';
import { deleteSubjectRows } from '../../activities/stores/postgres-erase';
import { deleteInRanges } from '../../activities/stores/postgres-ranges';
import type { PgCollection } from '../../activities/stores/sql';
import { startEmbeddedPostgres, type EmbeddedPg } from '../../cli/stack/postgres';
import { freePort } from '../support/ports';

let pg: EmbeddedPg;
let tmp: string;
let db: Pool;
const entry = {
  store: 'app',
  collection: 'logs',
  kind: 'postgres',
  schema: 'public',
  table: 'logs',
  spec: { key: 'id' },
} as unknown as PgCollection;
const subject = (...ids: number[]) => [{ column: 'account_id', values: ids.map(String), caseInsensitive: false }] as never;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dsar-erase-'));
  pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: await freePort(), fast: true });
  await pg.createDatabase('erase');
  db = new Pool({ connectionString: pg.url('erase'), max: 4 });
  await db.query(`CREATE TABLE logs (id bigserial PRIMARY KEY, account_id int NOT NULL, ts timestamptz, note text);
    CREATE INDEX logs_account_ts ON logs (account_id, ts)`);
  await db.query(`INSERT INTO logs (account_id, ts, note)
    SELECT CASE WHEN g % 6 = 0 THEN 2 ELSE 1 END, now() - make_interval(secs => g), 'n' || g FROM generate_series(1, 30000) g`);
  await db.query(`INSERT INTO logs (account_id, ts, note) SELECT 1, NULL, 'no time' FROM generate_series(1, 150)`);
  await db.query('VACUUM ANALYZE logs');
});

after(async () => {
  await db?.end();
  await pg?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const count = async (account: number) =>
  Number((await db.query('SELECT count(*) AS n FROM logs WHERE account_id = $1', [account])).rows[0].n);

test('lanes, measured batches and the proof in the last statement', async () => {
  const due = await count(1);
  const neighbours = await count(2);
  assert.equal(due, 25_150);
  const started: number[] = [];
  const batches: number[] = [];
  const out = await deleteSubjectRows(db, entry, subject(1), {
    onStart: async (n) => void started.push(n),
    onBatch: async (n) => void batches.push(n),
  });
  assert.deepEqual(started, [due], 'the rows due are told once, before any batch');
  assert.equal(out.rows, due);
  assert.equal(
    batches.reduce((a, b) => a + b, 0),
    due,
    'every deleted row was reported by a batch',
  );
  assert.equal(batches.at(-1), 150, 'the last statement deleted the rows no lane covers (NULL ts)');
  assert.ok(out.statements >= batches.length);
  assert.equal(out.remaining, 0);
  assert.equal(await count(1), 0, 'the proof agrees with a count made afterwards');
  assert.equal(await count(2), neighbours);

  const again = await deleteSubjectRows(db, entry, subject(1), { onStart: async (n) => void started.push(n) });
  assert.equal(again.rows, 0);
  assert.equal(again.remaining, 0);
  assert.equal(started.at(-1), 0);
});

test('a subject matched by several values: plain batches of the size given, then the proof', async () => {
  const before = await count(2);
  const out = await deleteSubjectRows(db, entry, subject(2, 999), { batch: 1_000 });
  assert.equal(out.rows, before);
  assert.equal(out.remaining, 0);
  assert.ok(out.statements >= Math.ceil(before / 1_000), 'fixed batches of 1,000 when a batch size is given');
  assert.equal(await count(2), 0);
});

test('index ranges keep microseconds: 12,000 rows on one timestamp go with their range, nothing stalls', async () => {
  await db.query(`INSERT INTO logs (account_id, ts, note)
    SELECT 3, CASE WHEN g <= 12000 THEN '2026-01-01 00:00:00.123456+00'::timestamptz ELSE '2026-01-01'::timestamptz + make_interval(secs => g) END, 't'
    FROM generate_series(1, 15000) g`);
  const batches: number[] = [];
  const out = await deleteInRanges(db, entry, 't.account_id = ANY($1)', [['3']], 'ts', { onBatch: async (n) => void batches.push(n) });
  assert.equal(out.rows, 15_000);
  assert.equal(batches[0], 12_000, 'the tied rows are one range');
  assert.equal(await count(3), 0);
});
