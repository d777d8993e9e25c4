// What the archive says about each place that holds the subject's data (GDPR Art. 15(1)):
// categories, purposes, recipients, retention period, source, record counts and checksums — and
// every place it could not include, with the reason.
import { isCollection, type CollectionEntry, type CompiledDataMap, type Node } from '../schemas/datamap-graph';
import { describeIsoDuration } from '../schemas/duration';
import type { CollectionExportResult, NotIncludedEntry, RecordUnit } from '../schemas/workflow';
import { withheldFields, type WithheldField } from '../schemas/disclosure';
import type { AutomatedDecision, Transfer } from '../schemas/datamap-art15';
import { defaultLabel } from '../schemas/labels';

export interface ManifestCollection {
  store: string;
  collection: string;
  kind: Node['kind'];
  /** What the subject reads for this place: the map's `label:`, else made from its name. */
  label: string;
  /** The store it is kept in, as the data map describes it. */
  place: string;
  /** Where the data came from when not from the subject (Art. 15(1)(g)); absent: from the subject. */
  source?: string;
  /** The legal basis of the processing, as the data map states it. */
  legalBasis?: string;
  description?: string;
  categories: string[];
  fields: Record<string, string>;
  /** Each field's label (the map's `label:`, else made from the column name). */
  fieldLabels: Record<string, string>;
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
  /** Places the data map names that this archive does not cover, and why (with the words the subject reads). */
  notIncluded: (NotIncludedEntry & { label?: string })[];
  /** Decisions made by automated means alone, and their logic (Art. 15(1)(h)); empty: none. */
  automatedDecisions: AutomatedDecision[];
  /** Transfers to third countries and their safeguards (Art. 15(2)). */
  transfers: Transfer[];
  /** Documents of the archive besides the data files (the access report), with their checksums. */
  documents: { name: string; bytes: number; sha256: string; description: string }[];
}

export function describeRetention(entry: CollectionEntry): ManifestCollection['retention'] {
  const r = entry.spec.retention;
  if (!r) return { period: 'account-lifetime', description: 'kept while the account exists, then deleted' };
  const from = entry.spec.fields[r.timestamp]?.label ?? defaultLabel(r.timestamp);
  return { period: r.maxAge, description: `${describeIsoDuration(r.maxAge)}, counted from the date “${from}”`, basis: r.basis };
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
  const fieldLabels = isCollection(node)
    ? Object.fromEntries(Object.entries(node.spec.fields).map(([f, s]) => [f, s.label ?? defaultLabel(f)]))
    : {};
  return {
    store: node.store,
    collection: node.collection,
    kind: node.kind,
    label: placeLabel(map, node),
    place: map.source.stores[node.store].description ?? defaultLabel(node.store),
    source: node.spec.source,
    legalBasis: node.spec.legalBasis,
    description: isCollection(node) ? node.spec.description : undefined,
    categories: [...new Set(categories)].sort(),
    fields,
    fieldLabels,
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

/** The words a subject reads for a place of the map: its `label:`, else its store's description or name. */
export function placeLabel(map: CompiledDataMap, target: { store: string; collection: string }): string {
  const store = map.source.stores[target.store];
  if (!store) return defaultLabel(target.collection);
  if ('collections' in store) {
    const coll = store.collections[target.collection];
    return coll?.label ?? defaultLabel(target.collection);
  }
  return store.label ?? store.description ?? defaultLabel(target.store);
}
