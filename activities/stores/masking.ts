// What a mask does, the same in every SQL store: `hash` replaces a value with
// `sha256:` + hex SHA-256 of (per-deployment salt ‖ the value's text as UTF-8), and leaves NULL
// and already-hashed values alone (a retried batch never hashes a hash); `null` sets NULL;
// `redact` replaces a non-NULL value with REDACTED.
import { createHmac } from 'node:crypto';
import type { MaskSpec } from '../../schemas/datamap';
import type { ActivityDeps } from '../deps';

export const MASK_PREFIX = 'sha256:';
export const REDACTED = '[redacted]';

/** The per-deployment salt for hashed masks; derived from the signing secret unless set. */
export function maskingSalt(deps: ActivityDeps): string {
  return deps.config.MASKING_SALT ?? createHmac('sha256', deps.config.SIGNING_SECRET).update('dsar-engine masking salt').digest('hex');
}

export interface MaskOptions {
  mask?: MaskSpec | undefined;
  salt: string;
  /** retain: set this column to the row's expiry (timestamp + maxAge), marking it restricted. */
  restrict?: { column: string; timestampColumn: string; maxAge: string };
}
