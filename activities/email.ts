import { createTransport, type Transporter } from 'nodemailer';
import type { Pool } from 'pg';
import { sha256Hex } from '../lib/hash';

export function createMailer(smtpUrl: string): Transporter {
  return createTransport(smtpUrl);
}

export interface OutgoingMail {
  /** One email per key, ever: a retried activity does not mail twice. */
  key: string;
  requestId: string | null;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/**
 * Sends unless this key was already sent. The Message-ID is derived from the key, so even the
 * rare resend after a crash between SMTP acceptance and the record is recognisable downstream.
 */
export async function sendOnce(db: Pool, mailer: Transporter, from: string, mail: OutgoingMail): Promise<{ sent: boolean }> {
  const already = await db.query('SELECT 1 FROM emails_sent WHERE key = $1', [mail.key]);
  if (already.rowCount) return { sent: false };
  const messageId = `<${sha256Hex(mail.key).slice(0, 32)}@dsar-engine>`;
  await mailer.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId });
  await db.query('INSERT INTO emails_sent (key, request_id, kind, message_id) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING', [
    mail.key,
    mail.requestId,
    mail.kind,
    messageId,
  ]);
  return { sent: true };
}
