// The inbox_messages table: every mail to privacy@ (IMAP or webhook), once per Message-ID, with
// what became of it.
import type { InboxSource, InboxStatus } from '../schemas/inbox';
import type { Queryable } from './db';

/** A mail as the triage list shows it: no sender address, no body. */
export interface InboxListing {
  id: string;
  receivedAt: Date;
  source: InboxSource;
  status: InboxStatus;
  suggested: string | null;
  matched: string[];
  reason: string | null;
  subject: string | null;
  requestId: string | null;
}

export interface NewInboxMessage {
  id: string;
  messageId: string;
  source: InboxSource;
  status: InboxStatus;
  suggested: string | null;
  matched: string[];
  reason: string | null;
  sender: string | null;
  subject: string;
  raw: Buffer;
  requestId: string | null;
  /** When the mail arrived (webhook receipt, IMAP INTERNALDATE). */
  receivedAt: Date;
}

export async function findInboxMessageByMessageId(
  db: Queryable,
  messageId: string,
): Promise<{ id: string; status: InboxStatus; requestId: string | null } | null> {
  const { rows } = await db.query<{ id: string; status: InboxStatus; request_id: string | null }>(
    'SELECT id, status, request_id FROM inbox_messages WHERE message_id = $1',
    [messageId],
  );
  return rows[0] ? { id: rows[0].id, status: rows[0].status, requestId: rows[0].request_id } : null;
}

/** Keeps the mail; false when one with the same Message-ID is already kept. */
export async function insertInboxMessage(db: Queryable, m: NewInboxMessage): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO inbox_messages (id, message_id, source, status, suggested, matched, reason, sender, subject, raw, request_id, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (message_id) DO NOTHING`,
    [m.id, m.messageId, m.source, m.status, m.suggested, m.matched, m.reason, m.sender, m.subject, m.raw, m.requestId, m.receivedAt],
  );
  return !!rowCount;
}

/** Mails in one status, oldest first, at most `limit`. */
export async function listInboxMessages(db: Queryable, status: InboxStatus, limit = 500): Promise<InboxListing[]> {
  const { rows } = await db.query<{
    id: string;
    received_at: Date;
    source: InboxSource;
    status: InboxStatus;
    suggested: string | null;
    matched: string[];
    reason: string | null;
    subject: string | null;
    request_id: string | null;
  }>(
    'SELECT id, received_at, source, status, suggested, matched, reason, subject, request_id FROM inbox_messages WHERE status = $1 ORDER BY received_at LIMIT $2',
    [status, limit],
  );
  return rows.map((m) => ({
    id: m.id,
    receivedAt: m.received_at,
    source: m.source,
    status: m.status,
    suggested: m.suggested,
    matched: m.matched,
    reason: m.reason,
    subject: m.subject,
    requestId: m.request_id,
  }));
}

/** What turning a mail into a request needs: its status, sender and Message-ID. */
export async function findInboxMessage(
  db: Queryable,
  id: string,
): Promise<{ id: string; status: InboxStatus; sender: string | null; messageId: string } | null> {
  const { rows } = await db.query<{ id: string; status: InboxStatus; sender: string | null; message_id: string }>(
    'SELECT id, status, sender, message_id FROM inbox_messages WHERE id = $1',
    [id],
  );
  return rows[0] ? { id: rows[0].id, status: rows[0].status, sender: rows[0].sender, messageId: rows[0].message_id } : null;
}

/** Rejects a mail in triage or quarantine; false when there is no such mail. */
export async function rejectInboxMessage(db: Queryable, id: string, reason: string, decidedBy: string): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE inbox_messages SET status = 'rejected', reason = $2, decided_by = $3, decided_at = now() WHERE id = $1 AND status IN ('triage', 'quarantine')",
    [id, reason, decidedBy],
  );
  return !!rowCount;
}

/** The privacy team applied a mail's opt-out in the product; false when the mail holds no opt-out or it was marked already. */
export async function markOptOutApplied(db: Queryable, id: string, appliedBy: string): Promise<boolean> {
  const { rowCount } = await db.query(
    "UPDATE inbox_intents SET opt_out_applied_at = now(), opt_out_applied_by = $2 WHERE inbox_id = $1 AND status = 'opt_out' AND opt_out_applied_at IS NULL",
    [id, appliedBy],
  );
  return !!rowCount;
}

export type InboxErasureReason = 'subject_deletion' | 'record_keeping';

/** Mails not erased yet that came from `email` or became a request of that subject: ids and senders. */
export async function unerasedMailOfSubject(db: Queryable, email: string): Promise<{ id: string; sender: string | null }[]> {
  const { rows } = await db.query<{ id: string; sender: string | null }>(
    `SELECT m.id, m.sender FROM inbox_messages m
      WHERE m.erased_at IS NULL
        AND (lower(m.sender) = lower($1)
             OR m.request_id IN (SELECT r.id FROM requests r WHERE lower(r.subject_email) = lower($1)))`,
    [email],
  );
  return rows;
}

/** Mails not erased yet that arrived more than `months` ago, oldest first, at most `limit`; none sent by `exceptSenders`. */
export async function unerasedMailOlderThan(
  db: Queryable,
  months: number,
  limit: number,
  exceptSenders: string[] = [],
): Promise<{ id: string; sender: string | null }[]> {
  const { rows } = await db.query<{ id: string; sender: string | null }>(
    `SELECT id, sender FROM inbox_messages
      WHERE erased_at IS NULL AND received_at < now() - make_interval(months => $1)
        AND NOT (lower(coalesce(sender, '')) = ANY($3::text[]))
      ORDER BY received_at LIMIT $2`,
    [months, limit, exceptSenders.map((s) => s.toLowerCase())],
  );
  return rows;
}

/**
 * Removes the raw mail, the sender address and the subject line; keeps the Message-ID, arrival
 * time, classification, request and `senderHash` (keyed). Mails already erased stay as they are.
 */
export async function eraseInboxMail(
  db: Queryable,
  mails: { id: string; senderHash: string | null }[],
  because: InboxErasureReason,
): Promise<number> {
  if (!mails.length) return 0;
  const { rowCount } = await db.query(
    `UPDATE inbox_messages m SET raw = NULL, sender = NULL, subject = NULL, sender_hash = e.sender_hash,
            erased_at = now(), erased_because = $3
       FROM unnest($1::uuid[], $2::text[]) AS e(id, sender_hash)
      WHERE m.id = e.id AND m.erased_at IS NULL`,
    [mails.map((m) => m.id), mails.map((m) => m.senderHash), because],
  );
  return rowCount ?? 0;
}
