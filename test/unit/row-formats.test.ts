// The archive's JSON and CSV files for SQL stores whose driver yields rows as objects (MySQL).
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { RowsAsCsv, RowsAsJsonArray } from '../../activities/stores/row-formats';
import { durationSteps } from '../../schemas/duration';

const rows = [
  { id: 1, name: 'plain', note: null, blob: Buffer.from([0, 255]), doc: { a: [1, 'x'] } },
  { id: 2, name: 'a, "quoted"\nline', note: '', blob: null, doc: null },
];
const through = async (t: RowsAsJsonArray | RowsAsCsv, input: object[]) => (await buffer(Readable.from(input).pipe(t))).toString();

test('rows become a JSON array one row a line (binary as \\x hex), with the first rows kept as the sample', async () => {
  const json = new RowsAsJsonArray(1);
  const text = await through(json, rows);
  assert.equal(text.split('\n').length, 5, '[, two rows, ], and the final newline');
  assert.deepEqual(JSON.parse(text), [
    { id: 1, name: 'plain', note: null, blob: '\\x00ff', doc: { a: [1, 'x'] } },
    { id: 2, name: 'a, "quoted"\nline', note: '', blob: null, doc: null },
  ]);
  assert.equal(json.rows, 2);
  assert.deepEqual(json.sample, [JSON.parse(text)[0]]);
  assert.equal(await through(new RowsAsJsonArray(1), []), '[]\n');
});

test('rows become CSV as RFC 4180 quotes it: NULL empty, the empty string "", quotes doubled; a header even with no rows', async () => {
  const columns = () => ['id', 'name', 'note', 'blob', 'doc'];
  assert.equal(
    await through(new RowsAsCsv(columns), rows),
    'id,name,note,blob,doc\n1,plain,,\\x00ff,"{""a"":[1,""x""]}"\n2,"a, ""quoted""\nline","",,\n',
  );
  assert.equal(await through(new RowsAsCsv(columns), []), 'id,name,note,blob,doc\n');
});

test('a duration is added as calendar months, then seconds', () => {
  assert.deepEqual(durationSteps('P7Y'), { months: 84, seconds: 0 });
  assert.deepEqual(durationSteps('P1Y2M3DT4H5M6S'), { months: 14, seconds: 3 * 86400 + 4 * 3600 + 5 * 60 + 6 });
  assert.deepEqual(durationSteps('P2W'), { months: 0, seconds: 14 * 86400 });
});
