// What the archive says about each place that holds the subject's data (GDPR Art. 15(1)):
// categories, purposes, recipients, retention period, source, record counts and checksums — and
// every place it could not include, with the reason.
import { isCollection, type CollectionEntry, type CompiledDataMap, type Node } from '../schemas/datamap-graph';
import { describeIsoDuration } from '../schemas/duration';
import type { CollectionExportResult, NotIncludedEntry, RecordUnit } from '../schemas/workflow';
import { withheldFields, type WithheldField } from '../schemas/disclosure';

export interface ManifestCollection {
  store: string;
  collection: string;
  kind: Node['kind'];
  source: string;
  description?: string;
  categories: string[];
  fields: Record<string, string>;
  purposes: string[];
  recipients: string[];
  retention: { period: string; description: string; basis?: string };
  /** Records read: rows, keys, processor records or files (see `unit`). */
  rows: number;
  unit: RecordUnit;
  note?: string;
  files: { name: string; bytes: number; sha256: string }[];
  /** Fields held here that the files leave out (credentials, secrets), with why; never their values. */
  withheld: WithheldField[];
}

export interface Manifest {
  format: 'dsar-engine/export@2';
  requestId: string;
  requestType: string;
  generatedAt: string;
  totals: { collections: number; rows: number; notIncluded: number; withheld: number };
  collections: ManifestCollection[];
  /** Every field left out of the archive's files, where and why (schemas/disclosure.ts). */
  withheld: (WithheldField & { store: string; collection: string })[];
  /** Places the data map names that this archive does not cover, and why. */
  notIncluded: NotIncludedEntry[];
}

export function describeRetention(entry: CollectionEntry): ManifestCollection['retention'] {
  const r = entry.spec.retention;
  if (!r) return { period: 'account-lifetime', description: 'kept while the account exists, then deleted' };
  return { period: r.maxAge, description: `${describeIsoDuration(r.maxAge)} from ${r.timestamp}`, basis: r.basis };
}

function retentionOf(node: Node): ManifestCollection['retention'] {
  switch (node.kind) {
    case 'postgres':
    case 'mysql':
      return describeRetention(node);
    case 'redis':
      return node.spec.retention
        ? { period: node.spec.retention.maxAge, description: `${describeIsoDuration(node.spec.retention.maxAge)} at most (keys expire)` }
        : { period: 'unspecified', description: 'the data map states no retention period for this store' };
    case 'http':
      return { period: 'processor', description: 'kept by the processor as our agreement with it sets; the data map states no period' };
    case 'manual':
      return { period: 'unspecified', description: 'the data map states no retention period for this store' };
    case 's3':
      return node.spec.retention
        ? {
            period: node.spec.retention.maxAge,
            description: `${describeIsoDuration(node.spec.retention.maxAge)} from the object's last modification`,
            basis: node.spec.retention.basis,
          }
        : { period: 'unspecified', description: 'the data map states no retention period for this store' };
  }
}

export function manifestEntry(map: CompiledDataMap, result: CollectionExportResult): ManifestCollection {
  const node = map.node(result);
  const fields = isCollection(node) ? Object.fromEntries(Object.entries(node.spec.fields).map(([f, s]) => [f, s.category])) : {};
  const categories = isCollection(node) ? Object.values(fields) : node.spec.categories;
  return {
    store: node.store,
    collection: node.collection,
    kind: node.kind,
    source: map.source.stores[node.store].description ?? node.store,
    description: isCollection(node) ? node.spec.description : undefined,
    categories: [...new Set(categories)].sort(),
    fields,
    purposes: node.spec.purposes,
    recipients: node.spec.recipients,
    retention: retentionOf(node),
    rows: result.rows,
    unit: result.unit,
    note: result.note,
    files: result.files.map((f) => ({ name: f.name, bytes: f.bytes, sha256: f.sha256 })),
    withheld: isCollection(node) ? withheldFields(node.spec.fields, map.source.neverDisclosed) : [],
  };
}
