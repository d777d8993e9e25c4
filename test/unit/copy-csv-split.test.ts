// The splitter of COPY's CSV output renders the same files however the bytes are cut into chunks
// (a quoted field, a doubled quote, a multibyte character or a line end split across two chunks).
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { CopyCsvSplitter, renderingOf } from '../../activities/stores/copy-csv-split';

// columns: id int4, note text, tags int[] (rendered by PostgreSQL: its to_json text follows as a 4th field)
const copyOutput = ['id,note,tags,to_json\n', '1,"a ""quoted"", word\nover two lines",{1},"[1]"\n', '2,ünï €,,\n', '3,"",{},"[]"\n'].join(
  '',
);
const columns = { names: ['id', 'note', 'tags'], renderings: [renderingOf(23, true), renderingOf(25, true), renderingOf(1007, true)] };

async function split(chunks: Buffer[]) {
  const json = new PassThrough();
  const csv = new PassThrough();
  const splitter = new CopyCsvSplitter(columns, json, csv);
  const [, j, c] = await Promise.all([pipeline(Readable.from(chunks), splitter), buffer(json), buffer(csv)]);
  return { json: j.toString(), csv: c.toString(), rows: splitter.rows };
}

test('JSON and CSV are rendered alike at every chunk boundary', async () => {
  const bytes = Buffer.from(copyOutput);
  const whole = await split([bytes]);
  assert.equal(whole.rows, 3);
  assert.deepEqual(JSON.parse(whole.json), [
    { id: 1, note: 'a "quoted", word\nover two lines', tags: [1] },
    { id: 2, note: 'ünï €', tags: null },
    { id: 3, note: '', tags: [] },
  ]);
  assert.equal(whole.csv, 'id,note,tags\n1,"a ""quoted"", word\nover two lines",{1}\n2,ünï €,\n3,"",{}\n');
  for (let cut = 1; cut < bytes.length; cut++) {
    const parts = await split([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(parts, whole, `cut at byte ${cut}`);
  }
  assert.deepEqual(await split([...bytes].map((b) => Buffer.from([b]))), whole);
});

test('COPY output that ends inside a row fails the read', async () => {
  await assert.rejects(split([Buffer.from('id,note,tags,to_json\n1,"open')]), /ended inside a row/);
});
