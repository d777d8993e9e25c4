// A development SMTP catcher with a web inbox (the `maildev` registry package): every mail the
// engine sends lands here instead of in someone's real mailbox.
//
// maildev is a process-wide singleton (its SMTP server and web app are module state), so one
// catcher per process. Its factory also installs SIGINT/SIGTERM handlers that call
// process.exit(0); they are removed here, so the caller decides when and in what order things stop.
import { rm } from 'node:fs/promises';
import type { Server } from 'node:http';

export interface MailCatcher {
  /** For nodemailer / SMTP_URL. */
  smtpUrl: string;
  /** The web inbox; its REST API lists mails at `${webUrl}/email`. */
  webUrl: string;
  stop(): Promise<void>;
}

export interface MailCatcherOptions {
  smtpPort?: number;
  webPort?: number;
  /** Address both servers bind to. */
  host?: string;
}

interface MailServer {
  smtp: NodeJS.EventEmitter & { close(cb: () => void): void };
  mailDir: string;
  listen(): Promise<void>;
  close(cb: () => void): void;
}
type MailDevFactory = new (config: Record<string, unknown>) => MailServer;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
let running = false;

export async function startMailCatcher(opts: MailCatcherOptions = {}): Promise<MailCatcher> {
  const smtpPort = opts.smtpPort ?? 1025;
  const webPort = opts.webPort ?? 1080;
  const host = opts.host ?? '127.0.0.1';
  if (running) throw new Error('a mail catcher is already running in this process (maildev is a singleton)');
  running = true;

  // Loaded on first use: maildev pulls in express, socket.io and jsdom.
  const MailDev = require('maildev') as MailDevFactory;
  const web = require('maildev/lib/web') as { server?: Server };

  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const maildev = new MailDev({ smtp: smtpPort, web: webPort, ip: host, silent: true });
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.has(listener)) process.off(signal, listener as (...args: unknown[]) => void);
    }
  }

  // maildev rethrows SMTP server errors from an event handler (an uncaught exception) and does
  // not watch its web server at all: both are watched here so a busy port is a clear error.
  maildev.smtp.removeAllListeners('error');
  const webServer = web.server;
  let stopping: Promise<void> | null = null;
  // The mail folder holds the caught messages (personal data): removed on stop.
  const stop = () =>
    (stopping ??= new Promise<void>((resolve) => maildev.close(() => resolve()))
      .then(() => rm(maildev.mailDir, { recursive: true, force: true }))
      .finally(() => {
        running = false;
      }));
  try {
    await Promise.all([
      new Promise<void>((resolve, reject) => {
        maildev.smtp.once('error', (err: NodeJS.ErrnoException) => reject(portError(err, 'SMTP', smtpPort)));
        maildev.listen().then(resolve, reject);
      }),
      new Promise<void>((resolve, reject) => {
        if (!webServer) return resolve();
        if (webServer.listening) return resolve();
        webServer.once('error', (err: NodeJS.ErrnoException) => reject(portError(err, 'web inbox', webPort)));
        webServer.once('listening', () => resolve());
      }),
    ]);
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
  // Later errors (a client dropping mid-message) must not bring the process down.
  maildev.smtp.on('error', () => undefined);
  webServer?.on('error', () => undefined);

  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    webUrl: `http://${host === '0.0.0.0' || host === '::' ? 'localhost' : host}:${webPort}`,
    stop,
  };
}

function portError(err: NodeJS.ErrnoException, what: string, port: number): Error {
  if (err.code === 'EADDRINUSE') return new Error(`the mail catcher's ${what} port ${port} is already in use`);
  return new Error(`the mail catcher's ${what} server failed: ${err.message}`);
}
