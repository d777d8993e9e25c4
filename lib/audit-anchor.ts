// Signing of audit-chain anchors: HMAC-SHA256 over (seq, hash, at) with the deployment's anchor
// secret, so a row written into audit_anchors without the secret is detected.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface AuditAnchor {
  seq: number;
  hash: string;
  /** ISO 8601 with milliseconds. */
  at: string;
}

/** The anchor secret: AUDIT_ANCHOR_SECRET, else derived from SIGNING_SECRET. Keep it stable. */
export function auditAnchorSecret(config: { AUDIT_ANCHOR_SECRET?: string; SIGNING_SECRET: string }): string {
  return config.AUDIT_ANCHOR_SECRET ?? createHmac('sha256', config.SIGNING_SECRET).update('dsar-engine audit anchor secret').digest('hex');
}

export function signAuditAnchor(secret: string, anchor: AuditAnchor): string {
  return createHmac('sha256', secret).update(`dsar-audit-anchor\n${anchor.seq}\n${anchor.hash}\n${anchor.at}`).digest('hex');
}

export function auditAnchorSignatureValid(secret: string, anchor: AuditAnchor, signature: string): boolean {
  const expected = Buffer.from(signAuditAnchor(secret, anchor), 'hex');
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
