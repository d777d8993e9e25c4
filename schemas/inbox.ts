import { z } from 'zod';

/** What became of a mail to privacy@: a request, an opt-out, the triage list, quarantine or rejected. */
export const INBOX_STATUSES = ['request', 'opt_out', 'triage', 'quarantine', 'rejected'] as const;
export const InboxStatus = z.enum(INBOX_STATUSES);
export type InboxStatus = z.infer<typeof InboxStatus>;

export type InboxSource = 'webhook' | 'imap';
