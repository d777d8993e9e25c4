import { createTransport, type Transporter } from 'nodemailer';
import type { Pool } from 'pg';
import { sha256Hex } from '../lib/hash';
import { mailWasSent, recordMailSent } from '../records/mails-sent';

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
  if (await mailWasSent(db, mail.key)) return { sent: false };
  const messageId = `<${sha256Hex(mail.key).slice(0, 32)}@dsar-engine>`;
  await mailer.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId });
  await recordMailSent(db, { key: mail.key, requestId: mail.requestId, kind: mail.kind, messageId });
  return { sent: true };
}
