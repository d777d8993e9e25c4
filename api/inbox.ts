// privacy@ intake: a raw RFC 822 message becomes a request, an opt-out record, a triage item
// or a quarantined message — never dropped, once per Message-ID. The verification link goes to
// the address on record of the account the sender resolves to, never to From or Reply-To.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { simpleParser } from 'mailparser';
import { randomUUID } from 'node:crypto';
import { classify } from '../lib/classify';
import { sha256Hex } from '../lib/hash';
import { auditHashSecret, keyedHash } from '../lib/keyed-hash';
import { appendAudit } from '../records/audit-events';
import { findInboxMessageByMessageId, insertInboxMessage } from '../records/inbox-messages';
import type { InboxSource, InboxStatus } from '../schemas/inbox';
import { SubjectEmail } from '../schemas/request';
import type { ApiDeps } from './deps';
import { createRequest } from './intake';
import { startWorkflowAtIntake } from './workflows';

export interface InboxOutcome {
  id: string;
  status: InboxStatus;
  duplicate: boolean;
  requestId?: string;
}

/** PostgreSQL text cannot hold NUL; mail headers sometimes do. */
const storable = (s: string) => s.replaceAll('\u0000', '\ufffd');

/** Request types a mail can start on its own (a correction needs the new values: triage). */
const DIRECT = new Set(['access', 'export', 'deletion']);

export async function receiveMail(deps: ApiDeps, raw: Buffer, source: InboxSource): Promise<InboxOutcome> {
  const db = deps.engineDb;
  let parsed: Awaited<ReturnType<typeof simpleParser>> | null = null;
  let problem: string | null = null;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, maxHtmlLengthToParse: 2_000_000 });
  } catch (err) {
    problem = storable(`unparseable MIME: ${(err as Error).message}`).slice(0, 500);
  }
  const messageId = storable(parsed?.messageId?.trim() || `sha256:${sha256Hex(raw)}`).slice(0, 998);
  const existing = await findInboxMessageByMessageId(db, messageId);
  if (existing) return { id: existing.id, status: existing.status, duplicate: true, requestId: existing.requestId ?? undefined };

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
    const { request } = await createRequest(
      deps,
      { type: cls.type as 'access' | 'export' | 'deletion', email: sender!.success ? sender!.data : '' },
      'inbox',
      `mail:${messageId}`,
    );
    requestId = request.id;
    await startWorkflowAtIntake(deps, request);
  }
  const inserted = await insertInboxMessage(db, {
    id,
    messageId,
    source,
    status,
    suggested: cls.type,
    matched: cls.matched,
    reason: problem,
    sender: sender?.success ? sender.data : null,
    subject: subject.slice(0, 998),
    raw,
    requestId: requestId ?? null,
  });
  if (!inserted) return receiveMail(deps, raw, source); // a concurrent copy won: answer as a duplicate
  await appendAudit(db, {
    eventKey: `inbox:${id}`,
    requestId: requestId ?? null,
    actor: `inbox:${source}`,
    action: AUDIT_ACTIONS.inboxReceived,
    details: {
      inboxId: id,
      status,
      classifiedAs: cls.type,
      matched: cls.matched,
      messageIdHash: keyedHash(auditHashSecret(deps.config), messageId),
    },
  });
  return { id, status, duplicate: false, requestId };
}
