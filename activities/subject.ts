// The subject a request acts on: as stored once it was resolved, or resolved in memory.
import type { Pool } from 'pg';
import { loadIdentityValues, loadPredicates } from '../records/subject-identities';
import type { SubjectView } from './stores/connector';
import type { CollectionSelector, IdentityValues } from './stores/selector';

/** The subject as resolved once for a request and stored (what erasure and correction act on). */
export function persistedSubject(db: Pool, requestId: string): SubjectView {
  return {
    predicates: (store, collection) => loadPredicates(db, requestId, store, collection),
    identities: () => loadIdentityValues(db, requestId),
  };
}

/** A subject resolved in memory (for a plan, which stores nothing about the subject). */
export function resolvedSubject(selectors: CollectionSelector[], identities: IdentityValues): SubjectView {
  return {
    predicates: async (store, collection) => selectors.find((s) => s.store === store && s.collection === collection)?.predicates ?? [],
    identities: async () => identities,
  };
}
