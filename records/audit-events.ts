// The audit_events table: the append-only, hash-chained audit trail. Events say what was done
// (counts, hashes, field names, legal basis), never the personal data itself.
import type { Pool } from 'pg';
import { chainedEventOf, chainHash, GENESIS_HASH, type AuditEventRow, type ChainedEvent } from '../lib/audit-chain';
import { AUDIT_ACTIONS, type AuditAction } from '../schemas/audit-actions';
import { checkAuditAnchors } from './audit-anchors';
import { inTransaction, type Queryable } from './db';

// One writer at a time extends the chain (a transaction-scoped advisory lock).
const AUDIT_CHAIN_LOCK = 7_311_002;

export interface AuditInput {
  /** Unique per logical event: a retried activity writes its event once. */
  eventKey: string;
  requestId?: string | null;
  actor: string;
  action: AuditAction;
  store?: string | null;
  collection?: string | null;
  details?: Record<string, unknown>;
}

export async function appendAudit(db: Pool, input: AuditInput): Promise<{ seq: number; hash: string }> {
  return inTransaction(db, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    const existing = await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_events WHERE event_key = $1', [
      input.eventKey,
    ]);
    if (existing.rows[0]) return { seq: Number(existing.rows[0].seq), hash: existing.rows[0].hash };
    const last = await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
    const prevHash = last.rows[0]?.hash ?? GENESIS_HASH;
    const event: ChainedEvent = {
      seq: last.rows[0] ? Number(last.rows[0].seq) + 1 : 1,
      eventKey: input.eventKey,
      requestId: input.requestId ?? null,
      at: new Date().toISOString(),
      actor: input.actor,
      action: input.action,
      store: input.store ?? null,
      collection: input.collection ?? null,
      details: input.details ?? {},
    };
    const hash = chainHash(prevHash, event);
    await client.query(
      `INSERT INTO audit_events (seq, event_key, request_id, at, actor, action, store, collection, details, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [
        event.seq,
        event.eventKey,
        event.requestId,
        event.at,
        event.actor,
        event.action,
        event.store,
        event.collection,
        event.details,
        prevHash,
        hash,
      ],
    );
    return { seq: event.seq, hash };
  });
}

export interface ChainReport {
  ok: boolean;
  events: number;
  lastHash: string;
  firstBroken?: { seq: number; reason: string };
  /** The last anchor the chain was checked against (when anchors were checked and one exists). */
  anchor?: { seq: number; hash: string; at: string };
}

export interface ChainRange {
  /** First event to check; its prev_hash is taken as given (the previous event's hash). */
  fromSeq?: number;
  toSeq?: number;
  /** The hash the first event must point back to (an expiry checkpoint's); else its own prev_hash. */
  anchor?: string;
  /**
   * The deployment's anchor secret: when given and the check runs to the head (no `toSeq`), the
   * chain must reach the last signed anchor in audit_anchors with its hash, and every anchor's
   * signature must verify. The CLI and the admin API always give it.
   */
  anchorSecret?: string;
}

/**
 * Recomputes the chain in seq order, streaming in pages; names the first broken link. The whole
 * chain starts from the genesis hash; a range starts from the stored prev_hash of its first event.
 * With `anchorSecret`, then checks the chain against its signed anchors (see ChainRange).
 */
export async function verifyAuditChain(db: Queryable, pageSize = 5000, range: ChainRange = {}): Promise<ChainReport> {
  const report = await verifyChainLinks(db, pageSize, range);
  if (!report.ok || range.anchorSecret === undefined || range.toSeq !== undefined) return report;
  const { last, forged } = await checkAuditAnchors(db, range.anchorSecret);
  if (forged)
    return {
      ...report,
      ok: false,
      firstBroken: {
        seq: forged.seq,
        reason: `the anchor of seq ${forged.seq} (written ${forged.at}) has a signature that does not verify: it was not written by this deployment`,
      },
    };
  if (!last) return report;
  const anchor = { seq: last.seq, hash: last.hash, at: last.at };
  const named = `the last anchor (seq ${last.seq}, hash ${last.hash.slice(0, 12)}…, ${last.at})`;
  const { rows } = await db.query<{ hash: string }>('SELECT hash FROM audit_events WHERE seq = $1', [last.seq]);
  if (!rows[0]) {
    const { rows: head } = await db.query<{ seq: string | null; oldest: string | null }>(
      'SELECT max(seq) AS seq, min(seq) AS oldest FROM audit_events',
    );
    // Expired by record keeping: the links check above has already matched the expiry checkpoint.
    if (head[0]?.oldest && last.seq < Number(head[0].oldest)) return { ...report, anchor };
    const firstMissing = head[0]?.seq ? Number(head[0].seq) + 1 : 1;
    const missing = firstMissing === last.seq ? `event ${last.seq} is` : `events ${firstMissing} to ${last.seq} are`;
    return {
      ...report,
      ok: false,
      anchor,
      firstBroken: { seq: Math.min(firstMissing, last.seq), reason: `${missing} missing: ${named} is not in the chain` },
    };
  }
  if (rows[0].hash !== last.hash)
    return {
      ...report,
      ok: false,
      anchor,
      firstBroken: { seq: last.seq, reason: `event ${last.seq} does not have the hash of ${named}: the chain was rewritten` },
    };
  return { ...report, anchor };
}

async function verifyChainLinks(db: Queryable, pageSize: number, range: ChainRange): Promise<ChainReport> {
  const from = Math.max(1, range.fromSeq ?? 1);
  const to = range.toSeq ?? Number.MAX_SAFE_INTEGER;
  let prevHash = GENESIS_HASH;
  if (range.fromSeq === undefined) {
    // After record-keeping expiry the chain starts later: from the hash its checkpoint recorded.
    const {
      rows: [first],
    } = await db.query<{ seq: string | null }>('SELECT min(seq) AS seq FROM audit_events');
    const oldest = first?.seq ? Number(first.seq) : 1;
    if (oldest > 1) {
      const { rows } = await db.query<{ hash: string }>(
        "SELECT details->>'hashThrough' AS hash FROM audit_events WHERE action = $2 AND (details->>'throughSeq')::bigint = $1 ORDER BY seq LIMIT 1",
        [oldest - 1, AUDIT_ACTIONS.auditExpired],
      );
      if (!rows[0])
        return {
          ok: false,
          events: 0,
          lastHash: prevHash,
          firstBroken: { seq: 1, reason: `events 1 to ${oldest - 1} are missing and no expiry checkpoint accounts for them` },
        };
      return verifyChainLinks(db, pageSize, { fromSeq: oldest, toSeq: range.toSeq, anchor: rows[0].hash });
    }
  }
  if (from > 1) {
    const { rows } = await db.query<{ prev_hash: string }>('SELECT prev_hash FROM audit_events WHERE seq = $1', [from]);
    if (!rows[0]) return { ok: false, events: 0, lastHash: prevHash, firstBroken: { seq: from, reason: `event ${from} is missing` } };
    prevHash = range.anchor ?? rows[0].prev_hash;
  }
  let expectedSeq = from;
  let events = 0;
  for (;;) {
    const { rows } = await db.query<AuditEventRow>('SELECT * FROM audit_events WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3', [
      expectedSeq,
      to,
      pageSize,
    ]);
    if (!rows.length) return { ok: true, events, lastHash: prevHash };
    for (const row of rows) {
      const seq = Number(row.seq);
      const broken = (reason: string): ChainReport => ({ ok: false, events, lastHash: prevHash, firstBroken: { seq, reason } });
      if (seq !== expectedSeq)
        return { ok: false, events, lastHash: prevHash, firstBroken: { seq: expectedSeq, reason: `event ${expectedSeq} is missing` } };
      if (row.prev_hash !== prevHash) return broken('prev_hash does not match the hash of the event before it');
      const recomputed = chainHash(prevHash, chainedEventOf(row));
      if (recomputed !== row.hash) return broken('content does not match its hash (the event was altered)');
      prevHash = row.hash;
      expectedSeq++;
      events++;
    }
  }
}

/** A stored event, with the hash of the trail's event before it (null when that one is gone). */
export interface LinkedAuditEvent {
  event: ChainedEvent;
  prevHash: string;
  hash: string;
  hashOfPreviousEvent: string | null;
}

/** The events of one request, in seq order. */
export async function listRequestAuditEvents(db: Queryable, requestId: string): Promise<LinkedAuditEvent[]> {
  const { rows } = await db.query<AuditEventRow & { previous_hash: string | null }>(
    `SELECT e.seq, e.event_key, e.request_id, e.at, e.actor, e.action, e.store, e.collection, e.details, e.prev_hash, e.hash,
            p.hash AS previous_hash
       FROM audit_events e LEFT JOIN audit_events p ON p.seq = e.seq - 1
      WHERE e.request_id = $1
      ORDER BY e.seq`,
    [requestId],
  );
  return rows.map((r) => ({ event: chainedEventOf(r), prevHash: r.prev_hash, hash: r.hash, hashOfPreviousEvent: r.previous_hash }));
}

/** The newest event older than `months`: everything up to it may expire (a prefix of the chain). */
export async function lastAuditEventOlderThan(db: Queryable, months: number): Promise<{ seq: number; hash: string } | null> {
  const { rows } = await db.query<{ seq: string; hash: string }>(
    'SELECT seq, hash FROM audit_events WHERE at < now() - make_interval(months => $1) ORDER BY seq DESC LIMIT 1',
    [months],
  );
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
}

/**
 * Removes events up to `seq`. The table's trigger allows it only for events past the record-keeping
 * limit, in a transaction that declares itself an expiry.
 */
export async function deleteAuditEventsThrough(db: Pool, seq: number): Promise<number> {
  return inTransaction(db, async (client) => {
    await client.query("SELECT set_config('dsar.audit_expiry', 'on', true)");
    const r = await client.query('DELETE FROM audit_events WHERE seq <= $1', [seq]);
    return r.rowCount ?? 0;
  });
}

/** How many events the trail holds, read from the primary key. */
export async function countAuditEvents(db: Queryable): Promise<number> {
  // seq is gap-free from 1 (one writer under a lock; deletes are refused), so max(seq) is the
  // count, read from the primary key instead of a full scan.
  const { rows } = await db.query<{ n: string }>('SELECT coalesce(max(seq), 0) AS n FROM audit_events');
  return Number(rows[0].n);
}
