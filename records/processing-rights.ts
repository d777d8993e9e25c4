// What the rights that change processing keep on a request: the purpose of an objection, and
// when a restriction was lifted.
import type { Queryable } from './db';

export async function saveObjectionPurpose(db: Queryable, requestId: string, purpose: string): Promise<void> {
  await db.query('UPDATE requests SET objection_purpose = $2 WHERE id = $1', [requestId, purpose]);
}

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

export async function restrictionLiftedAt(db: Queryable, requestId: string): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>('SELECT restriction_lifted_at AS at FROM requests WHERE id = $1', [requestId]);
  return rows[0]?.at ?? null;
}
