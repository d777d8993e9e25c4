// The mail_outbox table: every mail the engine sends, one row per key, written before the send
// ('sending') and marked 'sent' with the server's answer once the SMTP server accepted it. Kind,
// Message-ID, times and reply codes only: no address, no body.
import type { Queryable } from './db';

export interface MailSent {
  kind: string;
  sentAt: Date;
  messageId: string;
}

export interface OutboxClaim {
  /** The Message-ID to send with: the one stored by the first attempt, so every resend carries it. */
  messageId: string;
  /** This attempt's number, counting every attempt at this key. */
  attempts: number;
}

/**
 * Records an attempt at sending `key` before the send. Null when the key was already sent (nothing
 * to do); otherwise the row is (again) 'sending' and the Message-ID to use is returned.
 */
export async function claimOutboxSend(
  db: Queryable,
  m: { key: string; requestId: string | null; kind: string; messageId: string },
): Promise<OutboxClaim | null> {
  const { rows } = await db.query<{ message_id: string; attempts: number }>(
    `INSERT INTO mail_outbox (key, request_id, kind, message_id) VALUES ($1, $2, $3, $4)
     ON CONFLICT (key) DO UPDATE SET attempts = mail_outbox.attempts + 1, last_attempt_at = now(), state = 'sending'
       WHERE mail_outbox.state <> 'sent'
     RETURNING message_id, attempts`,
    [m.key, m.requestId, m.kind, m.messageId],
  );
  return rows[0] ? { messageId: rows[0].message_id, attempts: rows[0].attempts } : null;
}

/** An SMTP reply as kept: addresses a server may echo are blanked, and it is cut short. */
export const redactSmtpReply = (reply: string): string => reply.replace(/[^\s<>"'@]+@[^\s<>"']+/g, '[address]').slice(0, 200);

export async function markOutboxSent(db: Queryable, key: string, smtpResponse: string): Promise<void> {
  await db.query(
    "UPDATE mail_outbox SET state = 'sent', sent_at = now(), smtp_response = $2, last_error = NULL WHERE key = $1 AND state <> 'sent'",
    [key, redactSmtpReply(smtpResponse)],
  );
}

/** A failed attempt: `rejected` when the server refused the mail for good, else it stays 'sending' for the retry. */
export async function markOutboxFailed(db: Queryable, key: string, f: { rejected: boolean; reason: string }): Promise<void> {
  await db.query(
    `UPDATE mail_outbox SET state = CASE WHEN $2 THEN 'rejected' ELSE state END, last_error = $3 WHERE key = $1 AND state <> 'sent'`,
    [key, f.rejected, redactSmtpReply(f.reason)],
  );
}

export async function mailWasSent(db: Queryable, key: string): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM mail_outbox WHERE key = $1 AND state = 'sent'", [key]);
  return !!rowCount;
}

/** The mails sent about one request, oldest first. */
export async function listMailsSent(db: Queryable, requestId: string): Promise<MailSent[]> {
  const { rows } = await db.query<{ kind: string; sent_at: Date; message_id: string }>(
    "SELECT kind, sent_at, message_id FROM mail_outbox WHERE request_id = $1 AND state = 'sent' ORDER BY sent_at, key",
    [requestId],
  );
  return rows.map((m) => ({ kind: m.kind, sentAt: m.sent_at, messageId: m.message_id }));
}
