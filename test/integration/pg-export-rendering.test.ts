// The export reads a PostgreSQL collection once (one COPY in CSV) and renders the JSON in the
// worker: both files must be byte for byte what PostgreSQL itself gives — `row_to_json` over the
// sorted rows and `COPY … CSV HEADER` — for every kind of column and awkward value, under
// several time zones and a non-ISO DateStyle, and for each EXPORT_FORMATS choice.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, test } from 'node:test';
import { Pool } from 'pg';
import { exportCollectionFiles, type FileNames } from '../../activities/stores/postgres-export';
import type { ByteSource, ReadSink } from '../../activities/staging';
import type { PgCollection } from '../../activities/stores/sql';
import { startEmbeddedPostgres, type EmbeddedPg } from '../../cli/stack/postgres';
import { freePort } from '../support/ports';

let pg: EmbeddedPg;
let tmp: string;
let url: string;
const pools: Pool[] = [];

const entry = {
  store: 'app',
  collection: 'odd',
  kind: 'postgres',
  schema: 'public',
  table: 'odd',
  spec: { key: 'id' },
} as unknown as PgCollection;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'dsar-render-'));
  pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: await freePort(), fast: true });
  await pg.createDatabase('render');
  url = pg.url('render');
  const db = pool();
  await db.query(`
    CREATE TYPE mood AS ENUM ('ok', 'meh');
    CREATE TYPE pair AS (a int, b text);
    CREATE DOMAIN posint AS int CHECK (VALUE > 0);
    CREATE TABLE odd (
      id serial PRIMARY KEY, owner text, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8, num numeric, b bool,
      j json, jb jsonb, d date, ts timestamp, tz timestamptz, tm time, ttz timetz, iv interval, t text,
      vc varchar(20), ch char(5), u uuid, by bytea, ip inet, arr int[], tarr text[], m mood, pr pair,
      dom posint, mo money, "we,ird ""name""" text)`);
  const rows: string[] = [
    `(1, 'x', 1, -2, 9007199254740993, 1.5, 0.1, 1.50, true, '{"a": 1,\n "b": [true, null]}', '{"z":"\\"q\\"","a":[1,2.50]}', '2024-02-29', '2024-02-29 10:11:12.123456', '2024-02-29 10:11:12+00', '23:59:59.5', '10:00:00+05:30', '1 year 2 mons 3 days 04:05:06', 'plain', 'v', 'ab', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\\x00ff', '10.0.0.1/8', '{1,NULL,3}', '{"a,b","c\\"d",NULL}', 'ok', '(1,"x y")', 7, 12.34, 'w')`,
    `(2, 'x', NULL, NULL, NULL, 'NaN', 'Infinity', 'NaN', false, 'null', '[]', 'infinity', '-infinity', 'infinity', NULL, NULL, NULL, '', NULL, NULL, NULL, '', NULL, '{}', '{}', 'meh', NULL, NULL, NULL, '')`,
    `(3, 'x', 0, 0, -1, '-0', '1e300', '123456789012345678901234567890.000000001', NULL, NULL, NULL, '0044-03-15 BC', '0044-03-15 12:00:00 BC', '1850-06-01 12:00:00+00', '00:00:00', '00:00:00-03', '-1 days', E'quote " comma , newline \\n cr \\r tab \\t backslash \\\\ ctl \\x01 ünï €', 'a"b', ' ', NULL, NULL, '::1', NULL, NULL, NULL, '(,)', NULL, NULL, '"')`,
    `(4, 'x', NULL, NULL, NULL, '-Infinity', '-1.5e-7', '-0.0', NULL, '"s"', '"s"', '2024-01-01', '10000-01-01 00:00:00', '2024-07-01 00:00:00.5+02', NULL, NULL, NULL, '\\.', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
    `(5, 'y', 5, 5, 5, 5, 5, 5, true, '{}', '{}', NULL, NULL, NULL, NULL, NULL, NULL, 'other subject', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
  ];
  await db.query(`INSERT INTO odd VALUES ${rows.join(',\n')}`);
});

after(async () => {
  await Promise.all(pools.map((p) => p.end()));
  await pg?.stop();
  await rm(tmp, { recursive: true, force: true });
});

function pool(options = ''): Pool {
  const p = new Pool({ connectionString: url, max: 2, ...(options ? { options } : {}) });
  pools.push(p);
  return p;
}

/** A sink that keeps each file's bytes in memory. */
function memorySink(files: Map<string, string>): ReadSink {
  return {
    async write(name: string, source: ByteSource) {
      const data = await buffer(source as AsyncIterable<Buffer>);
      files.set(name, data.toString('utf8'));
      return { name, bytes: data.length, sha256: '' };
    },
    async sample() {},
  };
}

/** What PostgreSQL itself renders: row_to_json over the sorted rows, and COPY's CSV. */
async function expected(db: Pool, columns: string) {
  const select = `SELECT ${columns} FROM odd t WHERE t.owner = 'x' ORDER BY t.id`;
  const { rows } = await db.query<{ j: string }>(`SELECT row_to_json(s)::text AS j FROM (${select}) s`);
  const json = rows.length ? `[\n${rows.map((r) => r.j).join(',\n')}\n]\n` : '[]\n';
  const client = await db.connect();
  try {
    const { to } = await import('pg-copy-streams');
    const csv = (await buffer(client.query(to(`COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`)))).toString('utf8');
    return { json, csv, rows: rows.length };
  } finally {
    client.release();
  }
}

async function engine(db: Pool, names: FileNames, omit: string[] = []) {
  const files = new Map<string, string>();
  const preds = [{ column: 'owner', values: ['x'], caseInsensitive: false }];
  const out = await exportCollectionFiles(db, entry, preds as never, memorySink(files), names, omit);
  return { json: files.get('o.json'), csv: files.get('o.csv'), rows: out.rows, out };
}

for (const [label, options] of [
  ['UTC, DateStyle ISO', '-c TimeZone=UTC'],
  ['Asia/Kolkata (+05:30)', '-c TimeZone=Asia/Kolkata'],
  ['America/Sao_Paulo (-03)', '-c TimeZone=America/Sao_Paulo'],
  ['Europe/Amsterdam (LMT +00:19:32 in 1850)', '-c TimeZone=Europe/Amsterdam'],
  ['DateStyle SQL, DMY (dates rendered by PostgreSQL)', '-c DateStyle=SQL,DMY -c TimeZone=Europe/Berlin'],
] as const) {
  test(`one COPY gives the same JSON and CSV as row_to_json and COPY CSV: ${label}`, async () => {
    const db = pool(options);
    const want = await expected(db, 't.*');
    const got = await engine(db, { json: 'o.json', csv: 'o.csv' });
    assert.equal(got.rows, 4);
    assert.equal(got.json, want.json);
    assert.equal(got.csv, want.csv);
    assert.equal(JSON.parse(got.json!).length, 4);
  });
}

test('columns left out (never disclosed) are in neither file; only the formats asked for are written', async () => {
  const db = pool('-c TimeZone=UTC');
  const kept = (await db.query('SELECT * FROM odd LIMIT 0')).fields.map((f) => f.name).filter((n) => n !== 'j' && n !== 'arr');
  const want = await expected(db, kept.map((n) => `t."${n.replaceAll('"', '""')}"`).join(', '));
  const both = await engine(db, { json: 'o.json', csv: 'o.csv' }, ['j', 'arr']);
  assert.equal(both.json, want.json);
  assert.equal(both.csv, want.csv);

  const jsonOnly = await engine(db, { json: 'o.json' }, ['j', 'arr']);
  assert.equal(jsonOnly.json, want.json);
  assert.equal(jsonOnly.csv, undefined);
  assert.equal(jsonOnly.out.csv, undefined);
  const csvOnly = await engine(db, { csv: 'o.csv' }, ['j', 'arr']);
  assert.equal(csvOnly.csv, want.csv);
  assert.equal(csvOnly.json, undefined);
  assert.equal(csvOnly.rows, 4);
});

test('a subject with no rows gives an empty array and a header line', async () => {
  const db = pool();
  const files = new Map<string, string>();
  const out = await exportCollectionFiles(db, entry, [{ column: 'owner', values: ['nobody'] }] as never, memorySink(files), {
    json: 'o.json',
    csv: 'o.csv',
  });
  assert.equal(out.rows, 0);
  assert.equal(files.get('o.json'), '[]\n');
  assert.equal(files.get('o.csv')!.split('\n').length, 2);
  assert.match(files.get('o.csv')!, /^id,owner,/);
});
