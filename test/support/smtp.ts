// A real SMTP server in-process (smtp-server) that keeps what it receives, parsed.
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface CaughtMail {
  to: string[];
  subject: string;
  text: string;
  messageId: string;
  raw: ParsedMail;
}

/** An SMTP refusal: the reply code (4xx transient, 5xx permanent) and its text. */
export interface SmtpRefusal {
  code: number;
  message: string;
}

/** Optional behaviour a test sets on a running catcher (`catcher.hooks = {…}`); none by default. */
export interface SmtpHooks {
  /** Refuses a recipient (RCPT TO) when it returns a refusal. */
  refuseRecipient?: (address: string) => SmtpRefusal | undefined;
  /** Refuses a received message at the end of DATA when it returns a refusal; it is then not kept. */
  refuseMessage?: (mail: CaughtMail) => SmtpRefusal | undefined;
  /** Runs once a message is received and kept, before the server replies 250 (the reply waits for it). */
  beforeAccept?: (mail: CaughtMail) => void | Promise<void>;
}

export interface SmtpCatcher {
  url: string;
  mails: CaughtMail[];
  hooks: SmtpHooks;
  waitFor(predicate: (m: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  close(): Promise<void>;
}

/** Listens on `port` when given (a test that brings mail back on the address a worker already uses), else on a free one. */
export async function startSmtpCatcher(port = 0): Promise<SmtpCatcher> {
  const mails: CaughtMail[] = [];
  const waiters: (() => void)[] = [];
  const refusal = (r: SmtpRefusal) => Object.assign(new Error(r.message), { responseCode: r.code });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const refused = catcher.hooks.refuseRecipient?.(address.address);
      callback(refused ? refusal(refused) : undefined);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then(async (parsed) => {
          const mail: CaughtMail = {
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            messageId: parsed.messageId ?? '',
            raw: parsed,
          };
          const refused = catcher.hooks.refuseMessage?.(mail);
          if (refused) return callback(refusal(refused));
          mails.push(mail);
          waiters.splice(0).forEach((w) => w());
          await catcher.hooks.beforeAccept?.(mail);
          callback();
        })
        .catch(callback);
    },
  });
  // a client that dies mid-transaction (a killed worker) resets its connection: not the catcher's failure
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const listening = (server.server.address() as AddressInfo).port;
  const catcher: SmtpCatcher = {
    url: `smtp://127.0.0.1:${listening}`,
    mails,
    hooks: {},
    async waitFor(predicate, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = mails.find(predicate);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(`no matching mail within ${timeoutMs} ms (have ${mails.length}: ${mails.map((m) => m.subject).join(', ')})`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 250);
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return catcher;
}
