// Admin API keys: random, shown once, stored only as SHA-256.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { sha256Hex } from '../lib/hash';
import { insertAdminKey, useAdminKey, type AdminKey, type AdminRole } from '../records/admin-keys';

export type { AdminKey, AdminRole };
export const KEY_PREFIX = 'dsar_';

/** Creates a key; the returned secret is the only copy there will ever be. */
export async function createAdminKey(db: Pool, name: string, role: AdminRole): Promise<{ key: string; id: string }> {
  const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  const id = randomUUID();
  await insertAdminKey(db, { id, name, role, keyHash: sha256Hex(key) });
  return { key, id };
}

/** The unrevoked key with this secret (marked as used now), or null. */
export async function findAdminKey(db: Pool, key: string): Promise<AdminKey | null> {
  return useAdminKey(db, sha256Hex(key));
}
