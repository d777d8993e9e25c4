// S3-compatible object storage: the client per store, a subject's key prefixes (identity values
// checked so none can widen a prefix), and listing a subject's objects and object versions.
import {
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  paginateListObjectsV2,
  type S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { ApplicationFailure } from '@temporalio/common';
import { placeholdersOf, type S3Store } from '../../schemas/datamap';
import { sharedS3Client } from '../../storage/s3-clients';
import type { IdentityValues } from './selector';

/** One client per endpoint, region and credentials (keys from the map, or the SDK's default chain). */
export const s3Client = (store: S3Store): S3Client => sharedS3Client(store);

/**
 * Why an identity value cannot stand in a key prefix, or null when it can: a `/` would reach
 * into other folders, `.`/`..` read as path steps to many tools, and an empty value would
 * leave the placeholder's folder open to everyone's.
 */
export function unsafePrefixValue(value: string): string | null {
  if (value === '') return 'it is empty';
  if (value.includes('/')) return 'it contains "/"';
  if (value === '.' || value === '..') return `it is "${value}"`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'it contains a control character';
  if (Buffer.byteLength(value) > 512) return 'it is longer than 512 bytes';
  return null;
}

/** Expands a template with every combination of the identities' values (no check: see subjectPrefixes). */
function expand(template: string, identities: IdentityValues): string[] {
  let out = [template];
  for (const name of new Set(placeholdersOf(template))) {
    const values = identities[name] ?? [];
    out = out.flatMap((p) => values.map((v) => p.split(`{${name}}`).join(v)));
  }
  return out;
}

/** Drops prefixes inside another of the list, so listings never overlap. */
function outermost(prefixes: string[]): string[] {
  const sorted = [...new Set(prefixes)].sort();
  return sorted.filter((p, i) => !sorted.some((q, j) => j !== i && p !== q && p.startsWith(q)));
}

/**
 * The concrete prefixes of a subject for these templates. A value that could widen a prefix
 * is refused (a non-retryable failure naming the store and identity, never the value).
 */
export function subjectPrefixes(storeName: string, templates: string[], identities: IdentityValues): string[] {
  for (const name of new Set(templates.flatMap(placeholdersOf))) {
    for (const v of identities[name] ?? []) {
      const why = unsafePrefixValue(v);
      if (why)
        throw ApplicationFailure.nonRetryable(
          `${storeName}: a value of identity ${name} cannot form an object key prefix: ${why}; refused rather than widen the prefix`,
          'IdentityRefused',
        );
    }
  }
  return outermost(templates.flatMap((t) => expand(t, identities)));
}

/** Prefixes to keep clear of, with no check: a wider prefix only keeps more (legal holds in the sweep). */
export const heldPrefixes = (templates: string[], identities: IdentityValues) => outermost(templates.flatMap((t) => expand(t, identities)));

/** What every template of the store lists from (its text before the first placeholder), and a test for keys it describes. */
export function storeScope(store: S3Store): { listPrefixes: string[]; matches(key: string): boolean } {
  const patterns = store.prefixes.map(
    (t) =>
      new RegExp(
        `^${t
          .split(/\{[A-Za-z_][A-Za-z0-9_]*\}/)
          .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]+')}`,
      ),
  );
  return {
    listPrefixes: outermost(store.prefixes.map((t) => t.slice(0, t.indexOf('{')))),
    matches: (key) => patterns.some((p) => p.test(key)),
  };
}

/** Whether the store narrows the subject's objects by tags or metadata (each check costs a call per object). */
export const hasFilters = (store: S3Store) => Object.keys(store.tags ?? {}).length + Object.keys(store.metadata ?? {}).length > 0;

/** Whether an object (version) carries the store's tags and metadata filters; true without filters. */
export async function passesFilters(store: S3Store, key: string, versionId?: string): Promise<boolean> {
  const client = s3Client(store);
  const ref = { Bucket: store.bucket, Key: key, VersionId: versionId };
  if (store.tags && Object.keys(store.tags).length) {
    const { TagSet = [] } = await client.send(new GetObjectTaggingCommand(ref));
    const tags = new Map(TagSet.map((t) => [t.Key, t.Value]));
    if (!Object.entries(store.tags).every(([k, v]) => tags.get(k) === v)) return false;
  }
  if (store.metadata && Object.keys(store.metadata).length) {
    const { Metadata = {} } = await client.send(new HeadObjectCommand(ref));
    if (!Object.entries(store.metadata).every(([k, v]) => Metadata[k.toLowerCase()] === v)) return false;
  }
  return true;
}

/** The current objects under a prefix, page by page (ListObjectsV2), filtered by the store's tags and metadata. */
export async function* listObjects(store: S3Store, prefix: string): AsyncGenerator<_Object & { Key: string }> {
  for await (const page of paginateListObjectsV2({ client: s3Client(store), pageSize: 1000 }, { Bucket: store.bucket, Prefix: prefix })) {
    for (const o of page.Contents ?? [])
      if (o.Key && (!hasFilters(store) || (await passesFilters(store, o.Key)))) yield o as _Object & { Key: string };
  }
}

/** S3 lists keys in the order of their UTF-8 bytes. */
const byKeyBytes = (a: { key: string }, b: { key: string }) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));

export interface ObjectVersion {
  key: string;
  /** "null" for an object written while versioning was off. */
  versionId: string;
  lastModified: Date;
  size: number;
  deleteMarker: boolean;
}

/**
 * Every version and delete marker under a prefix, grouped by key (ListObjectVersions, which
 * also answers for buckets that never had versioning: one "null" version per object).
 */
export async function* keyVersions(store: S3Store, prefix: string): AsyncGenerator<ObjectVersion[]> {
  let group: ObjectVersion[] = [];
  let marker: { KeyMarker?: string; VersionIdMarker?: string } = {};
  for (;;) {
    const page = await s3Client(store).send(
      new ListObjectVersionsCommand({ Bucket: store.bucket, Prefix: prefix, MaxKeys: 1000, ...marker }),
    );
    const entries: ObjectVersion[] = [
      ...(page.Versions ?? []).map((v) => ({
        key: v.Key!,
        versionId: v.VersionId ?? 'null',
        lastModified: v.LastModified!,
        size: v.Size ?? 0,
        deleteMarker: false,
      })),
      ...(page.DeleteMarkers ?? []).map((m) => ({
        key: m.Key!,
        versionId: m.VersionId ?? 'null',
        lastModified: m.LastModified!,
        size: 0,
        deleteMarker: true,
      })),
    ].sort(byKeyBytes);
    for (const e of entries) {
      if (group.length && group[0].key !== e.key) {
        yield group;
        group = [];
      }
      group.push(e);
    }
    if (!page.IsTruncated) break;
    marker = { KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker };
  }
  if (group.length) yield group;
}
