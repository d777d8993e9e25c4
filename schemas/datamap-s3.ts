// The S3-compatible object store's entry in the data map: a bucket, prefixes per identity,
// what deletion does there.
import { z } from 'zod';
import { IsoDuration, MaxConcurrency, placeholders } from './datamap-common';
import { ReaderWords } from './datamap-art15';

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * A key prefix per identity, `uploads/{account_id}/`. Every placeholder is followed by `/` and
 * identity values may not contain one, so a subject's prefix never takes in another's (`1` would
 * otherwise match `10`).
 */
const S3PrefixTemplate = z
  .string()
  .min(1)
  .refine((s) => placeholders(s).length > 0, 'must contain an {identity} placeholder')
  .refine(
    (s) => [...s.matchAll(PLACEHOLDER)].every((m) => s[m.index + m[0].length] === '/'),
    'every {identity} must be followed by "/", so one subject\'s prefix cannot take in another\'s (1 would match 10)',
  )
  .refine((s) => !s.startsWith('/') && !/[{}]/.test(s.replace(PLACEHOLDER, '')), 'must not start with "/" or hold stray braces');

/** Object lock placed on what is kept: the store itself then refuses to delete it before it ends. */
const S3ObjectLock = z.object({ mode: z.enum(['GOVERNANCE', 'COMPLIANCE']), for: IsoDuration }).strict();

/** Deletion in a bucket: remove the subject's objects (every version), or keep named prefixes for a legal basis. */
export const S3ErasureSpec = z.discriminatedUnion('action', [
  z.object({ action: z.literal('delete') }).strict(),
  z
    .object({
      action: z.literal('retain'),
      basis: z.string().min(1),
      /** The prefixes kept (each inside one of the store's prefixes); the rest is deleted. All of it when absent. */
      prefixes: z.array(S3PrefixTemplate).min(1).optional(),
      lock: S3ObjectLock.optional(),
    })
    .strict(),
]);
export type S3ErasureSpec = z.infer<typeof S3ErasureSpec>;

/** Objects in an S3-compatible bucket under per-identity prefixes (uploads, generated files). */
export const S3Store = z
  .object({
    kind: z.literal('s3'),
    description: z.string().optional(),
    maxConcurrency: MaxConcurrency,
    ...ReaderWords,
    /** For S3-compatible servers (MinIO, Ceph…); AWS's endpoint for the region when absent. */
    endpoint: z.string().url().optional(),
    region: z.string().min(1).default('us-east-1'),
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
    forcePathStyle: z.boolean().default(false),
    /** Static keys (from `${ENV}`); the SDK's default chain (environment, profile, instance role) when absent. */
    credentials: z
      .object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().optional() })
      .strict()
      .optional(),
    prefixes: z.array(S3PrefixTemplate).min(1),
    /** Only objects carrying all these tags (or user metadata) are the subject's. */
    tags: z.record(z.string().min(1), z.string()).optional(),
    metadata: z.record(z.string().min(1), z.string()).optional(),
    categories: z.array(z.string().min(1)).default([]),
    purposes: z.array(z.string().min(1)).default([]),
    recipients: z.array(z.string().min(1)).default([]),
    /** Objects older than maxAge (by LastModified) are deleted by the daily sweep. */
    retention: z
      .object({ maxAge: IsoDuration, basis: z.string().min(1).optional() })
      .strict()
      .optional(),
    onErasure: S3ErasureSpec.default({ action: 'delete' }),
  })
  .strict();
export type S3Store = z.infer<typeof S3Store>;
