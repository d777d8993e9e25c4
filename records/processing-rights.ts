// What the rights that change processing read and mark on a request: an objection's purpose (written
// with the request at intake), and when a restriction was lifted.
import type { Queryable } from './db';

export async function loadObjectionPurpose(db: Queryable, requestId: string): Promise<string | null> {
  const { rows } = await db.query<{ p: string | null }>('SELECT objection_purpose AS p FROM requests WHERE id = $1', [requestId]);
  return rows[0]?.p ?? null;
}

/** Marks a restriction lifted once; false when it already was. */
export async function markRestrictionLifted(db: Queryable, requestId: string): Promise<boolean> {
  const r = await db.query('UPDATE requests SET restriction_lifted_at = now() WHERE id = $1 AND restriction_lifted_at IS NULL', [
    requestId,
  ]);
  return (r.rowCount ?? 0) > 0;
}
