import { z } from 'zod';

/** What became of a mail to privacy@: a request, an opt-out, the triage list, quarantine or rejected. */
export const INBOX_STATUSES = ['request', 'opt_out', 'triage', 'quarantine', 'rejected'] as const;
export const InboxStatus = z.enum(INBOX_STATUSES);
export type InboxStatus = z.infer<typeof InboxStatus>;

export type InboxSource = 'webhook' | 'imap';

/** What one intent of a mail asks for (null: unclear, for a person to decide). */
export const INBOX_INTENT_KINDS = ['access', 'export', 'correction', 'deletion', 'opt_out'] as const;
export type InboxIntentKind = (typeof INBOX_INTENT_KINDS)[number];

/** What became of one intent: a request, an opt-out record, waiting in triage, or rejected. */
export const INBOX_INTENT_STATUSES = ['request', 'opt_out', 'triage', 'rejected'] as const;
export const InboxIntentStatus = z.enum(INBOX_INTENT_STATUSES);
export type InboxIntentStatus = z.infer<typeof InboxIntentStatus>;

/** What the privacy team can classify an intent as: a request a mail can start, or an opt-out. */
export const IntentClassification = z.enum(['access', 'export', 'deletion', 'opt_out']);
export type IntentClassification = z.infer<typeof IntentClassification>;

export const InboxIntentView = z.object({
  id: z.uuid(),
  type: z.enum(INBOX_INTENT_KINDS).nullable(),
  status: InboxIntentStatus,
  requestId: z.uuid().nullable(),
});
