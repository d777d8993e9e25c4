// The legal_holds table: a hold suspends deletion (requests and retention sweeps) of a
// subject's data until it is released. legal_hold_predicates and legal_hold_identity_values:
// what the held subject resolved to, so the hold keeps protecting rows after the account is gone.
import type { Pool } from 'pg';
import type { HoldCategory } from '../schemas/legal-hold';
import { inTransaction, type Queryable } from './db';
import type { SubjectIdentityValues, SubjectPredicate } from './subject-identities';

export interface LegalHold {
  id: string;
  placedBy: string;
  placedAt: Date;
}

export async function placeLegalHold(
  db: Queryable,
  h: { id: string; subjectEmail: string; subjectHash: string; reason: string; category: HoldCategory; placedBy: string },
): Promise<void> {
  await db.query('INSERT INTO legal_holds (id, subject_email, subject_hash, reason, category, placed_by) VALUES ($1, $2, $3, $4, $5, $6)', [
    h.id,
    h.subjectEmail,
    h.subjectHash,
    h.reason,
    h.category,
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

export interface ListedLegalHold extends LegalHold {
  subjectEmail: string;
  category: HoldCategory;
}

/** Active holds, oldest first: whom they hold, under which category, who placed them and when (not the internal reason). */
export async function listActiveLegalHolds(db: Queryable): Promise<ListedLegalHold[]> {
  const { rows } = await db.query<{ id: string; placed_by: string; placed_at: Date; subject_email: string; category: HoldCategory }>(
    'SELECT id, placed_by, placed_at, subject_email, category FROM legal_holds WHERE released_at IS NULL ORDER BY placed_at',
  );
  return rows.map((h) => ({ id: h.id, placedBy: h.placed_by, placedAt: h.placed_at, subjectEmail: h.subject_email, category: h.category }));
}

/** The active legal hold on a subject (by the hash of their address), if any. */
export async function activeHoldForSubject(db: Queryable, subjectHash: string): Promise<{ id: string } | null> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM legal_holds WHERE subject_hash = $1 AND released_at IS NULL ORDER BY placed_at LIMIT 1',
    [subjectHash],
  );
  return rows[0] ?? null;
}

/** Active holds on a request's subject: by the address, or by an identity its subject resolved to (e.g. the same account_id). */
const HOLDS_OF_REQUEST = `
  SELECT h.id, h.category, h.placed_at FROM legal_holds h JOIN requests r ON r.id = $1
   WHERE h.released_at IS NULL
     AND (h.subject_hash = r.subject_hash
          OR EXISTS (SELECT 1 FROM legal_hold_identity_values hv JOIN subject_identity_values sv
                        ON sv.request_id = r.id AND sv.identity = hv.identity AND sv.value = hv.value
                      WHERE hv.hold_id = h.id))`;

/** The active legal hold on a request's subject, if any (the oldest). */
export async function activeHoldForRequest(db: Queryable, requestId: string): Promise<{ id: string; category: HoldCategory } | null> {
  const { rows } = await db.query<{ id: string; category: HoldCategory }>(
    `SELECT id, category FROM (${HOLDS_OF_REQUEST}) held ORDER BY placed_at LIMIT 1`,
    [requestId],
  );
  return rows[0] ?? null;
}

/** The ids of every active hold on a request's subject. */
export async function activeHoldIdsForRequest(db: Queryable, requestId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(`SELECT id FROM (${HOLDS_OF_REQUEST}) held`, [requestId]);
  return rows.map((r) => r.id);
}

/** Requests waiting on_hold whose subject this hold matched (by address or resolved identity): the release signals them. */
export async function onHoldRequestsOf(db: Queryable, holdId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT r.id FROM requests r JOIN legal_holds h ON h.id = $1
      WHERE r.status = 'on_hold'
        AND (r.subject_hash = h.subject_hash
             OR EXISTS (SELECT 1 FROM legal_hold_identity_values hv JOIN subject_identity_values sv
                           ON sv.request_id = r.id AND sv.identity = hv.identity AND sv.value = hv.value
                         WHERE hv.hold_id = h.id))`,
    [holdId],
  );
  return rows.map((r) => r.id);
}

/** An active hold's subject address (for resolving it through the data map), or null. */
export async function activeHoldSubject(db: Queryable, holdId: string): Promise<string | null> {
  const { rows } = await db.query<{ subject_email: string }>(
    'SELECT subject_email FROM legal_holds WHERE id = $1 AND released_at IS NULL',
    [holdId],
  );
  return rows[0]?.subject_email ?? null;
}

/** Active holds with their subject's address: the sweep resolves each again and adds what it finds. */
export async function activeHoldSubjects(db: Queryable): Promise<{ id: string; subjectEmail: string }[]> {
  const { rows } = await db.query<{ id: string; subject_email: string }>(
    'SELECT id, subject_email FROM legal_holds WHERE released_at IS NULL ORDER BY placed_at',
  );
  return rows.map((r) => ({ id: r.id, subjectEmail: r.subject_email }));
}

/** Adds what a held subject resolved to (never removes: rows found once stay held after their parent is gone). */
export async function addHoldIdentities(
  db: Pool,
  holdId: string,
  selectors: { store: string; collection: string; predicates: SubjectPredicate[] }[],
  identities: SubjectIdentityValues,
): Promise<void> {
  await inTransaction(db, async (client) => {
    for (const [identity, values] of Object.entries(identities)) {
      await client.query(
        'INSERT INTO legal_hold_identity_values (hold_id, identity, value) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING',
        [holdId, identity, values],
      );
    }
    for (const s of selectors) {
      for (const p of s.predicates) {
        await client.query(
          `INSERT INTO legal_hold_predicates (hold_id, store, collection, column_name, case_insensitive, value)
           SELECT $1, $2, $3, $4, $5, unnest($6::text[]) ON CONFLICT DO NOTHING`,
          [holdId, s.store, s.collection, p.column, p.caseInsensitive, p.values],
        );
      }
    }
  });
}

/**
 * Adds what earlier requests of the held subject (same address) resolved to: a hold placed after
 * the account was purged still reaches the rows kept under their account_id.
 */
export async function addHoldIdentitiesFromRequests(db: Queryable, holdId: string): Promise<void> {
  await db.query(
    `INSERT INTO legal_hold_identity_values (hold_id, identity, value)
     SELECT h.id, v.identity, v.value FROM legal_holds h
       JOIN requests r ON r.subject_hash = h.subject_hash JOIN subject_identity_values v ON v.request_id = r.id
      WHERE h.id = $1 ON CONFLICT DO NOTHING`,
    [holdId],
  );
  await db.query(
    `INSERT INTO legal_hold_predicates (hold_id, store, collection, column_name, case_insensitive, value)
     SELECT h.id, i.store, i.collection, i.column_name, i.case_insensitive, i.value FROM legal_holds h
       JOIN requests r ON r.subject_hash = h.subject_hash JOIN subject_identities i ON i.request_id = r.id
      WHERE h.id = $1 ON CONFLICT DO NOTHING`,
    [holdId],
  );
}

/** The stored predicates of every active hold for one collection. */
export async function heldPredicatesOf(db: Queryable, store: string, collection: string): Promise<SubjectPredicate[]> {
  const { rows } = await db.query<{ column_name: string; case_insensitive: boolean; values: string[] }>(
    `SELECT p.column_name, p.case_insensitive, array_agg(DISTINCT p.value ORDER BY p.value) AS values
       FROM legal_hold_predicates p JOIN legal_holds h ON h.id = p.hold_id AND h.released_at IS NULL
      WHERE p.store = $1 AND p.collection = $2
      GROUP BY p.column_name, p.case_insensitive ORDER BY p.column_name`,
    [store, collection],
  );
  return rows.map((r) => ({ column: r.column_name, caseInsensitive: r.case_insensitive, values: r.values }));
}

/** The stored identity values of each active hold (for stores keyed by identity, e.g. S3 prefixes). */
export async function heldIdentityValues(db: Queryable): Promise<SubjectIdentityValues[]> {
  const { rows } = await db.query<{ hold_id: string; identity: string; values: string[] }>(
    `SELECT v.hold_id, v.identity, array_agg(v.value ORDER BY v.value) AS values
       FROM legal_hold_identity_values v JOIN legal_holds h ON h.id = v.hold_id AND h.released_at IS NULL
      GROUP BY v.hold_id, v.identity ORDER BY v.hold_id`,
  );
  const byHold = new Map<string, SubjectIdentityValues>();
  for (const r of rows) byHold.set(r.hold_id, { ...byHold.get(r.hold_id), [r.identity]: r.values });
  return [...byHold.values()];
}
