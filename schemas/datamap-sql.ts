// A SQL store's collections (PostgreSQL and MySQL/MariaDB tables): how a subject's rows are
// found, described, erased, corrected and changed by the rights that stop processing.
import { z } from 'zod';
import { Identifier, IsoDuration } from './datamap-common';
import { Label, ReaderWords } from './datamap-art15';

export const FieldSpec = z
  .object({
    category: z.string().min(1),
    label: Label,
    correctable: z.boolean().default(false),
    /** false: never in an access or export archive; true: disclosed even if its category is never disclosed (schemas/disclosure.ts). */
    disclose: z.boolean().optional(),
    description: z.string().optional(),
  })
  .strict();

export const RetentionSpec = z
  .object({
    maxAge: IsoDuration,
    timestamp: Identifier,
    basis: z.string().min(1).optional(),
  })
  .strict();

const MaskSpec = z.record(Identifier, z.enum(['hash', 'null', 'redact']));

/**
 * Masked values and restricted rows are final: a correction leaves them alone (GDPR Art. 18(2)).
 * `true` lets a correction rewrite them, the new value masked the same way.
 */
const CorrectRetained = z.boolean().default(false);

/** What deletion does to a collection: one shape per action, so each carries exactly what it needs. */
export const ErasureSpec = z.discriminatedUnion('action', [
  z.object({ action: z.literal('delete') }).strict(),
  z.object({ action: z.literal('mask'), mask: MaskSpec, correctRetained: CorrectRetained }).strict(),
  z
    .object({
      action: z.literal('retain'),
      mask: MaskSpec.optional(),
      /** A timestamp column set to the row's expiry; non-null marks the row restricted. */
      restrictColumn: Identifier.optional(),
      correctRetained: CorrectRetained,
    })
    .strict(),
  z
    .object({
      action: z.literal('purge'),
      /** The grace period: deactivated at once, hard-deleted when it ends. */
      after: IsoDuration,
      softDelete: z
        .object({
          set: z.record(Identifier, z.union([z.string(), z.number(), z.boolean(), z.null()])),
          /** A timestamp column set to now(): the retention sweep purges rows past `after` by it. */
          timestamp: Identifier.optional(),
        })
        .strict(),
    })
    .strict(),
]);
export type ErasureSpec = z.infer<typeof ErasureSpec>;
export type ErasureAction = ErasureSpec['action'];
export type MaskSpec = z.infer<typeof MaskSpec>;

const FlagValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** What a request that changes processing sets on the subject's rows: `{ set: { sale_opt_out: true } }`. */
export const FlagChange = z
  .object({ set: z.record(Identifier, FlagValue).refine((s) => Object.keys(s).length > 0, 'must set at least one column') })
  .strict();
export type FlagChange = z.infer<typeof FlagChange>;

/**
 * A purpose of processing the subject may object to (GDPR Art. 21): the columns that stop it, per
 * collection (`{ store: app_db, collection: accounts, set: { marketing_opt_in: false } }`).
 */
export const PurposeSpec = z
  .object({
    description: z.string().optional(),
    stop: z.array(z.object({ store: Identifier, collection: Identifier, set: FlagChange.shape.set }).strict()).min(1),
  })
  .strict();
export type PurposeSpec = z.infer<typeof PurposeSpec>;

/** `references: { account_id: accounts.id }`: this collection's column → another collection's column. */
const ReferenceTarget = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*$/, 'must be "collection.column"');

/** A table of a SQL store (PostgreSQL or MySQL/MariaDB): how a subject's rows are found, described and erased. */
export const SqlCollection = z
  .object({
    table: Identifier.optional(),
    /** PostgreSQL: the schema (default `public`); MySQL: the database (default: the one the URL names). */
    schema: Identifier.optional(),
    key: Identifier.default('id'),
    description: z.string().optional(),
    ...ReaderWords,
    identity: z.record(z.string(), Identifier).optional(),
    provides: z.record(z.string(), Identifier).optional(),
    references: z.record(Identifier, ReferenceTarget).optional(),
    fields: z.record(Identifier, FieldSpec).default({}),
    purposes: z.array(z.string().min(1)).default([]),
    recipients: z.array(z.string().min(1)).default([]),
    retention: RetentionSpec.optional(),
    onErasure: ErasureSpec.optional(),
    /** CCPA §7026: what opting out of sale/sharing sets on the subject's rows. */
    onOptOut: FlagChange.optional(),
    /** CCPA §7027: what limiting the use of sensitive personal information sets (the collection holds such data). */
    onLimit: FlagChange.optional(),
    /** GDPR Art. 18: a timestamp column set when the subject's rows are restricted, cleared when the restriction is lifted. */
    restrictColumn: Identifier.optional(),
  })
  .strict();
export type SqlCollection = z.infer<typeof SqlCollection>;

/** Whether a correction of `field` applies to this column: the same name, or its category's last part (`name` ↔ `user.name`). */
export function fieldHolds(column: string, spec: z.infer<typeof FieldSpec>, field: string): boolean {
  return spec.correctable && (column === field || spec.category.split('.').pop() === field);
}
