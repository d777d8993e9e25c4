import { HOLD_CATEGORIES } from './legal-hold';
import { z } from 'zod';
import { REQUEST_STATUSES } from './status';

export { REQUEST_STATUSES, TERMINAL_STATUSES, isTerminal } from './status';

export const REQUEST_TYPES = ['access', 'export', 'correction', 'deletion', 'opt_out', 'limit', 'restriction', 'objection'] as const;
export const RequestType = z.enum(REQUEST_TYPES);
export type RequestType = z.infer<typeof RequestType>;

/** Requests that change how the subject's data is processed (opt-out, limit, restriction, objection): schemas/processing.ts. */
export { PROCESSING_TYPES, DIRECT_MARKETING, isProcessingType, type ProcessingType } from './processing';

export const CHANNELS = ['self_service', 'admin', 'inbox'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const RequestStatus = z.enum(REQUEST_STATUSES);
export type RequestStatus = z.infer<typeof RequestStatus>;

export const EMAIL_MAX = 254;
export const SubjectEmail = z
  .email({ error: 'must be a valid email address' })
  .max(EMAIL_MAX)
  .transform((s) => s.trim().toLowerCase());

/** Body of POST /v1/requests. */
export const RequestIntake = z
  .object({
    type: RequestType,
    email: SubjectEmail,
    /** A law the requester invokes; it adds to the laws the engine finds, never loosens them. */
    jurisdiction: z.enum(['policy', 'gdpr', 'ccpa']).optional(),
    /** Where the subject lives: a country code (DE), a region (US-CA), or EU/EEA. Decides the law with the rest. */
    residence: z
      .string()
      .trim()
      .regex(/^(?:[A-Za-z]{2}(?:[-_][A-Za-z0-9]{1,3})?|EU|EEA|eu|eea)$/, 'must be a country code (DE), a region (US-CA), EU or EEA')
      .optional(),
    /** CCPA §7063: an authorized agent submitting for the subject (who is still verified directly). */
    agent: z
      .object({ name: z.string().trim().min(1, "give the agent's name").max(200), email: SubjectEmail })
      .strict()
      .optional(),
    /** correction: field → new value, for fields the data map marks correctable. */
    corrections: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a field name'), z.string().min(1).max(1000)).optional(),
    /** objection (GDPR Art. 21): the purpose objected to — one of the data map's purposes, or `direct_marketing`. */
    purpose: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a purpose name (e.g. direct_marketing)')
      .max(100)
      .optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.type === 'correction' && (!r.corrections || !Object.keys(r.corrections).length)) {
      ctx.addIssue({ code: 'custom', path: ['corrections'], message: 'a correction request needs at least one field to correct' });
    }
    if (r.type !== 'correction' && r.corrections) {
      ctx.addIssue({ code: 'custom', path: ['corrections'], message: 'only correction requests carry corrections' });
    }
    if (r.type === 'objection' && !r.purpose) {
      ctx.addIssue({ code: 'custom', path: ['purpose'], message: 'an objection names the purpose objected to (e.g. direct_marketing)' });
    }
    if (r.type !== 'objection' && r.purpose) {
      ctx.addIssue({ code: 'custom', path: ['purpose'], message: 'only objection requests carry a purpose' });
    }
  });
export type RequestIntake = z.infer<typeof RequestIntake>;

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IdempotencyKey = z
  .string()
  .min(8)
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII only');

export const RequestId = z.uuid({ error: 'must be a request id (UUID)' });

/** `token`: the code from the verification mail, `ABCD-EFGH`, in any case, with or without the dash. */
export const VerifyBody = z
  .object({
    token: z.string().trim().min(8).max(200),
    /** CCPA §7062 step-up: the answer to the account question the verification mail names, when one is asked. */
    stepUp: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

export const CollectionProgress = z.object({
  store: z.string(),
  collection: z.string(),
  state: z.enum(['pending', 'running', 'waiting', 'done', 'failed', 'not_included']),
  /** not_included: why the request cannot act on this store. */
  note: z.string().optional(),
  rows: z.number().int().nonnegative().optional(),
  attempts: z.number().int().nonnegative().optional(),
  /** The place's opaque key of GET /v1/requests/options (the subject's status view sets it). */
  place: z.string().optional(),
});
export type CollectionProgress = z.infer<typeof CollectionProgress>;

export const RequestView = z.object({
  id: z.uuid(),
  type: RequestType,
  channel: Channel,
  status: RequestStatus,
  receivedAt: z.string(),
  dueAt: z.string(),
  jurisdiction: z.enum(['policy', 'gdpr', 'ccpa']),
  extendedDueAt: z.string().nullable(),
  overdue: z.boolean(),
  verifiedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  progress: z.array(CollectionProgress),
  /** deletion: when the deactivated account is purged (the request completes once the purge is proven). */
  purgeAt: z.string().nullable().optional(),
  /** on_hold: the legal hold's category (why the deletion is postponed), never its internal notes. */
  holdCategory: z.enum(HOLD_CATEGORIES).nullable().optional(),
  /** objection to a purpose other than direct marketing: the privacy team is weighing it (GDPR Art. 21(1)). */
  awaitingDecision: z.boolean().optional(),
  /** restriction: when the privacy team lifted it (the subject was told beforehand, GDPR Art. 18(3)). */
  restrictionLiftedAt: z.string().nullable().optional(),
});
export type RequestView = z.infer<typeof RequestView>;

/** needs_attention: where and why the request stopped — identifiers, an error class, no row values. */
export const AttentionView = z.object({
  store: z.string(),
  collection: z.string(),
  errorClass: z.string(),
  reason: z.string(),
  since: z.string(),
});

/** An authorized agent's request (CCPA §7063): who, the permission document's SHA-256, who accepted a power of attorney. */
export const AgentView = z.object({
  name: z.string(),
  documentSha256: z.string().nullable(),
  documentHeld: z.boolean(),
  acceptedBy: z.string().nullable(),
  acceptedAt: z.string().nullable(),
});
export type AgentView = z.infer<typeof AgentView>;

/** The privacy team's view of a request: the subject's view and, when it needs attention, why. */
export const AdminRequestView = RequestView.extend({
  /** Submitted by an authorized agent: null when the subject asked themselves. */
  agent: AgentView.nullable().optional(),
  attention: AttentionView.nullable(),
  /** Every law that applies, as the engine decided (the due date is the strictest of them). */
  jurisdictions: z.array(z.enum(['policy', 'gdpr', 'ccpa'])),
  /** An objection's purpose (a purpose of the data map, or direct_marketing). */
  objectionPurpose: z.string().nullable().optional(),
});
export type AdminRequestView = z.infer<typeof AdminRequestView>;

/**
 * What GET /v1/requests/:id answers without the request's status token: only what a subject
 * needs to follow it — no type, no per-store progress, no counts, no dates of receipt or verification.
 */
export const RequestPublicStatus = z.object({
  id: z.uuid(),
  status: RequestStatus,
  dueAt: z.string(),
  extendedDueAt: z.string().nullable(),
});
export type RequestPublicStatus = z.infer<typeof RequestPublicStatus>;

/**
 * What an authorized agent's status token shows (CCPA §7063, §7022): the request and its outcome —
 * type, status and dates — but no per-place progress or counts; the subject's data goes to the subject only.
 */
export const RequestAgentStatus = RequestPublicStatus.extend({
  viewer: z.literal('agent'),
  type: RequestType,
  receivedAt: z.string(),
  verifiedAt: z.string().nullable(),
  completedAt: z.string().nullable(),
  /** The signed permission document was received (or the privacy team accepted a power of attorney). */
  permissionReceived: z.boolean(),
});
export type RequestAgentStatus = z.infer<typeof RequestAgentStatus>;

/** The header that may carry a status token (instead of `?t=`). */
export const STATUS_TOKEN_HEADER = 'x-status-token';

export const RequestAccepted = z.object({
  id: z.uuid(),
  type: RequestType,
  status: RequestStatus,
  receivedAt: z.string(),
  dueAt: z.string(),
  /** Proves possession of the request: send it as `?t=` or `x-status-token` for the full status view. */
  statusToken: z.string(),
  links: z.object({ self: z.string(), status: z.string() }),
});
