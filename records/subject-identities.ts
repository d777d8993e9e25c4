// The subject_identities and subject_identity_values tables: what a request's subject resolved
// to through the data map, stored once so every later step (and a resumed worker) acts on the
// same rows. Per collection: the column values that pick out the subject's rows; per identity
// (e.g. account_id): the values found, for stores keyed by identity.
import type { Pool } from 'pg';
import { inTransaction, type Queryable } from './db';

/** The subject's rows in a collection: `column` (lower-cased when caseInsensitive) is one of `values`. */
export interface SubjectPredicate {
  column: string;
  caseInsensitive: boolean;
  values: string[];
}

/** identity name → values */
export type SubjectIdentityValues = Record<string, string[]>;

/** Replaces what the request's subject resolved to. */
export async function saveSubjectIdentities(
  db: Pool,
  requestId: string,
  selectors: { store: string; collection: string; predicates: SubjectPredicate[] }[],
  identities: SubjectIdentityValues,
): Promise<void> {
  await inTransaction(db, async (client) => {
    await client.query('DELETE FROM subject_identities WHERE request_id = $1', [requestId]);
    await client.query('DELETE FROM subject_identity_values WHERE request_id = $1', [requestId]);
    for (const [identity, values] of Object.entries(identities)) {
      await client.query(
        'INSERT INTO subject_identity_values (request_id, identity, value) SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING',
        [requestId, identity, values],
      );
    }
    for (const s of selectors) {
      for (const p of s.predicates) {
        await client.query(
          `INSERT INTO subject_identities (request_id, store, collection, column_name, case_insensitive, value)
           SELECT $1, $2, $3, $4, $5, unnest($6::text[]) ON CONFLICT DO NOTHING`,
          [requestId, s.store, s.collection, p.column, p.caseInsensitive, p.values],
        );
      }
    }
  });
}

/** The predicates that pick out the request's subject in one collection. */
export async function loadPredicates(db: Queryable, requestId: string, store: string, collection: string): Promise<SubjectPredicate[]> {
  const { rows } = await db.query<{ column_name: string; case_insensitive: boolean; values: string[] }>(
    `SELECT column_name, case_insensitive, array_agg(value ORDER BY value) AS values
       FROM subject_identities WHERE request_id = $1 AND store = $2 AND collection = $3
      GROUP BY column_name, case_insensitive ORDER BY column_name`,
    [requestId, store, collection],
  );
  return rows.map((r) => ({ column: r.column_name, caseInsensitive: r.case_insensitive, values: r.values }));
}

export async function loadIdentityValues(db: Queryable, requestId: string): Promise<SubjectIdentityValues> {
  const { rows } = await db.query<{ identity: string; values: string[] }>(
    'SELECT identity, array_agg(value ORDER BY value) AS values FROM subject_identity_values WHERE request_id = $1 GROUP BY identity',
    [requestId],
  );
  return Object.fromEntries(rows.map((r) => [r.identity, r.values]));
}
