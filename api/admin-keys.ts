// Admin API keys: random, shown once, stored only as SHA-256.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { sha256Hex } from '../lib/hash';

export type AdminRole = 'admin' | 'auditor';
export const KEY_PREFIX = 'dsar_';

export interface AdminKey {
  id: string;
  name: string;
  role: AdminRole;
}

/** Creates a key; the returned secret is the only copy there will ever be. */
export async function createAdminKey(db: Pool, name: string, role: AdminRole): Promise<{ key: string; id: string }> {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  await db.query('INSERT INTO admin_api_keys (id, name, role, key_hash) VALUES ($1, $2, $3, $4)', [id, name, role, sha256Hex(key)]);
  return { key, id };
}

export async function findAdminKey(db: Pool, key: string): Promise<AdminKey | null> {
  const { rows } = await db.query<AdminKey>(
    'UPDATE admin_api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL RETURNING id, name, role',
    [sha256Hex(key)],
  );
  return rows[0] ?? null;
}
