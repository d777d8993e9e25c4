// Where connectors put a subject's records for the archive: each archive entry is staged
// already deflated (the ZIP entry's data; stored as it is when it does not compress), with its
// SHA-256, CRC-32 and sizes computed while it streams, so packaging only copies bytes. A small sample per target feeds the access report.
import { createHash } from 'node:crypto';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw, crc32, deflateRawSync } from 'node:zlib';
import type { FileDigest } from '../schemas/workflow';
import { isStorageFailure, readAllText, type ArchiveStorage } from '../storage/archive-storage';
import { withPlace } from './failures';
import { localArchiveStorage, localStagingDir } from '../storage/local';

/** Deflate level for archives: 6 is zlib's default balance of size and speed. */
export const ZIP_LEVEL = 6;
/**
 * An entry whose first bytes deflate to more than this share of their size (photos, PDFs,
 * archives, media) is stored as it is: deflating it again gains nothing and runs at a fraction
 * of the speed of copying.
 */
export const STORE_ABOVE_RATIO = 0.97;
const PROBE_BYTES = 16 * 1024;
/** Records shown per place in the access report. */
export const REPORT_SAMPLE_RECORDS = 100;

/** Passes bytes through while computing their SHA-256, CRC-32 (for the ZIP entry) and length. */
class Digest extends Transform {
  private hash = createHash('sha256');
  bytes = 0;
  crc32 = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.crc32 = crc32(chunk, this.crc32);
    this.bytes += chunk.length;
    done(null, chunk);
  }
  hex(): string {
    return this.hash.digest('hex');
  }
}

/** Counts the bytes that pass (the compressed size). */
class Count extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/** The rest of an iterator, after the chunks already taken from it. */
async function* rejoin(head: Buffer[], rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield* head;
  for (let r = await rest.next(); !r.done; r = await rest.next()) yield r.value;
}

/**
 * A pipeline stage: raw deflate (ZIP method 8), or the bytes as they are (method 0) when a probe
 * of the first 16 KiB shows they do not compress. `method` is known once the output has started.
 */
function deflateUnlessIncompressible() {
  const state: { method: 0 | 8 } = { method: 8 };
  async function* stage(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    const it = source[Symbol.asyncIterator]();
    const head: Buffer[] = [];
    for (let probed = 0; probed < PROBE_BYTES;) {
      const r = await it.next();
      if (r.done) break;
      head.push(r.value);
      probed += r.value.length;
    }
    const probe = Buffer.concat(head).subarray(0, PROBE_BYTES);
    if (probe.length >= 4096 && deflateRawSync(probe, { level: 1 }).length > probe.length * STORE_ABOVE_RATIO) {
      state.method = 0;
      yield* rejoin(head, it);
      return;
    }
    const deflate = createDeflateRaw({ level: ZIP_LEVEL });
    const fed = pipeline(rejoin(head, it), deflate);
    fed.catch(() => undefined); // its failure surfaces through the deflate stream, or below
    try {
      yield* deflate;
      await fed;
    } finally {
      deflate.destroy();
    }
  }
  return { state, stage };
}

export type ByteSource = NodeJS.ReadableStream | Readable | AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

export interface ReadSink {
  /**
   * Streams one archive entry (`data/<store>/…`, `files/<store>/…`) into staging: source →
   * [via] → digest → raw deflate (or stored, when incompressible) → file. Nothing is held whole
   * in memory.
   */
  write(name: string, source: ByteSource, via?: Transform): Promise<FileDigest>;
  /** The first records of a target, for the human-readable report (a small staging file). */
  sample(records: unknown[]): Promise<void>;
}

export const stagingDir = localStagingDir;

/** A staging file's name for an archive entry: flat, and unambiguous for any entry name. */
export const stagedFileName = (entryName: string) => `${Buffer.from(entryName).toString('base64url')}.z`;

const sampleFile = (key: string) => `${Buffer.from(key).toString('base64url')}.sample.json`;

/** An error of the archive storage is reported there (`archive-storage.s3`), not at the store being read. */
export const storageFailurePlaced = (err: unknown, storage: ArchiveStorage) =>
  isStorageFailure(err) ? withPlace(err, { store: 'archive-storage', collection: storage.kind }) : err;

/** Staging of the configured archive storage (a folder path: that local folder). */
const stagingOf = (where: string | ArchiveStorage) => (typeof where === 'string' ? localArchiveStorage(where) : where);

export async function openReadSink(where: string | ArchiveStorage, requestId: string, targetKey: string): Promise<ReadSink> {
  const storage = stagingOf(where);
  return {
    async write(name, source, via) {
      const digest = new Digest();
      const count = new Count();
      const stagedAs = stagedFileName(name);
      const input = Symbol.asyncIterator in Object(source) || 'pipe' in Object(source) ? source : Readable.from(source as Iterable<Buffer>);
      const compress = deflateUnlessIncompressible();
      const out = await storage.stageFile(requestId, stagedAs);
      const stages = [input, ...(via ? [via] : []), digest, compress.stage, count, out.stream];
      try {
        await pipeline(stages as unknown as [NodeJS.ReadableStream, NodeJS.WritableStream]);
        await out.stored();
      } catch (err) {
        await out.abort(err as Error);
        throw storageFailurePlaced(err, storage);
      }
      return {
        name,
        bytes: digest.bytes,
        sha256: digest.hex(),
        crc32: digest.crc32,
        method: compress.state.method,
        compressedBytes: count.bytes,
        stagedAs,
      };
    },
    async sample(records) {
      const out = await storage.stageFile(requestId, sampleFile(targetKey));
      try {
        await pipeline(Readable.from([JSON.stringify(records.slice(0, REPORT_SAMPLE_RECORDS))]), out.stream);
        await out.stored();
      } catch (err) {
        await out.abort(err as Error);
        throw storageFailurePlaced(err, storage);
      }
    },
  };
}

export async function readSample(where: string | ArchiveStorage, requestId: string, targetKey: string): Promise<Record<string, unknown>[]> {
  try {
    return JSON.parse(await readAllText(await stagingOf(where).openStaged(requestId, sampleFile(targetKey)))) as Record<string, unknown>[];
  } catch (err) {
    // no sample staged (a target with nothing to show); any other failure fails the step
    const e = err as { code?: unknown; name?: unknown };
    if (e.code === 'ENOENT' || e.name === 'NoSuchKey') return [];
    throw err;
  }
}

/** A JSON array streamed one element at a time (for records that arrive in pages). */
export async function* jsonArray(items: AsyncIterable<unknown>): AsyncGenerator<string> {
  let first = true;
  yield '[';
  for await (const item of items) {
    yield (first ? '\n' : ',\n') + JSON.stringify(item);
    first = false;
  }
  yield first ? ']' : '\n]';
}
