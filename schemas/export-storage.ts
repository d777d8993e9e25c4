// Where export archives are kept: `EXPORT_STORAGE` names the kind. `local` (the default) is the
// folder EXPORT_DIR; `s3://bucket/prefix` an S3-compatible bucket, reached with the EXPORT_S3_*
// settings. Parsed once at start; a malformed value is refused naming the key.
import { z } from 'zod';

export const ARCHIVE_STORAGE_KINDS = ['local', 's3'] as const;
export type ArchiveStorageKind = (typeof ARCHIVE_STORAGE_KINDS)[number];

export type ExportStorage = { kind: 'local' } | { kind: 's3'; bucket: string; prefix: string };

/** S3 bucket names: 3–63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Reads `local` or `s3://bucket/prefix`; the reason it cannot, or the storage. */
export function parseExportStorage(value: string): ExportStorage | string {
  if (value === 'local') return { kind: 'local' };
  const m = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(value);
  if (!m) return 'EXPORT_STORAGE must be "local" or s3://bucket/prefix';
  const [, bucket, rawPrefix = ''] = m;
  if (!BUCKET.test(bucket)) return `EXPORT_STORAGE: "${bucket}" is not a valid S3 bucket name (s3://bucket/prefix)`;
  const prefix = rawPrefix.replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((p) => p === '.' || p === '..')) return 'EXPORT_STORAGE: the prefix must not contain "." or ".." segments';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(prefix)) return 'EXPORT_STORAGE: the prefix must not contain control characters or "\\"';
  return { kind: 's3', bucket, prefix };
}

export const ExportStorageSetting = z
  .string()
  .default('local')
  .transform((value, ctx): ExportStorage => {
    const parsed = parseExportStorage(value.trim());
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: parsed });
      return z.NEVER;
    }
    return parsed;
  });

const Flag = z
  .enum(['true', 'false', '1', '0'], { error: 'EXPORT_S3_FORCE_PATH_STYLE must be true or false' })
  .default('false')
  .transform((v) => v === 'true' || v === '1');

/** The settings of an S3 archive storage (unused with `local`). */
export const ExportS3Settings = {
  /** An S3-compatible endpoint (MinIO, Ceph, R2 …); unset: AWS for EXPORT_S3_REGION. */
  EXPORT_S3_ENDPOINT: z
    .url({ protocol: /^https?$/, error: 'EXPORT_S3_ENDPOINT must be an absolute http(s) URL, e.g. https://s3.example.com' })
    .optional(),
  EXPORT_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Both keys, or neither (then the SDK's default chain: environment, profile, instance role). */
  EXPORT_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  EXPORT_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Path-style addressing (`endpoint/bucket/key`), as MinIO on an IP address needs. */
  EXPORT_S3_FORCE_PATH_STYLE: Flag,
};
