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

/** hash = SHA-256(prev_hash ‖ canonical event) (DESIGN §7). */
export function chainHash(prevHash: string, event: ChainedEvent): string {
  return createHash('sha256').update(prevHash).update(canonicalJson(event)).digest('hex');
}
