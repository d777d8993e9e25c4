// privacy@ intake: a raw RFC 822 message becomes a request (an opt-out of sale/sharing too: an
// `opt_out` request that acts), a triage item or a quarantined message — never dropped, once per
// Message-ID. The verification link goes to
// the address on record of the account the sender resolves to, never to From or Reply-To.
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { simpleParser } from 'mailparser';
import { randomUUID } from 'node:crypto';
import { classify } from '../lib/classify';
import { sha256Hex } from '../lib/hash';
import { auditHashSecret, keyedHash } from '../lib/keyed-hash';
import { appendAudit } from '../records/audit-events';
import { findInboxMessageByMessageId, insertInboxMessage } from '../records/inbox-messages';
import type { InboxIntentKind, InboxIntentStatus, InboxSource, InboxStatus } from '../schemas/inbox';
import { inTransaction } from '../records/db';
import { insertIntent, listIntentsOf, mailStatusOf, type InboxIntent } from '../records/inbox-intents';
import { SubjectEmail, type RequestIntake } from '../schemas/request';
import type { ApiDeps } from './deps';
import { createRequest } from './intake';
import { startWorkflowAtIntake } from './workflows';

export interface InboxOutcome {
  id: string;
  status: InboxStatus;
  duplicate: boolean;
  /** The first request the mail started (see `intents` for all). */
  requestId?: string;
  intents: { id: string; type: InboxIntentKind | null; status: InboxIntentStatus; requestId: string | null }[];
}

/** PostgreSQL text cannot hold NUL; mail headers sometimes do. */
const storable = (s: string) => s.replaceAll('\u0000', '\ufffd');

/** Request types a mail can start on its own (a correction needs the new values: triage). */
const DIRECT = new Set<InboxIntentKind>(['access', 'export', 'deletion', 'opt_out']);

/**
 * What a mail's intent asks for, as intake: a "do not sell or share" mail asks for the CCPA's
 * opt-out (§7026), so that law applies to it besides the deployment's.
 */
export const inboxIntake = (type: 'access' | 'export' | 'deletion' | 'opt_out', email: string): RequestIntake =>
  type === 'opt_out' ? { type, email, jurisdiction: 'ccpa' } : { type, email };

const intentView = (i: InboxIntent) => ({ id: i.id, type: i.kind, status: i.status, requestId: i.requestId });

/**
 * Takes in one mail that arrived at `arrivedAt` (webhook receipt, IMAP INTERNALDATE): every
 * request made from it, now or after triage, counts its deadline from then.
 */
export async function receiveMail(deps: ApiDeps, raw: Buffer, source: InboxSource, arrivedAt = new Date()): Promise<InboxOutcome> {
  const db = deps.engineDb;
  // a clock ahead of ours must not give a request more time
  const receivedAt = new Date(Math.min(arrivedAt.getTime() || Date.now(), Date.now()));
  let parsed: Awaited<ReturnType<typeof simpleParser>> | null = null;
  let problem: string | null = null;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, maxHtmlLengthToParse: 2_000_000 });
  } catch (err) {
    problem = storable(`unparseable MIME: ${(err as Error).message}`).slice(0, 500);
  }
  const messageId = storable(parsed?.messageId?.trim() || `sha256:${sha256Hex(raw)}`).slice(0, 998);
  const existing = await findInboxMessageByMessageId(db, messageId);
  if (existing) {
    const intents = await listIntentsOf(db, [existing.id]);
    return {
      id: existing.id,
      status: existing.status,
      duplicate: true,
      requestId: existing.requestId ?? undefined,
      intents: intents.map(intentView),
    };
  }

  const from = parsed?.from?.value?.[0]?.address;
  const sender = from ? SubjectEmail.safeParse(from) : null;
  if (!problem && (!sender || !sender.success)) problem = 'no usable sender address';
  const subject = storable(parsed?.subject ?? '');
  const body = parsed?.text ?? (typeof parsed?.html === 'string' ? parsed.html.replace(/<[^>]+>/g, ' ') : '');
  const cls = problem ? { type: null, matched: [] as string[], intents: [] } : classify(subject, body);
  const id = randomUUID();

  // each intent its own record: a request (with its workflow and clock) or triage
  const intents: InboxIntent[] = [];
  if (!problem) {
    const asked = cls.intents.length ? cls.intents : [{ type: null, matched: [] as string[] }];
    for (const intent of asked) {
      const kind = intent.type;
      const record: InboxIntent = { id: randomUUID(), inboxId: id, kind, status: 'triage', matched: intent.matched, requestId: null };
      if (kind && DIRECT.has(kind)) {
        const { request } = await createRequest(
          deps,
          inboxIntake(kind as 'access' | 'export' | 'deletion' | 'opt_out', sender!.success ? sender!.data : ''),
          'inbox',
          `mail:${messageId}:${kind}`,
          false,
          receivedAt,
        );
        record.status = 'request';
        record.requestId = request.id;
        await startWorkflowAtIntake(deps, request);
      }
      intents.push(record);
    }
  }
  const status: InboxStatus = problem ? 'quarantine' : mailStatusOf(intents);
  const requestId = intents.find((i) => i.requestId)?.requestId ?? undefined;
  const inserted = await inTransaction(db, async (client) => {
    const ok = await insertInboxMessage(client, {
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
      receivedAt,
    });
    if (ok) for (const intent of intents) await insertIntent(client, intent);
    return ok;
  });
  if (!inserted) return receiveMail(deps, raw, source, arrivedAt); // a concurrent copy won: answer as a duplicate
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
      intents: intents.map((i) => ({ type: i.kind, status: i.status, requestId: i.requestId })),
      receivedAt: receivedAt.toISOString(),
      messageIdHash: keyedHash(auditHashSecret(deps.config), messageId),
    },
  });
  return { id, status, duplicate: false, requestId, intents: intents.map(intentView) };
}
