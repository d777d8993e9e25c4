// Keyed hashes of personal values kept for the record (audit details, erased inbox mail): HMAC-SHA256
// under a deployment secret, so a value cannot be found by hashing guesses (a bare SHA-256 of an
// e-mail address or a name can). The same value under the same secret gives the same hash, so an
// auditor holding a value and the secret can still check it.
import { createHmac } from 'node:crypto';

/** The audit hash secret: AUDIT_HASH_SECRET, else derived from SIGNING_SECRET. Keep it stable. */
export function auditHashSecret(config: { AUDIT_HASH_SECRET?: string; SIGNING_SECRET: string }): string {
  return config.AUDIT_HASH_SECRET ?? createHmac('sha256', config.SIGNING_SECRET).update('dsar-engine audit hash secret').digest('hex');
}

/** `hmac-sha256:` + hex HMAC-SHA256 of the value's text (UTF-8) under `secret`. */
export function keyedHash(secret: string, value: string): string {
  return `hmac-sha256:${createHmac('sha256', secret).update(value, 'utf8').digest('hex')}`;
}
