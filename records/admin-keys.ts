// The admin_api_keys table: named keys with a role, stored only as the SHA-256 of the key.
import type { Queryable } from './db';

export type AdminRole = 'admin' | 'auditor';

export interface AdminKey {
  id: string;
  name: string;
  role: AdminRole;
}

export async function insertAdminKey(db: Queryable, k: { id: string; name: string; role: AdminRole; keyHash: string }): Promise<void> {
  await db.query('INSERT INTO admin_api_keys (id, name, role, key_hash) VALUES ($1, $2, $3, $4)', [k.id, k.name, k.role, k.keyHash]);
}

/** The unrevoked key with this hash, marked as used now; null when there is none. */
export async function useAdminKey(db: Queryable, keyHash: string): Promise<AdminKey | null> {
  const { rows } = await db.query<AdminKey>(
    'UPDATE admin_api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL RETURNING id, name, role',
    [keyHash],
  );
  return rows[0] ?? null;
}
