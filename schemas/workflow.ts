// Types shared by the workflow and its callers. Pure: safe to import from workflow code.
import type { Duration } from '@temporalio/common';
import type { Jurisdiction } from './deadline';
import type { StoreKind } from './datamap-graph';
import type { HoldCategory } from './legal-hold';
import type { ProcessingOutcome } from './processing';
import type { CollectionProgress, RequestType } from './request';
import type { RequestStatus } from './status';

export const TASK_QUEUE_DEFAULT = 'dsar';

export interface DsarRequestInput {
  requestId: string;
  type: RequestType;
  /** The deadline is computed from these in the workflow (deterministic). Defaults: now, policy, 30. */
  receivedAt?: string;
  jurisdiction?: Jurisdiction;
  /** Every law that applies (the deadline is the strictest); `[jurisdiction]` when absent. */
  jurisdictions?: Jurisdiction[];
  policyDays?: number;
  /** How long the subject has to verify, e.g. '7 days' (ms-format string or ms number). */
  verificationTimeout: Duration;
  /** True when the request arrived already authenticated (e.g. a signed-in self-service call). */
  preVerified?: boolean;
  /** objection: the purpose objected to. */
  purpose?: string;
  /** deletion: the purge runs at the latest this many days before the due date (PURGE_SAFETY_MARGIN_DAYS; default 2). */
  purgeMarginDays?: number;
}

export interface DsarRequestState {
  requestId: string;
  type: RequestType;
  status: RequestStatus;
  progress: CollectionProgress[];
  dueAt?: string;
  /** Set once an extension moved the due date. */
  extendedDueAt?: string;
  extensions?: number;
  overdue?: boolean;
  denial?: Denial;
  exportId?: string;
  /** deletion: per store/collection what was done (counts, bases; no data). */
  outcomes?: ErasureOutcome[];
  /** correction: what changed where (field names and counts; no values). */
  corrections?: CorrectionOutcome[];
  /** Stores the data map names that this request cannot act on, with why (said in the manifest, report and notices). */
  notIncluded?: NotIncludedEntry[];
  /** deletion: when the soft-deleted account is hard-purged (durable timer). */
  purgeAt?: string;
  purgedAt?: string;
  /** on_hold: the legal hold's category (never its internal notes) and since when the request waits. */
  hold?: { holdId: string; category: HoldCategory; since: string };
  /** objection to a purpose other than direct marketing: waiting for the privacy team to accept or refuse it (compelling legitimate grounds). */
  awaitingDecision?: boolean;
  /** opt_out, limit, restriction, objection: what each store did, with its re-query. */
  processing?: ProcessingOutcome[];
  /** needs_attention: the step that cannot succeed until someone fixes the store (no personal data). */
  attention?: Attention;
}

/** The ApplicationFailure type of an error no retry can fix; its first detail is an AttentionCause. */
export const NEEDS_ATTENTION_FAILURE = 'NeedsAttention';

/** The ApplicationFailure type of a mail the server refused for good; its first detail is an AttentionCause (store `mail`, the mail's kind). */
export const MAIL_REJECTED_FAILURE = 'MailRejected';

/** Where a data step failed for good and why: identifiers, an error class and a description without row values. */
export interface AttentionCause {
  store: string;
  collection: string;
  /** e.g. `postgres 42P01`, `mysql ER_NO_SUCH_TABLE`, `http 404`, `s3 NoSuchBucket`, `datamap`. */
  errorClass: string;
  reason: string;
}

export interface Attention extends AttentionCause {
  /** When the request stopped (workflow time). */
  since: string;
}

export interface Retry {
  /** Who asked for the retry (an admin key's name). */
  by: string;
}

export const MANUAL_TASK_OUTCOMES = ['done', 'uploaded', 'nothing_held'] as const;
export type ManualTaskOutcome = (typeof MANUAL_TASK_OUTCOMES)[number];

export interface ManualTaskCompletion {
  store: string;
  /** Who completed it (an admin key's name), never the subject. */
  by: string;
  note: string;
  /** deletion/correction: done; access/export: the team uploaded what the store holds, or found nothing. */
  outcome?: ManualTaskOutcome;
}

export interface CollectionRef {
  store: string;
  collection: string;
}

export interface FileDigest {
  name: string;
  bytes: number;
  sha256: string;
  /** Staged as the ZIP entry's data: CRC-32 of the content, the method (8 raw deflate, the default; 0 stored) and staged size. */
  crc32?: number;
  method?: 0 | 8;
  compressedBytes?: number;
  /** The staging file holding the entry's deflated bytes. */
  stagedAs?: string;
}

/** What a count of records means for a store kind. */
export type RecordUnit = 'rows' | 'keys' | 'records' | 'files';

/** One target read for access/export: its records in the archive (counts and digests, no data). */
export interface CollectionExportResult extends CollectionRef {
  kind: StoreKind;
  /** Records read: rows, keys, processor records or uploaded files (see `unit`). */
  rows: number;
  unit: RecordUnit;
  files: FileDigest[];
  note?: string;
}

/** A request's work as the data map decides it: targets by level (a level runs side by side, levels in order), and what it cannot include. */
export interface RequestWork {
  levels: { store: string; collection: string; kind: StoreKind }[][];
  notIncluded: NotIncludedEntry[];
  /** Laws the subject's residence in the data map brings (`jurisdictionFrom`); the deadline tightens to them. */
  jurisdictions?: Jurisdiction[];
}

/** A store the request could not include, and why (it is named in the manifest and the report). */
export interface NotIncludedEntry extends CollectionRef {
  kind: StoreKind;
  reason: string;
}

export interface ExportPackage {
  exportId: string;
  bytes: number;
  sha256: string;
  collections: number;
  rows: number;
}

export interface Extension {
  newDueAt: string;
  reason: string;
  by: string;
}

export const DENIAL_REASONS = [
  'manifestly_unfounded',
  'excessive',
  'identity_not_verified',
  'legal_exemption',
  // GDPR Art. 21(1): only for an objection to a purpose other than direct marketing
  'compelling_legitimate_grounds',
] as const;
export const LIFT_RESTRICTION_WORKFLOW = 'liftRestriction';
export type DenialReason = (typeof DENIAL_REASONS)[number];
export interface Denial {
  reason: DenialReason;
  /** Explanation sent to the subject. */
  details: string;
  by: string;
}

export interface ErasureOutcome {
  store: string;
  collection: string;
  kind: StoreKind;
  action: 'delete' | 'mask' | 'retain' | 'purge' | 'held' | 'notify' | 'manual';
  deleted: number;
  masked: number;
  retained: number;
  softDeleted: number;
  /** Re-query after erasure: rows or keys still present where deletion (or masking) was due. Must be 0. */
  remainingDue: number;
  longestStatementMs: number;
  /** SQL stores: the write statements (batches of ≤ 10,000 rows) the action took. */
  statements?: number;
  /** delete: time spent deleting, and re-querying for the proof. */
  eraseMs?: number;
  proofMs?: number;
  maskedFields?: string[];
  basis?: string;
  retentionPeriod?: string;
  retainedUntil?: string;
  purgeAfter?: string;
  note?: string;
}

export interface PlanEntry {
  store: string;
  collection: string;
  kind: StoreKind;
  action: 'delete' | 'mask' | 'retain' | 'purge' | 'held' | 'notify' | 'manual' | 'not_included';
  /** Rows (SQL stores), keys (Redis), API calls (processor) or object versions (S3) the action would touch. */
  rows: number;
  /** S3: the bytes of those object versions. */
  bytes?: number;
  /** Deletion runs in this order (1 first; children before the collections they reference); absent when not included. */
  step?: number;
  basis?: string;
  retainedUntil?: string;
  purgeAfter?: string;
  maskedFields?: string[];
  /** not_included: why deletion cannot act on this store. */
  note?: string;
  /** SQL collections: the data-changing statements the erase runs, in order (`$n`: a bound value, not shown; activities/stores/planned-statements.ts). */
  statements?: string[];
  /** purge: the statements of the hard delete when the grace period ends. */
  purgeStatements?: string[];
}

export const PLAN_WORKFLOW = 'deletionPlan';
export const SWEEP_WORKFLOW = 'retentionSweep';

export interface SweepResult {
  store: string;
  collection: string;
  rule: 'retention' | 'purge_grace' | 'export_expiry';
  olderThan: string;
  deleted: number;
  heldSkipped: number;
  /** S3: object versions past their age that object lock (a retention date or legal hold) kept. */
  lockedSkipped?: number;
  statements: number;
  longestStatementMs: number;
}

export interface CorrectionOutcome {
  store: string;
  collection: string;
  /** Field names and keyed hashes (lib/keyed-hash.ts) of old and new values: never the values. */
  changes: { field: string; column: string; rows: number; oldHash: string[]; newHash: string }[];
  /** Rows left alone: a masked value or a restricted (retained) row is final (GDPR Art. 18(2)) unless the map allows it. */
  skipped?: CorrectionSkip[];
}

export const CORRECTION_SKIP_REASONS = ['masked', 'restricted', 'awaiting_purge'] as const;
export type CorrectionSkipReason = (typeof CORRECTION_SKIP_REASONS)[number];

export interface CorrectionSkip {
  field: string;
  column: string;
  rows: number;
  /** masked: a value erasure masked; restricted: a retained row; awaiting_purge: a row deactivated for its purge. */
  reason: CorrectionSkipReason;
}
