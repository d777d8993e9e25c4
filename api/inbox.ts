// privacy@ intake: a raw RFC 822 message becomes a request, an opt-out record, a triage item
// or a quarantined message — never dropped, once per Message-ID. The verification link goes
// to the address on record (activities/identity), never to From or Reply-To.
import { simpleParser } from 'mailparser';
import { randomUUID } from 'node:crypto';
import { appendAudit } from '../activities/audit';
import { classify } from '../lib/classify';
import { sha256Hex } from '../lib/hash';
import { SubjectEmail } from '../schemas/request';
import type { ApiDeps } from './deps';
import { createRequest } from './intake';
import { ensureWorkflowStarted } from './workflows';

export interface InboxOutcome {
  id: string;
  status: 'request' | 'opt_out' | 'triage' | 'quarantine' | 'rejected';
  duplicate: boolean;
  requestId?: string;
}

/** PostgreSQL text cannot hold NUL; mail headers sometimes do. */
const storable = (s: string) => s.replaceAll('\u0000', '\ufffd');

/** Request types a mail can start on its own (a correction needs the new values: triage). */
const DIRECT = new Set(['access', 'export', 'deletion']);

export async function receiveMail(deps: ApiDeps, raw: Buffer, source: 'webhook' | 'imap'): Promise<InboxOutcome> {
  const db = deps.engineDb;
  let parsed: Awaited<ReturnType<typeof simpleParser>> | null = null;
  let problem: string | null = null;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, maxHtmlLengthToParse: 2_000_000 });
  } catch (err) {
    problem = storable(`unparseable MIME: ${(err as Error).message}`).slice(0, 500);
  }
  const messageId = storable(parsed?.messageId?.trim() || `sha256:${sha256Hex(raw)}`).slice(0, 998);
  const existing = await db.query<{ id: string; status: InboxOutcome['status']; request_id: string | null }>(
    'SELECT id, status, request_id FROM inbox_messages WHERE message_id = $1',
    [messageId],
  );
  if (existing.rows[0])
    return {
      id: existing.rows[0].id,
      status: existing.rows[0].status,
      duplicate: true,
      requestId: existing.rows[0].request_id ?? undefined,
    };

  const from = parsed?.from?.value?.[0]?.address;
  const sender = from ? SubjectEmail.safeParse(from) : null;
  if (!problem && (!sender || !sender.success)) problem = 'no usable sender address';
  const subject = storable(parsed?.subject ?? '');
  const body = parsed?.text ?? (typeof parsed?.html === 'string' ? parsed.html.replace(/<[^>]+>/g, ' ') : '');
  const cls = problem ? { type: null, matched: [] as string[] } : classify(subject, body);
  const id = randomUUID();

  const status: InboxOutcome['status'] = problem
    ? 'quarantine'
    : cls.type === null || !DIRECT.has(cls.type)
      ? cls.type === 'opt_out'
        ? 'opt_out'
        : 'triage'
      : 'request';
  let requestId: string | undefined;
  if (status === 'request') {
    const { row } = await createRequest(
      deps,
      { type: cls.type as 'access' | 'export' | 'deletion', email: sender!.success ? sender!.data : '' },
      'inbox',
      `mail:${messageId}`,
    );
    requestId = row.id;
    try {
      await ensureWorkflowStarted(deps, row);
    } catch {
      // stored: the pending-request sweep starts it
    }
  }
  const inserted = await db.query(
    `INSERT INTO inbox_messages (id, message_id, source, status, suggested, matched, reason, sender, subject, raw, request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (message_id) DO NOTHING`,
    [
      id,
      messageId,
      source,
      status,
      cls.type,
      cls.matched,
      problem,
      sender?.success ? sender.data : null,
      subject.slice(0, 998),
      raw,
      requestId ?? null,
    ],
  );
  if (!inserted.rowCount) return receiveMail(deps, raw, source); // a concurrent copy won: answer as a duplicate
  await appendAudit(db, {
    eventKey: `inbox:${id}`,
    requestId: requestId ?? null,
    actor: `inbox:${source}`,
    action: 'inbox.received',
    details: { inboxId: id, status, classifiedAs: cls.type, matched: cls.matched, messageIdSha256: sha256Hex(messageId) },
  });
  return { id, status, duplicate: false, requestId };
}
