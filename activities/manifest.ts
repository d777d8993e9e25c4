// What the archive says about each collection (GDPR Art. 15(1)): categories, purposes,
// recipients, retention period, source, row counts and checksums.
import type { CollectionEntry, DataMap } from '../schemas/datamap';
import { describeIsoDuration } from '../schemas/duration';
import type { CollectionExportResult } from '../schemas/workflow';

export interface ManifestCollection {
  store: string;
  collection: string;
  source: string;
  description?: string;
  categories: string[];
  fields: Record<string, string>;
  purposes: string[];
  recipients: string[];
  retention: { period: string; description: string; basis?: string };
  rows: number;
  files: { name: string; bytes: number; sha256: string }[];
}

export interface Manifest {
  format: 'dsar-engine/export@1';
  requestId: string;
  requestType: string;
  generatedAt: string;
  totals: { collections: number; rows: number };
  collections: ManifestCollection[];
}

export function describeRetention(entry: CollectionEntry): ManifestCollection['retention'] {
  const r = entry.spec.retention;
  if (!r) return { period: 'account-lifetime', description: 'kept while the account exists, then deleted' };
  return { period: r.maxAge, description: `${describeIsoDuration(r.maxAge)} from ${r.timestamp}`, basis: r.basis };
}

export function manifestCollection(map: DataMap, entry: CollectionEntry, result: CollectionExportResult): ManifestCollection {
  const fields = Object.fromEntries(Object.entries(entry.spec.fields).map(([f, s]) => [f, s.category]));
  return {
    store: entry.store,
    collection: entry.collection,
    source: map.stores[entry.store].description ?? entry.store,
    description: entry.spec.description,
    categories: [...new Set(Object.values(fields))].sort(),
    fields,
    purposes: entry.spec.purposes,
    recipients: entry.spec.recipients,
    retention: describeRetention(entry),
    rows: result.rows,
    files: result.files.map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256 })),
  };
}
