// privacy@ over IMAP: every message in the mailbox goes through receiveMail (the same intake
// as the webhook, idempotent per Message-ID, dated by its INTERNALDATE) and is then moved to the processed folder — mail is
// never deleted. A message whose intake fails stays in the mailbox for the next poll.
import { ImapFlow } from 'imapflow';
import type { ApiDeps } from './deps';
import { receiveMail } from './inbox';

export interface ImapPollerOptions {
  /** imap://user:pass@host:port (STARTTLS when offered) or imaps://user:pass@host:port (TLS). */
  url: string;
  /** Default INBOX. */
  mailbox?: string;
  /** Created when missing. Default 'Processed'. */
  processedFolder?: string;
  /** Default 60000. */
  intervalMs?: number;
  log?: (msg: string) => void;
}

export interface ImapPoller {
  /** One pass over the mailbox; resolves to how many messages were taken in (and moved). */
  pollOnce(): Promise<number>;
  stop(): Promise<void>;
}

/** Connection options from the URL; the password never appears in anything logged. */
export function parseImapUrl(url: string): { host: string; port: number; secure: boolean; user: string; pass: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error('IMAP URL is not a valid URL (expected imap://user:pass@host:port or imaps://…)');
  }
  if (u.protocol !== 'imap:' && u.protocol !== 'imaps:')
    throw new Error(`IMAP URL must start with imap:// or imaps://, not ${u.protocol}//`);
  const secure = u.protocol === 'imaps:';
  if (!u.hostname) throw new Error('IMAP URL has no host');
  if (!u.username) throw new Error('IMAP URL has no user name');
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
  };
}

/** One line, no personal data: addresses are masked, the length is capped. */
function reason(err: unknown): string {
  const e = err as { name?: string; code?: string; message?: string };
  const msg = String(e?.message ?? err)
    .replace(/[^\s<>"'@]+@[^\s<>"'@]+/g, '<address>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
  return [e?.code, msg].filter(Boolean).join(': ') || (e?.name ?? 'unknown error');
}

/** The mail's INTERNALDATE (when the server received it), not when we polled it; now when the server gives none. */
function arrivalOf(internalDate: Date | string | undefined): Date {
  const at = internalDate ? new Date(internalDate) : new Date();
  return Number.isNaN(at.getTime()) ? new Date() : at;
}

export function startImapPoller(deps: ApiDeps, opts: ImapPollerOptions): ImapPoller {
  const conn = parseImapUrl(opts.url);
  const mailbox = opts.mailbox || 'INBOX';
  const processedFolder = opts.processedFolder || 'Processed';
  const intervalMs = opts.intervalMs ?? 60_000;
  const log = opts.log ?? ((msg: string) => console.warn(msg));
  const where = `${conn.host}:${conn.port}`;

  let client: ImapFlow | null = null;
  let folderReady = false;
  let stopped = false;
  let current: Promise<number> | null = null;

  async function connection(): Promise<ImapFlow> {
    if (client?.usable) return client;
    if (client) client.close();
    const c = new ImapFlow({
      host: conn.host,
      port: conn.port,
      secure: conn.secure,
      auth: { user: conn.user, pass: conn.pass },
      logger: false,
      disableAutoIdle: true,
      connectionTimeout: 30_000,
      greetingTimeout: 16_000,
    });
    // without a listener an 'error' event would take the whole process down
    c.on('error', (err: Error) => log(`imap: connection to ${where} failed: ${reason(err)}`));
    c.on('close', () => {
      if (client === c) client = null;
    });
    await c.connect();
    client = c;
    folderReady = false;
    return c;
  }

  async function ensureProcessedFolder(c: ImapFlow): Promise<void> {
    if (folderReady) return;
    const folders = await c.list();
    if (!folders.some((f) => f.path === processedFolder)) await c.mailboxCreate(processedFolder);
    folderReady = true;
  }

  async function poll(): Promise<number> {
    let c: ImapFlow;
    try {
      c = await connection();
      await ensureProcessedFolder(c);
    } catch (err) {
      drop();
      throw err;
    }
    let processed = 0;
    const lock = await c.getMailboxLock(mailbox);
    try {
      // the mailbox may have stayed selected since the last poll: NOOP makes the server report
      // what arrived meanwhile (imapflow searches nothing in a mailbox it believes empty)
      await c.noop();
      const uids = (await c.search({ all: true }, { uid: true })) || [];
      for (const uid of uids) {
        if (stopped) break;
        // one message at a time: memory stays bounded however full the mailbox is
        const msg = await c.fetchOne(String(uid), { uid: true, source: true, internalDate: true }, { uid: true });
        if (!msg || !msg.source) continue; // expunged meanwhile by someone else
        try {
          await receiveMail(deps, msg.source, 'imap', arrivalOf(msg.internalDate));
        } catch (err) {
          log(`imap: message uid ${uid} left in ${mailbox} for the next poll: ${reason(err)}`);
          continue;
        }
        // taken in (or a duplicate of one already taken in): out of the mailbox, never deleted
        await c.messageMove(String(uid), processedFolder, { uid: true });
        processed++;
      }
    } catch (err) {
      drop();
      throw err;
    } finally {
      lock.release();
    }
    return processed;
  }

  function drop() {
    client?.close();
    client = null;
  }

  /** Polls run one after the other, never overlapping. */
  function pollOnce(): Promise<number> {
    if (stopped) return Promise.reject(new Error('the IMAP poller is stopped'));
    const run: Promise<number> = (current ?? Promise.resolve(0)).catch(() => 0).then(() => poll());
    current = run;
    const clear = () => {
      if (current === run) current = null;
    };
    run.then(clear, clear);
    return run;
  }

  const timer = setInterval(() => {
    if (current || stopped) return; // the previous poll is still running
    pollOnce().catch((err) => log(`imap: poll of ${mailbox} on ${where} failed: ${reason(err)}`));
  }, intervalMs);
  timer.unref();

  return {
    pollOnce,
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await current?.catch(() => undefined);
      const c = client;
      client = null;
      if (c?.usable) {
        await c.logout().catch(() => c.close());
      } else {
        c?.close();
      }
    },
  };
}
