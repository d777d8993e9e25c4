import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { appendAudit, verifyAuditChain } from '../../records/audit-events';
import { expireRecords } from '../../activities/record-keeping';
import { chainHash } from '../../lib/audit-chain';
import { Config } from '../../schemas/config';
import { startDatabases, type Databases } from '../support/stack';

let db: Databases;
before(async () => {
  db = await startDatabases({ extraAccounts: 0, usagePerExtraAccount: 0 });
});
after(async () => db?.stop());

const event = (key: string, n = 1) => ({
  eventKey: key,
  requestId: null,
  actor: 'test',
  action: AUDIT_ACTIONS.retentionSweep,
  details: { rows: n },
});

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

describe('record keeping', () => {
  test('after 24 months requests and their audit are removed, with a checkpoint that keeps the chain verifiable', async () => {
    const engine = db.engineDb;
    // a fresh trail whose first events are 25 months old (inserted with their hashes, as the engine would have)
    const client = await engine.connect();
    try {
      await client.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_truncate');
      await client.query('TRUNCATE audit_events');
      await client.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_truncate');
    } finally {
      client.release();
    }
    const old = new Date(Date.now() - 25 * 30 * 86_400_000);
    let prev = '0'.repeat(64);
    for (let seq = 1; seq <= 5; seq++) {
      const e = {
        seq,
        eventKey: `old-${seq}`,
        requestId: null,
        at: old.toISOString(),
        actor: 'test',
        action: AUDIT_ACTIONS.retentionSweep,
        store: null,
        collection: null,
        details: { n: seq },
      };
      const hash = chainHash(prev, e);
      await engine.query(
        'INSERT INTO audit_events (seq, event_key, request_id, at, actor, action, store, collection, details, prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)',
        [seq, e.eventKey, null, e.at, e.actor, e.action, null, null, e.details, prev, hash],
      );
      prev = hash;
    }
    await appendAudit(engine, event('recent-1'));
    const request = (completed: string) =>
      engine.query(
        `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, completed_at)
         VALUES (gen_random_uuid(), 'export', 'self_service', 'completed', 'x@example.com', 'h', now() - $1::interval, now(), now() - $1::interval) RETURNING id`,
        [completed],
      );
    const {
      rows: [gone],
    } = await request('25 months');
    const {
      rows: [kept],
    } = await request('23 months');
    await engine.query("INSERT INTO mail_outbox (key, request_id, kind, message_id) VALUES ('k-old', $1, 'x', 'm')", [gone.id]);
    // failed verification attempts: one past any code's lifetime, one recent (still counts)
    await engine.query(
      `INSERT INTO verification_attempts (request_id, client_key, at)
       VALUES ($1, 'old', now() - interval '7 days'), ($1, 'recent', now() - interval '5 minutes')`,
      [kept.id],
    );

    await assert.rejects(engine.query('DELETE FROM audit_events WHERE seq = 6'), /append-only/, 'young events stay protected');
    const deps = {
      engineDb: engine,
      config: Config.parse({ DATABASE_URL: 'x', TEMPORAL_ADDRESS: 'x', SMTP_URL: 'x', SIGNING_SECRET: 'x'.repeat(32) }),
    } as never;
    const results = await expireRecords(deps, 'test-run');
    assert.deepEqual(
      results.map((r) => [r.collection, r.deleted]),
      [
        ['requests', 1],
        ['audit_events', 5],
        ['verification_attempts', 1],
        ['inbox_messages', 0],
      ],
    );
    assert.deepEqual((await engine.query('SELECT client_key FROM verification_attempts WHERE request_id = $1', [kept.id])).rows, [
      { client_key: 'recent' },
    ]);
    const left = await engine.query('SELECT id FROM requests WHERE id = ANY($1)', [[gone.id, kept.id]]);
    assert.deepEqual(
      left.rows.map((r: { id: string }) => r.id),
      [kept.id],
    );
    assert.equal((await engine.query("SELECT count(*)::int AS n FROM mail_outbox WHERE key = 'k-old'")).rows[0].n, 0);
    const report = await verifyAuditChain(engine);
    assert.equal(report.ok, true, JSON.stringify(report));
    assert.equal(report.events, 2, 'the recent event and the checkpoint');
    // without its checkpoint the gap is reported
    const c2 = await engine.connect();
    try {
      await c2.query('ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_delete');
      await c2.query("DELETE FROM audit_events WHERE action = 'audit.expired'");
      await c2.query('ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_delete');
    } finally {
      c2.release();
    }
    const broken = await verifyAuditChain(engine);
    assert.equal(broken.ok, false);
    assert.match(broken.firstBroken!.reason, /no expiry checkpoint/);
  });
});
