// The verification_tokens table: one-time codes mailed to subjects, stored only as SHA-256.
import type { Queryable } from './db';

export interface VerificationToken {
  requestId: string;
  expiresAt: Date;
  usedAt: Date | null;
  /** Keyed hashes of the step-up fact the subject must also confirm; null when none is asked. */
  stepUpHashes: string[] | null;
}

/** Stores a code's hash; a second save of the same code or issue (a retried send) changes nothing. */
export async function saveVerificationToken(
  db: Queryable,
  t: { tokenHash: string; requestId: string; expiresAt: Date; issue: number; stepUpHashes?: string[] | null },
): Promise<void> {
  await db.query(
    `INSERT INTO verification_tokens (token_hash, request_id, expires_at, issue, step_up_hashes)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [t.tokenHash, t.requestId, t.expiresAt, t.issue, t.stepUpHashes ?? null],
  );
}

export interface IssuedCode {
  issue: number;
  expiresAt: Date;
  usedAt: Date | null;
}

/** The request's newest numbered code, or null before the first. */
export async function latestVerificationIssue(db: Queryable, requestId: string): Promise<IssuedCode | null> {
  const { rows } = await db.query<{ issue: number; expires_at: Date; used_at: Date | null }>(
    `SELECT issue, expires_at, used_at FROM verification_tokens
      WHERE request_id = $1 AND issue IS NOT NULL ORDER BY issue DESC LIMIT 1`,
    [requestId],
  );
  return rows[0] ? { issue: rows[0].issue, expiresAt: rows[0].expires_at, usedAt: rows[0].used_at } : null;
}

export async function findVerificationToken(db: Queryable, tokenHash: string): Promise<VerificationToken | null> {
  const { rows } = await db.query<{ request_id: string; expires_at: Date; used_at: Date | null; step_up_hashes: string[] | null }>(
    'SELECT request_id, expires_at, used_at, step_up_hashes FROM verification_tokens WHERE token_hash = $1',
    [tokenHash],
  );
  const r = rows[0];
  return r ? { requestId: r.request_id, expiresAt: r.expires_at, usedAt: r.used_at, stepUpHashes: r.step_up_hashes } : null;
}

export async function markVerificationTokenUsed(db: Queryable, tokenHash: string): Promise<void> {
  await db.query('UPDATE verification_tokens SET used_at = now() WHERE token_hash = $1', [tokenHash]);
}
