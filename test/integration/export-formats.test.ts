// EXPORT_FORMATS=csv: each database table is in the archive as CSV only, read once; the manifest
// lists exactly the files in the archive, and the mail names the one format it holds.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Manifest } from '../../activities/manifest';
import { downloadPathFrom, submitAndVerify, waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';
import { readZip } from '../support/zip';

let stack: Stack;
before(async () => {
  stack = await startStack({ config: { EXPORT_FORMATS: 'csv' } });
  await stack.startWorker();
});
after(async () => stack?.stop());

test('EXPORT_FORMATS=csv: tables as CSV only, the manifest and the mail say so', async () => {
  const email = 'bob@example.com';
  const id = await submitAndVerify(stack, 'export', email);
  await waitForStatus(stack, id, 'completed', 90_000);
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /ready/.test(m.subject));
  assert.match(mail.text, /database tables as CSV, other stores/);
  assert.doesNotMatch(mail.text, /JSON and CSV/);

  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
  assert.equal(res.statusCode, 200);
  const files = await readZip(res.rawPayload);
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
  const tables = manifest.collections.filter((c) => c.kind === 'postgres');
  assert.ok(tables.length >= 5);
  for (const c of tables) {
    assert.deepEqual(
      c.files.map((f) => f.name),
      [`data/${c.store}/${c.collection}.csv`],
      `${c.collection}: one CSV file`,
    );
  }
  // the manifest lists exactly the data files in the archive, each with its true digest
  const listed = manifest.collections.flatMap((c) => c.files);
  const dataFiles = [...files.keys()].filter((n) => n.startsWith('data/') || n.startsWith('files/'));
  assert.deepEqual(listed.map((f) => f.name).sort(), dataFiles.sort());
  for (const f of listed) assert.equal(createHash('sha256').update(files.get(f.name)!).digest('hex'), f.sha256, f.name);

  // rows counted from the CSV equal the product database's
  const {
    rows: [bob],
  } = await stack.db.appDb.query('SELECT id FROM accounts WHERE email = $1', [email]);
  const { rows } = await stack.db.appDb.query<{ n: string }>('SELECT count(*) AS n FROM usage_logs WHERE account_id = $1', [bob.id]);
  const usage = tables.find((c) => c.collection === 'usage_logs')!;
  const csvLines = files.get(`data/${usage.store}/usage_logs.csv`)!.toString().trimEnd().split('\n');
  assert.equal(csvLines.length - 1, Number(rows[0].n));
  assert.equal(usage.rows, Number(rows[0].n));
});
