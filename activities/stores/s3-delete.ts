// Deleting object versions in batches (DeleteObjects, ≤ 1000 keys a call), and object lock: what
// the bucket itself keeps (a retention date ahead, or a legal hold) is reported kept, not failed.
import {
  DeleteObjectsCommand,
  GetObjectLegalHoldCommand,
  GetObjectRetentionCommand,
  PutObjectRetentionCommand,
  type ObjectLockRetentionMode,
} from '@aws-sdk/client-s3';
import type { S3Store } from '../../schemas/datamap';
import { keyVersions, s3Client, type ObjectVersion } from './s3';

/** DeleteObjects takes at most this many keys. */
export const S3_DELETE_BATCH = 1000;

/**
 * Which real versions of one key (every version and delete marker of it) are due; null leaves
 * the key alone (kept, held, or not the store's). Its delete markers go when every real version
 * of the key is due (or it has none left).
 */
export type DecideDue = (group: ObjectVersion[]) => Promise<ObjectVersion[] | null>;

/** The due versions and delete markers under the prefixes, key by key. */
export async function* dueEntries(store: S3Store, prefixes: string[], decide: DecideDue): AsyncGenerator<ObjectVersion> {
  for (const prefix of prefixes) {
    for await (const group of keyVersions(store, prefix)) {
      const due = await decide(group);
      if (!due) continue;
      yield* due;
      if (due.length === group.filter((v) => !v.deleteMarker).length) yield* group.filter((v) => v.deleteMarker);
    }
  }
}

export interface LockState {
  legalHold: boolean;
  /** A retention date still ahead. */
  retainUntil?: Date;
  mode?: string;
}

/** The object lock on a version, or null when nothing locks it (or the bucket has no object lock). */
export async function lockOf(store: S3Store, v: ObjectVersion): Promise<LockState | null> {
  if (v.deleteMarker) return null;
  const client = s3Client(store);
  const ref = { Bucket: store.bucket, Key: v.key, VersionId: v.versionId };
  const quiet = <T>(p: Promise<T>) => p.catch(() => undefined); // no lock configuration, or none on this version
  const [hold, retention] = await Promise.all([
    quiet(client.send(new GetObjectLegalHoldCommand(ref))),
    quiet(client.send(new GetObjectRetentionCommand(ref))),
  ]);
  const legalHold = hold?.LegalHold?.Status === 'ON';
  const until = retention?.Retention?.RetainUntilDate;
  const ahead = until && until.getTime() > Date.now() ? until : undefined;
  return legalHold || ahead ? { legalHold, retainUntil: ahead, mode: retention?.Retention?.Mode } : null;
}

/** What object lock kept: how many versions, under a legal hold or until when. */
export class LockTally {
  versions = 0;
  legalHolds = 0;
  until?: Date;
  add(l: LockState) {
    this.versions++;
    if (l.legalHold) this.legalHolds++;
    if (l.retainUntil && (!this.until || l.retainUntil > this.until)) this.until = l.retainUntil;
  }
  describe(): string {
    const parts = [
      this.legalHolds ? `${this.legalHolds} under an object legal hold` : '',
      this.versions > this.legalHolds && this.until ? `retention until ${this.until.toISOString()}` : '',
    ].filter(Boolean);
    return `${this.versions} object version(s) kept by object lock (${parts.join('; ')})`;
  }
}

export interface DeleteTally {
  /** Real object versions removed, and delete markers removed. */
  deleted: number;
  markers: number;
  bytes: number;
  locked: LockTally;
  /** Versions the bucket refused to delete for another reason (they stay due; erasure runs again). */
  failed: number;
  statements: number;
  longestStatementMs: number;
}

/**
 * Deletes entries by version id in batches; a refusal is checked for object lock. `onBatch` is
 * told the real versions each batch removed.
 */
export async function deleteEntries(
  store: S3Store,
  entries: AsyncIterable<ObjectVersion>,
  onBatch?: (deleted: number) => Promise<void>,
): Promise<DeleteTally> {
  const client = s3Client(store);
  const tally: DeleteTally = { deleted: 0, markers: 0, bytes: 0, locked: new LockTally(), failed: 0, statements: 0, longestStatementMs: 0 };
  let batch: ObjectVersion[] = [];
  const flush = async () => {
    if (!batch.length) return;
    const sent = batch;
    batch = [];
    const t0 = performance.now();
    const r = await client.send(
      new DeleteObjectsCommand({
        Bucket: store.bucket,
        Delete: { Objects: sent.map((v) => ({ Key: v.key, VersionId: v.versionId })), Quiet: true },
      }),
    );
    tally.statements++;
    tally.longestStatementMs = Math.max(tally.longestStatementMs, performance.now() - t0);
    const refused = new Set((r.Errors ?? []).map((e) => `${e.VersionId ?? 'null'}\u0000${e.Key}`));
    const before = tally.deleted;
    for (const v of sent) {
      if (!refused.has(`${v.versionId}\u0000${v.key}`)) {
        if (v.deleteMarker) tally.markers++;
        else {
          tally.deleted++;
          tally.bytes += v.size;
        }
        continue;
      }
      const lock = await lockOf(store, v);
      if (lock) tally.locked.add(lock);
      else tally.failed++;
    }
    await onBatch?.(tally.deleted - before);
  };
  for await (const v of entries) {
    batch.push(v);
    if (batch.length >= S3_DELETE_BATCH) await flush();
  }
  await flush();
  return tally;
}

/** A day's slack: erasure run again the next hour does not push a lock it placed further out. */
const LOCK_SLACK_MS = 86_400_000;

/** Places object lock retention until `until` on a version that has none reaching (about) that far. */
export async function lockVersion(store: S3Store, v: ObjectVersion, mode: ObjectLockRetentionMode, until: Date): Promise<void> {
  const current = await lockOf(store, v);
  if (current?.retainUntil && current.retainUntil.getTime() >= until.getTime() - LOCK_SLACK_MS) return;
  await s3Client(store).send(
    new PutObjectRetentionCommand({
      Bucket: store.bucket,
      Key: v.key,
      VersionId: v.versionId,
      Retention: { Mode: mode, RetainUntilDate: until },
    }),
  );
}
