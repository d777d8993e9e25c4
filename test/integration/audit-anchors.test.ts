// Anchors of the audit chain's head against a real PostgreSQL: removing the tail of the chain as a
// superuser (session_replication_role = replica skips the append-only triggers) leaves a chain that
// links up, and only the signed anchor outside audit_events tells; a forged anchor fails its signature.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { auditAnchorSecret, signAuditAnchor } from '../../lib/audit-anchor';
import { writeAuditAnchor } from '../../records/audit-anchors';
import { appendAudit, verifyAuditChain } from '../../records/audit-events';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { startDatabases, type Databases } from '../support/stack';

let db: Databases;
before(async () => {
  db = await startDatabases({ extraAccounts: 0, usagePerExtraAccount: 0 });
});
after(async () => db?.stop());

const secret = auditAnchorSecret({ SIGNING_SECRET: 's'.repeat(32) });
const append = (key: string) =>
  appendAudit(db.engineDb, { eventKey: key, actor: 'test', action: AUDIT_ACTIONS.retentionSweep, details: { n: 1 } });
const verify = () => verifyAuditChain(db.engineDb, 5000, { anchorSecret: secret });

/** Runs `sql` as the superuser with triggers off, as an attacker with those rights would. */
async function asReplica(sql: string, params: unknown[] = []): Promise<void> {
  const client = await db.engineDb.connect();
  try {
    await client.query('SET session_replication_role = replica');
    await client.query(sql, params);
  } finally {
    await client.query('SET session_replication_role = origin');
    client.release();
  }
}

test('a chain that reaches its last anchor verifies, and audit_anchors is append-only', async () => {
  assert.equal(await writeAuditAnchor(db.engineDb, secret), null, 'nothing to anchor in an empty trail');
  for (let i = 1; i <= 10; i++) await append(`a-${i}`);
  const first = await writeAuditAnchor(db.engineDb, secret);
  assert.equal(first!.seq, 10);
  await append('a-11');
  await append('a-12');
  const second = await writeAuditAnchor(db.engineDb, secret);
  assert.equal(second!.seq, 12);
  const report = await verify();
  assert.equal(report.ok, true, JSON.stringify(report));
  assert.equal(report.events, 12);
  assert.deepEqual(report.anchor, { seq: 12, hash: second!.hash, at: second!.at });
  await append('a-13'); // events after the last anchor are fine
  assert.equal((await verify()).ok, true);

  await assert.rejects(db.engineDb.query('UPDATE audit_anchors SET seq = 1'), /audit_anchors is append-only: UPDATE refused/);
  await assert.rejects(db.engineDb.query('DELETE FROM audit_anchors'), /audit_anchors is append-only: DELETE refused/);
  await assert.rejects(db.engineDb.query('TRUNCATE audit_anchors'), /audit_anchors is append-only: TRUNCATE refused/);
});

test('an anchor row written without the secret fails verification', async () => {
  const { rows } = await db.engineDb.query<{ hash: string }>('SELECT hash FROM audit_events WHERE seq = 13');
  const at = new Date().toISOString();
  const anchor = { seq: 13, hash: rows[0].hash, at };
  // signed with another secret: the right seq and hash, but not this deployment's signature
  const wrong = signAuditAnchor(auditAnchorSecret({ SIGNING_SECRET: 'x'.repeat(32) }), anchor);
  const {
    rows: [forged],
  } = await db.engineDb.query<{ id: string }>('INSERT INTO audit_anchors (seq, hash, at, signature) VALUES ($1, $2, $3, $4) RETURNING id', [
    anchor.seq,
    anchor.hash,
    at,
    wrong,
  ]);
  const report = await verify();
  assert.equal(report.ok, false);
  assert.equal(report.firstBroken!.seq, 13);
  assert.match(report.firstBroken!.reason, /^the anchor of seq 13 \(written .+\) has a signature that does not verify/);
  // a right signature moved to another time is forged too
  await asReplica('DELETE FROM audit_anchors WHERE id = $1', [forged.id]);
  await db.engineDb.query('INSERT INTO audit_anchors (seq, hash, at, signature) VALUES ($1, $2, $3, $4) RETURNING id', [
    anchor.seq,
    anchor.hash,
    new Date(Date.parse(at) + 1000).toISOString(),
    signAuditAnchor(secret, anchor),
  ]);
  assert.match((await verify()).firstBroken?.reason ?? '', /signature that does not verify/);
  await asReplica('DELETE FROM audit_anchors WHERE seq = 13');
  assert.equal((await verify()).ok, true, 'with the forged rows gone the chain verifies again');
});

test('the last events removed as a superuser with triggers off: verification names the missing range', async () => {
  await append('b-14');
  await append('b-15');
  const anchor = await writeAuditAnchor(db.engineDb, secret);
  assert.equal(anchor!.seq, 15);
  await asReplica('DELETE FROM audit_events WHERE seq >= 13');
  const { rows } = await db.engineDb.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events');
  assert.equal(rows[0].n, 12, 'the replica role went around the append-only trigger');

  // the links alone still hold: this is what the anchor is for
  assert.equal((await verifyAuditChain(db.engineDb)).ok, true);
  const report = await verify();
  assert.equal(report.ok, false);
  assert.equal(report.events, 12);
  assert.equal(report.firstBroken!.seq, 13);
  assert.equal(
    report.firstBroken!.reason,
    `events 13 to 15 are missing: the last anchor (seq 15, hash ${anchor!.hash.slice(0, 12)}…, ${anchor!.at}) is not in the chain`,
  );

  // and an event written in place of a removed one does not have the anchored hash
  await append('c-13');
  await append('c-14');
  await append('c-15');
  const rewritten = await verify();
  assert.equal(rewritten.ok, false);
  assert.deepEqual(rewritten.firstBroken?.seq, 15);
  assert.match(rewritten.firstBroken!.reason, /^event 15 does not have the hash of the last anchor \(seq 15, .*the chain was rewritten$/);
});
