// Where export archives (and their staged entries) are kept: one small interface, two kinds —
// the local folder EXPORT_DIR (the embedded default) and an S3-compatible bucket
// (EXPORT_STORAGE=s3://bucket/prefix). The worker writes through it, the API's download route
// and the sweep read and remove through it; neither knows which kind it holds.
import type { Readable, Writable } from 'node:stream';
import type { Config } from '../schemas/config';
import type { ArchiveStorageKind } from '../schemas/export-storage';
import { localArchiveStorage } from './local';
import { s3ArchiveStorage } from './s3';

export type ArchiveStorageConfig = Pick<
  Config,
  | 'EXPORT_DIR'
  | 'EXPORT_STORAGE'
  | 'EXPORT_S3_ENDPOINT'
  | 'EXPORT_S3_REGION'
  | 'EXPORT_S3_ACCESS_KEY_ID'
  | 'EXPORT_S3_SECRET_ACCESS_KEY'
  | 'EXPORT_S3_FORCE_PATH_STYLE'
>;

/** A stream being stored: write to `stream`, end it, then `stored()` settles once it is kept whole (or failed). */
export interface StorageWriter {
  stream: Writable;
  /** Resolves with the stored thing's location once it is complete; nothing is visible before. */
  stored(): Promise<string>;
  /** Gives up: nothing is left behind under the final name. */
  abort(err: Error): Promise<void>;
}

export interface ArchiveStorage {
  kind: ArchiveStorageKind;
  /** One staged file of a request's archive (a deflated entry, a report sample). */
  stageFile(requestId: string, file: string): Promise<StorageWriter>;
  /** A staged file's bytes; fails when it is not there. */
  openStaged(requestId: string, file: string): Promise<Readable>;
  /** Every staged file of the request, gone (idempotent). */
  dropStaging(requestId: string): Promise<void>;
  /** The request's archive; its location is what `openArchive` and `removeArchive` take. */
  writeArchive(requestId: string): Promise<StorageWriter>;
  /** The archive's bytes, or null when it is no longer stored. */
  openArchive(location: string): Promise<Readable | null>;
  /** Removes the archive (idempotent). */
  removeArchive(location: string): Promise<void>;
}

/** The storage of one kind; `kind` defaults to the configured one (an archive keeps the kind it was written with). */
export function archiveStorage(config: ArchiveStorageConfig, kind: ArchiveStorageKind = config.EXPORT_STORAGE.kind): ArchiveStorage {
  switch (kind) {
    case 'local':
      return localArchiveStorage(config.EXPORT_DIR);
    case 's3':
      return s3ArchiveStorage(config);
    default:
      return kind satisfies never;
  }
}

const STORAGE_FAILURE = Symbol('archive storage failure');

/** Marks an error as the archive storage's (a refused upload), so it is reported there, not at the store being read. */
export function markStorageFailure<E>(err: E): E {
  if (err && typeof err === 'object') Object.assign(err, { [STORAGE_FAILURE]: true });
  return err;
}

export const isStorageFailure = (err: unknown): boolean => !!err && typeof err === 'object' && STORAGE_FAILURE in err;

/** Reads a whole stream as text (staged samples are small). */
export async function readAllText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
