// The verification_tokens table: one-time codes mailed to subjects, stored only as SHA-256.
import type { Queryable } from './db';

export interface VerificationToken {
  requestId: string;
  expiresAt: Date;
  usedAt: Date | null;
}

export async function saveVerificationToken(db: Queryable, t: { tokenHash: string; requestId: string; expiresAt: Date }): Promise<void> {
  await db.query('INSERT INTO verification_tokens (token_hash, request_id, expires_at) VALUES ($1, $2, $3)', [
    t.tokenHash,
    t.requestId,
    t.expiresAt,
  ]);
}

export async function findVerificationToken(db: Queryable, tokenHash: string): Promise<VerificationToken | null> {
  const { rows } = await db.query<{ request_id: string; expires_at: Date; used_at: Date | null }>(
    'SELECT request_id, expires_at, used_at FROM verification_tokens WHERE token_hash = $1',
    [tokenHash],
  );
  return rows[0] ? { requestId: rows[0].request_id, expiresAt: rows[0].expires_at, usedAt: rows[0].used_at } : null;
}

export async function markVerificationTokenUsed(db: Queryable, tokenHash: string): Promise<void> {
  await db.query('UPDATE verification_tokens SET used_at = now() WHERE token_hash = $1', [tokenHash]);
}
