import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appendAudit, verifyAuditChain } from '../../activities/audit';
import { startDatabases, type Databases } from '../support/stack';

let db: Databases;
before(async () => {
  db = await startDatabases({ extraAccounts: 0, usagePerExtraAccount: 0 });
});
after(async () => db?.stop());

const event = (key: string, n = 1) => ({ eventKey: key, requestId: null, actor: 'test', action: 'test.event', details: { rows: n } });

test('an event key is written once, however often the activity retries', async () => {
  const a = await appendAudit(db.engineDb, event('once'));
  const b = await appendAudit(db.engineDb, event('once'));
  assert.deepEqual(a, b);
  const { rows } = await db.engineDb.query("SELECT count(*)::int AS n FROM audit_events WHERE event_key = 'once'");
  assert.equal(rows[0].n, 1);
});

test('concurrent writers extend one unbroken chain', async () => {
  await Promise.all(Array.from({ length: 40 }, (_, i) => appendAudit(db.engineDb, event(`parallel-${i}`, i))));
  const report = await verifyAuditChain(db.engineDb);
  assert.equal(report.ok, true);
  assert.equal(report.events, 41);
});

test('the database refuses UPDATE, DELETE and TRUNCATE of audit events', async () => {
  await assert.rejects(db.engineDb.query("UPDATE audit_events SET actor = 'x' WHERE seq = 1"), /append-only: UPDATE refused/);
  await assert.rejects(db.engineDb.query('DELETE FROM audit_events WHERE seq = 1'), /append-only: DELETE refused/);
  await assert.rejects(db.engineDb.query('TRUNCATE audit_events'), /append-only: TRUNCATE refused/);
});

test('verification names the first altered event, and a removed one', async () => {
  // Someone with superuser rights goes around the trigger: the chain still tells.
  const client = await db.engineDb.connect();
  try {
    await client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
    await client.query(`UPDATE audit_events SET details = '{"rows": 999}' WHERE seq = 7`);
    await client.query(`UPDATE audit_events SET details = '{"rows": 998}' WHERE seq = 9`);
    let report = await verifyAuditChain(db.engineDb, 4);
    assert.equal(report.ok, false);
    assert.deepEqual(report.firstBroken, { seq: 7, reason: 'content does not match its hash (the event was altered)' });
    assert.equal(report.events, 6);

    await client.query('DELETE FROM audit_events WHERE seq >= 5');
    await appendAudit(db.engineDb, event('after-gap')); // seq 5 again, but chained to 4: fine
    await client.query('DELETE FROM audit_events WHERE seq = 3');
    report = await verifyAuditChain(db.engineDb);
    assert.deepEqual(report.firstBroken, { seq: 3, reason: 'event 3 is missing' });
  } finally {
    await client.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');
    client.release();
  }
});
