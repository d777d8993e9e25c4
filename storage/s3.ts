// Archives in an S3-compatible bucket (EXPORT_STORAGE=s3://bucket/prefix): staged entries under
// <prefix>/staging/<request>/, the archive at <prefix>/<request>.zip, both streamed in with
// multipart upload (an object appears only once its upload completes). Staging lives in the
// bucket too, so any worker can package what another read: workers share no disk.
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  paginateListObjectsV2,
  type S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { PassThrough, type Readable } from 'node:stream';
import { sharedS3Client } from './s3-clients';
import { markStorageFailure, type ArchiveStorage, type ArchiveStorageConfig, type StorageWriter } from './archive-storage';

/** Parts of 8 MiB, two in flight: an upload holds at most ~24 MiB in memory, whatever the archive's size. */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

function clientFor(config: ArchiveStorageConfig): S3Client {
  const credentials =
    config.EXPORT_S3_ACCESS_KEY_ID && config.EXPORT_S3_SECRET_ACCESS_KEY
      ? { accessKeyId: config.EXPORT_S3_ACCESS_KEY_ID, secretAccessKey: config.EXPORT_S3_SECRET_ACCESS_KEY }
      : undefined;
  return sharedS3Client({
    endpoint: config.EXPORT_S3_ENDPOINT,
    region: config.EXPORT_S3_REGION,
    forcePathStyle: config.EXPORT_S3_FORCE_PATH_STYLE,
    credentials,
  });
}

/** `s3://bucket/key` of an object. */
export const s3Location = (bucket: string, key: string) => `s3://${bucket}/${key}`;

export function parseS3Location(location: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!m) throw new Error('an S3 archive location must be s3://bucket/key');
  return { bucket: m[1], key: m[2] };
}

const isMissing = (err: unknown) => {
  const name = (err as S3ServiceException | undefined)?.name;
  return name === 'NoSuchKey' || name === 'NotFound';
};

function uploader(client: S3Client, bucket: string, key: string, contentType: string): StorageWriter {
  const stream = new PassThrough({ highWaterMark: 1 << 20 });
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: stream, ContentType: contentType },
    partSize: PART_BYTES,
    queueSize: PARTS_IN_FLIGHT,
    leavePartsOnError: false,
  });
  const done = upload.done().catch((err: Error) => Promise.reject(markStorageFailure(err)));
  // a refused upload (no such bucket, access denied) must end the writer's wait for 'drain'
  done.catch((err: Error) => stream.destroy(err));
  return {
    stream,
    async stored() {
      await done;
      return s3Location(bucket, key);
    },
    async abort(err) {
      stream.destroy(err);
      await upload.abort().catch(() => undefined);
      await done.catch(() => undefined);
    },
  };
}

export function s3ArchiveStorage(config: ArchiveStorageConfig): ArchiveStorage {
  const client = clientFor(config);
  const target = () => {
    const s = config.EXPORT_STORAGE;
    if (s.kind !== 's3') throw new Error('EXPORT_STORAGE is not s3://bucket/prefix: archives cannot be written to S3');
    return { bucket: s.bucket, base: s.prefix ? `${s.prefix}/` : '' };
  };
  const stagingPrefix = (requestId: string) => `${target().base}staging/${requestId}/`;
  return {
    kind: 's3',
    async stageFile(requestId, file) {
      return uploader(client, target().bucket, `${stagingPrefix(requestId)}${file}`, 'application/octet-stream');
    },
    async openStaged(requestId, file) {
      const r = await client
        .send(new GetObjectCommand({ Bucket: target().bucket, Key: `${stagingPrefix(requestId)}${file}` }))
        .catch((err: Error) => Promise.reject(markStorageFailure(err)));
      return r.Body as Readable;
    },
    async dropStaging(requestId) {
      const { bucket } = target();
      for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: stagingPrefix(requestId) })) {
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      }
    },
    async writeArchive(requestId) {
      const { bucket, base } = target();
      return uploader(client, bucket, `${base}${requestId}.zip`, 'application/zip');
    },
    async openArchive(location) {
      const { bucket, key } = parseS3Location(location);
      try {
        const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return r.Body as Readable;
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },
    async removeArchive(location) {
      const { bucket, key } = parseS3Location(location);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
