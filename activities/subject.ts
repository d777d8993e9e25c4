// Persisting what a subject resolved to, so every later step acts on the same rows.
import type { Pool } from 'pg';
import type { SubjectView } from './stores/connector';
import type { CollectionSelector, IdentityValues, Predicate } from './stores/selector';

export async function saveSubject(db: Pool, requestId: string, selectors: CollectionSelector[], identities: IdentityValues): Promise<void> {
  const client = await db.connect();
  try {
    await client.query('BEGIN');
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
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export async function loadPredicates(db: Pool, requestId: string, store: string, collection: string): Promise<Predicate[]> {
  const { rows } = await db.query<{ column_name: string; case_insensitive: boolean; values: string[] }>(
    `SELECT column_name, case_insensitive, array_agg(value ORDER BY value) AS values
       FROM subject_identities WHERE request_id = $1 AND store = $2 AND collection = $3
      GROUP BY column_name, case_insensitive ORDER BY column_name`,
    [requestId, store, collection],
  );
  return rows.map((r) => ({ column: r.column_name, caseInsensitive: r.case_insensitive, values: r.values }));
}

export async function loadIdentities(db: Pool, requestId: string): Promise<IdentityValues> {
  const { rows } = await db.query<{ identity: string; values: string[] }>(
    'SELECT identity, array_agg(value ORDER BY value) AS values FROM subject_identity_values WHERE request_id = $1 GROUP BY identity',
    [requestId],
  );
  return Object.fromEntries(rows.map((r) => [r.identity, r.values]));
}

/** The subject as resolved once for a request and stored (what erasure and correction act on). */
export function persistedSubject(db: Pool, requestId: string): SubjectView {
  return {
    predicates: (store, collection) => loadPredicates(db, requestId, store, collection),
    identities: () => loadIdentities(db, requestId),
  };
}

/** A subject resolved in memory (for a plan, which stores nothing about the subject). */
export function resolvedSubject(selectors: CollectionSelector[], identities: IdentityValues): SubjectView {
  return {
    predicates: async (store, collection) => selectors.find((s) => s.store === store && s.collection === collection)?.predicates ?? [],
    identities: async () => identities,
  };
}
