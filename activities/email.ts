// Mail through the outbox (records/mail-outbox): a row before the send, 'sent' right after the
// server accepted it, so a retry never mails twice what was recorded, and resends what was not
// with the same Message-ID.
import { ApplicationFailure } from '@temporalio/activity';
import { createTransport, type Transporter } from 'nodemailer';
import type { Pool } from 'pg';
import { sha256Hex } from '../lib/hash';
import { claimOutboxSend, markOutboxFailed, markOutboxSent } from '../records/mail-outbox';
import type { Config } from '../schemas/config';
import { MAIL_REJECTED_FAILURE, type AttentionCause } from '../schemas/workflow';
import { withHeartbeat } from './heartbeat';

export type SmtpTimeouts = Pick<Config, 'SMTP_CONNECTION_TIMEOUT_MS' | 'SMTP_GREETING_TIMEOUT_MS' | 'SMTP_SOCKET_TIMEOUT_MS'>;

const DEFAULT_TIMEOUTS: SmtpTimeouts = {
  SMTP_CONNECTION_TIMEOUT_MS: 10_000,
  SMTP_GREETING_TIMEOUT_MS: 10_000,
  SMTP_SOCKET_TIMEOUT_MS: 15_000,
};

/**
 * A transport whose every wait is bounded, so a hung mail server fails the attempt (and it is
 * retried). The timeouts go in the URL's query (nodemailer reads options from it; an object with
 * `url` would drop them); ones the URL already sets are kept.
 */
export function createMailer(smtpUrl: string, timeouts: SmtpTimeouts = DEFAULT_TIMEOUTS): Transporter {
  const bounds: [string, number][] = [
    ['connectionTimeout', timeouts.SMTP_CONNECTION_TIMEOUT_MS],
    ['greetingTimeout', timeouts.SMTP_GREETING_TIMEOUT_MS],
    ['socketTimeout', timeouts.SMTP_SOCKET_TIMEOUT_MS],
  ];
  const query = bounds.filter(([name]) => !new RegExp(`[?&]${name}=`).test(smtpUrl)).map(([name, ms]) => `${name}=${ms}`);
  return createTransport(query.length ? `${smtpUrl}${smtpUrl.includes('?') ? '&' : '?'}${query.join('&')}` : smtpUrl);
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

/** Failure types an activity's caller sees: the first is never retried. */
export const MAIL_REJECTED = MAIL_REJECTED_FAILURE;
export const MAIL_NOT_SENT = 'MailNotSent';

/** `<sha256(key)@domain of MAIL_FROM>`: the same for every attempt at a key, and no personal data in it. */
export function messageIdFor(key: string, from: string): string {
  const domain = /@([^\s<>@]+)>?\s*$/.exec(from)?.[1] ?? 'dsar-engine.invalid';
  return `<${sha256Hex(key).slice(0, 32)}@${domain}>`;
}

/**
 * Sends unless this key was already sent. The outbox row is written before the send and marked
 * sent immediately after the transport resolves; a crash in between leaves it 'sending', and the
 * retry resends with the same Message-ID. Heartbeats throughout, so a dead worker is noticed
 * within the mail step's heartbeat timeout.
 */
export function sendOnce(db: Pool, mailer: Transporter, from: string, mail: OutgoingMail): Promise<{ sent: boolean }> {
  return withHeartbeat(async () => {
    const claim = await claimOutboxSend(db, {
      key: mail.key,
      requestId: mail.requestId,
      kind: mail.kind,
      messageId: messageIdFor(mail.key, from),
    });
    if (!claim) return { sent: false };
    let response: string;
    try {
      const info = await mailer.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: claim.messageId,
      });
      response = String(info.response ?? '');
    } catch (err) {
      const failure = smtpFailure(mail.kind, err);
      await markOutboxFailed(db, mail.key, { rejected: failure.nonRetryable === true, reason: failure.message }).catch(() => undefined);
      throw failure;
    }
    await markOutboxSent(db, mail.key, response);
    return { sent: true };
  });
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

/** Commands whose 5xx reply means this mail will never be taken: the sender, a recipient or the message refused. */
const MESSAGE_COMMANDS = new Set(['MAIL FROM', 'RCPT TO', 'DATA']);

/**
 * An SMTP failure as the workflow sees it, named by class, reply code and command (never by the
 * server's text, which may echo the address): a 5xx to the envelope or the message is permanent;
 * 4xx, refused connections and timeouts are retried.
 */
export function smtpFailure(kind: string, err: unknown): ApplicationFailure {
  const e = (err ?? {}) as SmtpError;
  const enhanced = typeof e.response === 'string' ? /^\d{3}[ -](\d\.\d{1,3}\.\d{1,3})\b/.exec(e.response)?.[1] : undefined;
  const reply = [e.responseCode, enhanced].filter(Boolean).join(' ');
  const where = e.command ? ` to ${e.command}` : '';
  const cls = e.code ?? (err instanceof Error ? err.name : 'Error');
  if (e.responseCode && e.responseCode >= 500 && e.responseCode < 600 && e.command && MESSAGE_COMMANDS.has(e.command)) {
    const reason = `the mail server refused the ${kind} mail for good: ${cls} ${reply}${where}`;
    const cause: AttentionCause = { store: 'mail', collection: kind, errorClass: `smtp ${e.responseCode}`, reason };
    return ApplicationFailure.nonRetryable(reason, MAIL_REJECTED, cause);
  }
  return ApplicationFailure.retryable(`the ${kind} mail was not sent: ${cls}${reply ? ` ${reply}` : ''}${where}`, MAIL_NOT_SENT);
}
