// The emails_sent table: every mail the engine sent, at most once per key. Kind and time only:
// no address, no body.
import type { Queryable } from './db';

export interface MailSent {
  kind: string;
  sentAt: Date;
  messageId: string;
}

export async function mailWasSent(db: Queryable, key: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM emails_sent WHERE key = $1', [key]);
  return !!rowCount;
}

export async function recordMailSent(
  db: Queryable,
  m: { key: string; requestId: string | null; kind: string; messageId: string },
): Promise<void> {
  await db.query('INSERT INTO emails_sent (key, request_id, kind, message_id) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING', [
    m.key,
    m.requestId,
    m.kind,
    m.messageId,
  ]);
}

/** The mails sent about one request, oldest first. */
export async function listMailsSent(db: Queryable, requestId: string): Promise<MailSent[]> {
  const { rows } = await db.query<{ kind: string; sent_at: Date; message_id: string }>(
    'SELECT kind, sent_at, message_id FROM emails_sent WHERE request_id = $1 ORDER BY sent_at, key',
    [requestId],
  );
  return rows.map((m) => ({ kind: m.kind, sentAt: m.sent_at, messageId: m.message_id }));
}
