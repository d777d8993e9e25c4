import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedEvent {
  seq: number;
  eventKey: string;
  requestId: string | null;
  at: string; // ISO 8601 with milliseconds
  actor: string;
  action: string;
  store: string | null;
  collection: string | null;
  details: Record<string, unknown>;
}

/** hash = SHA-256(prev_hash ‖ canonical event): each event seals the one before it (docs/architecture.md §7). */
export function chainHash(prevHash: string, event: ChainedEvent): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(event)).digest('hex');
}

/** An audit_events row as PostgreSQL returns it. */
export interface AuditEventRow {
  seq: string;
  event_key: string;
  request_id: string | null;
  at: Date;
  actor: string;
  action: string;
  store: string | null;
  collection: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

/** What the hash of a stored event covers (its `at` to the millisecond, as written). */
export function chainedEventOf(row: AuditEventRow): ChainedEvent {
  return {
    seq: Number(row.seq),
    eventKey: row.event_key,
    requestId: row.request_id,
    at: row.at.toISOString(),
    actor: row.actor,
    action: row.action,
    store: row.store,
    collection: row.collection,
    details: row.details,
  };
}
