// The legal_holds table: a hold suspends deletion (requests and retention sweeps) of a
// subject's data until it is released.
import type { Queryable } from './db';

export interface LegalHold {
  id: string;
  placedBy: string;
  placedAt: Date;
}

export async function placeLegalHold(
  db: Queryable,
  h: { id: string; subjectEmail: string; subjectHash: string; reason: string; placedBy: string },
): Promise<void> {
  await db.query('INSERT INTO legal_holds (id, subject_email, subject_hash, reason, placed_by) VALUES ($1, $2, $3, $4, $5)', [
    h.id,
    h.subjectEmail,
    h.subjectHash,
    h.reason,
    h.placedBy,
  ]);
}

/** Releases an active hold; false when there is no active hold with this id. */
export async function releaseLegalHold(db: Queryable, id: string, releasedBy: string, reason: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE legal_holds SET released_at = now(), released_by = $2, release_reason = $3 WHERE id = $1 AND released_at IS NULL',
    [id, releasedBy, reason],
  );
  return !!rowCount;
}

/** Active holds, oldest first (who placed them and when; not whom they hold). */
export async function listActiveLegalHolds(db: Queryable): Promise<LegalHold[]> {
  const { rows } = await db.query<{ id: string; placed_by: string; placed_at: Date }>(
    'SELECT id, placed_by, placed_at FROM legal_holds WHERE released_at IS NULL ORDER BY placed_at',
  );
  return rows.map((h) => ({ id: h.id, placedBy: h.placed_by, placedAt: h.placed_at }));
}

/** The active legal hold on a subject (by the hash of their address), if any. */
export async function activeHoldForSubject(db: Queryable, subjectHash: string): Promise<{ id: string } | null> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM legal_holds WHERE subject_hash = $1 AND released_at IS NULL ORDER BY placed_at LIMIT 1',
    [subjectHash],
  );
  return rows[0] ?? null;
}

/** The active legal hold on a request's subject, if any. */
export async function activeHoldForRequest(db: Queryable, requestId: string): Promise<{ id: string } | null> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT h.id FROM legal_holds h JOIN requests r ON r.subject_hash = h.subject_hash
      WHERE r.id = $1 AND h.released_at IS NULL ORDER BY h.placed_at LIMIT 1`,
    [requestId],
  );
  return rows[0] ?? null;
}

/** The addresses of every subject under an active hold (for the sweep to resolve and skip). */
export async function heldSubjectEmails(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ subject_email: string }>('SELECT DISTINCT subject_email FROM legal_holds WHERE released_at IS NULL');
  return rows.map((r) => r.subject_email);
}
