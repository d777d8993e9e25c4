// S3-compatible object storage: a subject's objects under per-identity prefixes. Read streams
// each object into the archive (`files/<store>/<key>`) with an index (`data/<store>/objects.json`);
// erasure removes every version and delete marker, leaves named prefixes for a legal basis, and
// reports what object lock keeps; the proof is a second listing of the versions.
import { GetObjectCommand, NoSuchKey } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { Node } from '../../schemas/datamap-graph';
import { addIsoDuration } from '../../schemas/duration';
import type { FileDigest } from '../../schemas/workflow';
import { jsonArray, REPORT_SAMPLE_RECORDS } from '../staging';
import type { ConnectorFor } from './connector';
import { NOTHING_DONE, targetOf } from './connector';
import { hasFilters, listObjects, passesFilters, s3Client, subjectPrefixes, type ObjectVersion } from './s3';
import { deleteEntries, dueEntries, lockOf, lockVersion, type DecideDue } from './s3-delete';
import type { IdentityValues } from './selector';

type S3Node = Extract<Node, { kind: 's3' }>;

/**
 * An object key as an archive entry name: each `/`-separated part kept, except that `%`, `\`
 * and control characters are percent-encoded and the parts `.`, `..` and the empty one are
 * replaced — so no entry climbs out of its folder when unpacked, and no two keys share a name.
 */
export function archiveKeyName(key: string): string {
  return key
    .split('/')
    .map((part) => {
      if (part === '') return '%';
      if (part === '.' || part === '..') return part.replace(/\./g, '%2E');
      // eslint-disable-next-line no-control-regex
      return part.replace(/[%\\\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    })
    .join('/');
}

/** What deletion acts on for a subject: its prefixes, the ones kept for a basis, and which versions are due. */
function erasurePlan(node: S3Node, identities: IdentityValues, onKept?: (v: ObjectVersion) => Promise<void>) {
  const spec = node.spec;
  const e = spec.onErasure;
  const prefixes = subjectPrefixes(node.store, spec.prefixes, identities);
  const keep = e.action === 'retain' ? (e.prefixes ? subjectPrefixes(node.store, e.prefixes, identities) : prefixes) : [];
  const kept = { versions: 0, bytes: 0 };
  const decide: DecideDue = async (group) => {
    let mine = group.filter((v) => !v.deleteMarker);
    if (hasFilters(spec)) {
      const passing: ObjectVersion[] = [];
      for (const v of mine) if (await passesFilters(spec, v.key, v.versionId)) passing.push(v);
      mine = passing;
    }
    if (!keep.some((p) => group[0].key.startsWith(p))) return mine;
    for (const v of mine) {
      kept.versions++;
      kept.bytes += v.size;
      await onKept?.(v);
    }
    return null;
  };
  return { prefixes, decide, kept, retain: e.action === 'retain' ? e : null };
}

/** Real object versions due (delete markers left out), object-locked ones included. */
async function dueVersions(node: S3Node, identities: IdentityValues): Promise<number> {
  const p = erasurePlan(node, identities);
  let n = 0;
  for await (const v of dueEntries(node.spec, p.prefixes, p.decide)) if (!v.deleteMarker) n++;
  return n;
}

/** Due versions and delete markers still present, less those object lock keeps. */
async function remainingDue(node: S3Node, identities: IdentityValues): Promise<number> {
  const p = erasurePlan(node, identities);
  let n = 0;
  for await (const v of dueEntries(node.spec, p.prefixes, p.decide)) if (!(await lockOf(node.spec, v))) n++;
  return n;
}

export const s3Connector: ConnectorFor<'s3'> = {
  async read(ctx, sink) {
    const { spec, store } = ctx.node;
    const client = s3Client(spec);
    const prefixes = subjectPrefixes(store, spec.prefixes, await ctx.subject.identities());
    const files: FileDigest[] = [];
    const sample: unknown[] = [];
    // The index is written while the objects stream: each object goes into the archive, then its line.
    async function* objects() {
      for (const prefix of prefixes) {
        for await (const o of listObjects(spec, prefix)) {
          const got = await client.send(new GetObjectCommand({ Bucket: spec.bucket, Key: o.Key })).catch((err: unknown) => {
            if (err instanceof NoSuchKey) return null; // deleted since the listing
            throw err;
          });
          if (!got?.Body) continue;
          const file = await sink.write(`files/${store}/${archiveKeyName(o.Key)}`, got.Body as Readable);
          files.push(file);
          const record = {
            key: o.Key,
            file: file.name,
            size: file.bytes,
            lastModified: (got.LastModified ?? o.LastModified)?.toISOString() ?? null,
            etag: got.ETag ?? o.ETag ?? null,
            versionId: got.VersionId ?? null,
            contentType: got.ContentType ?? null,
            sha256: file.sha256,
          };
          if (sample.length < REPORT_SAMPLE_RECORDS) sample.push(record);
          yield record;
        }
      }
    }
    const index = await sink.write(`data/${store}/objects.json`, jsonArray(objects()));
    await sink.sample(sample);
    return { rows: files.length, unit: 'files', files: [index, ...files] };
  },

  async plan(ctx) {
    const p = erasurePlan(ctx.node, await ctx.subject.identities());
    let rows = 0;
    let bytes = 0;
    for await (const v of dueEntries(ctx.node.spec, p.prefixes, p.decide)) {
      if (v.deleteMarker) continue;
      rows++;
      bytes += v.size;
    }
    const base = { ...targetOf(ctx.node), rows: rows + p.kept.versions, bytes: bytes + p.kept.bytes };
    if (!p.retain) return { ...base, action: 'delete' };
    return {
      ...base,
      action: 'retain',
      basis: p.retain.basis,
      note: `${rows} object version(s) would be deleted, ${p.kept.versions} kept`,
    };
  },

  async erase(ctx) {
    const { spec } = ctx.node;
    const identities = await ctx.subject.identities();
    const lock = spec.onErasure.action === 'retain' ? spec.onErasure.lock : undefined;
    const lockUntil = lock ? addIsoDuration(new Date(), lock.for) : undefined;
    const t0 = performance.now();
    const counted = ctx.tally;
    if (counted) await counted.start(await dueVersions(ctx.node, identities));
    const p = erasurePlan(ctx.node, identities, lock ? (v) => lockVersion(spec, v, lock.mode, lockUntil!) : undefined);
    const tally = await deleteEntries(spec, dueEntries(spec, p.prefixes, p.decide), counted && ((n) => counted.batch(n)));
    const t1 = performance.now();
    const remaining = await remainingDue(ctx.node, identities);
    const retained = p.kept.versions + tally.locked.versions;
    const kept = p.retain && p.kept.versions ? p.retain : null;
    const until = [lockUntil, tally.locked.until].filter((d): d is Date => !!d).sort((a, b) => b.getTime() - a.getTime())[0];
    const notes = [
      kept ? `kept under ${(kept.prefixes ?? spec.prefixes).join(', ')}: ${p.kept.versions} object version(s)` : '',
      tally.markers ? `${tally.markers} delete marker(s) removed` : '',
      tally.locked.versions ? tally.locked.describe() : '',
      tally.failed ? `${tally.failed} object version(s) the bucket refused to delete` : '',
    ].filter(Boolean);
    return {
      ...NOTHING_DONE,
      ...targetOf(ctx.node),
      action: retained ? 'retain' : 'delete',
      deleted: tally.deleted,
      retained,
      remainingDue: remaining,
      longestStatementMs: Math.round(tally.longestStatementMs),
      eraseMs: Math.round(t1 - t0),
      proofMs: Math.round(performance.now() - t1),
      basis: [kept?.basis, tally.locked.versions ? 'object lock on the bucket' : ''].filter(Boolean).join('; ') || undefined,
      retentionPeriod: kept && lock ? lock.for : undefined,
      retainedUntil: retained && until ? until.toISOString() : undefined,
      note: notes.join('; ') || undefined,
    };
  },

  async verify(ctx) {
    return remainingDue(ctx.node, await ctx.subject.identities());
  },
};
