// The audit_anchors table: signed records of the audit chain's head (seq, hash, time), kept
// outside audit_events, so events removed from the tail of the chain are detected.
import { auditAnchorSignatureValid, signAuditAnchor, type AuditAnchor } from '../lib/audit-anchor';
import type { Queryable } from './db';

export interface StoredAuditAnchor extends AuditAnchor {
  id: number;
  signature: string;
}

/** Anchors the chain's current head; null when the trail holds no event yet. */
export async function writeAuditAnchor(db: Queryable, secret: string): Promise<StoredAuditAnchor | null> {
  const { rows } = await db.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1');
  if (!rows[0]) return null;
  const anchor: AuditAnchor = { seq: Number(rows[0].seq), hash: rows[0].hash, at: new Date().toISOString() };
  const signature = signAuditAnchor(secret, anchor);
  const {
    rows: [stored],
  } = await db.query<{ id: string }>('INSERT INTO audit_anchors (seq, hash, at, signature) VALUES ($1, $2, $3, $4) RETURNING id', [
    anchor.seq,
    anchor.hash,
    anchor.at,
    signature,
  ]);
  return { id: Number(stored.id), ...anchor, signature };
}

interface AnchorRow {
  id: string;
  seq: string;
  hash: string;
  at: Date;
  signature: string;
}
const anchorOf = (r: AnchorRow): StoredAuditAnchor => ({
  id: Number(r.id),
  seq: Number(r.seq),
  hash: r.hash,
  at: r.at.toISOString(),
  signature: r.signature,
});

export interface AnchorCheck {
  /** The anchor the chain must reach: the one with the highest seq (the newest of those). */
  last: StoredAuditAnchor | null;
  /** The first anchor whose signature does not verify. */
  forged: StoredAuditAnchor | null;
}

/** Checks every anchor's signature and returns the one the chain must reach. */
export async function checkAuditAnchors(db: Queryable, secret: string): Promise<AnchorCheck> {
  const { rows } = await db.query<AnchorRow>('SELECT id, seq, hash, at, signature FROM audit_anchors ORDER BY id');
  let last: StoredAuditAnchor | null = null;
  for (const row of rows) {
    const anchor = anchorOf(row);
    if (!auditAnchorSignatureValid(secret, anchor, anchor.signature)) return { last, forged: anchor };
    if (!last || anchor.seq >= last.seq) last = anchor;
  }
  return { last, forged: null };
}
