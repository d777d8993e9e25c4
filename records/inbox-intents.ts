// The inbox_intents table: what one mail to privacy@ asks for, one record per intent — a
// request, an opt-out, or an item to triage — each reclassifiable by the privacy team.
import type { InboxIntentKind, InboxIntentStatus, InboxStatus } from '../schemas/inbox';
import type { Queryable } from './db';

export interface InboxIntent {
  id: string;
  inboxId: string;
  kind: InboxIntentKind | null;
  status: InboxIntentStatus;
  matched: string[];
  requestId: string | null;
}

/** An intent with what acting on it needs from its mail: sender, Message-ID and arrival. */
export interface InboxIntentWithMail extends InboxIntent {
  sender: string | null;
  messageId: string;
  /** When the mail arrived: the receipt date of any request made from it. */
  receivedAt: Date;
}

interface IntentRow {
  id: string;
  inbox_id: string;
  kind: InboxIntentKind | null;
  status: InboxIntentStatus;
  matched: string[];
  request_id: string | null;
}

const toIntent = (r: IntentRow): InboxIntent => ({
  id: r.id,
  inboxId: r.inbox_id,
  kind: r.kind,
  status: r.status,
  matched: r.matched,
  requestId: r.request_id,
});

export async function insertIntent(db: Queryable, i: InboxIntent): Promise<void> {
  await db.query('INSERT INTO inbox_intents (id, inbox_id, kind, status, matched, request_id) VALUES ($1, $2, $3, $4, $5, $6)', [
    i.id,
    i.inboxId,
    i.kind,
    i.status,
    i.matched,
    i.requestId,
  ]);
}

/** The intents of these mails, oldest first. */
export async function listIntentsOf(db: Queryable, inboxIds: string[]): Promise<InboxIntent[]> {
  const { rows } = await db.query<IntentRow>(
    'SELECT id, inbox_id, kind, status, matched, request_id FROM inbox_intents WHERE inbox_id = ANY($1) ORDER BY created_at, id',
    [inboxIds],
  );
  return rows.map(toIntent);
}

export async function findIntent(db: Queryable, id: string): Promise<InboxIntentWithMail | null> {
  const { rows } = await db.query<IntentRow & { sender: string | null; message_id: string; received_at: Date }>(
    `SELECT i.id, i.inbox_id, i.kind, i.status, i.matched, i.request_id, m.sender, m.message_id, m.received_at
       FROM inbox_intents i JOIN inbox_messages m ON m.id = i.inbox_id WHERE i.id = $1`,
    [id],
  );
  const r = rows[0];
  return r ? { ...toIntent(r), sender: r.sender, messageId: r.message_id, receivedAt: r.received_at } : null;
}

/** The privacy team's decision; false when the intent is no longer in `from` (someone decided first). */
export async function decideIntent(
  db: Queryable,
  id: string,
  from: InboxIntentStatus,
  to: { kind: InboxIntentKind; status: InboxIntentStatus; requestId: string | null; decidedBy: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE inbox_intents SET kind = $3, status = $4, request_id = $5, decided_by = $6, decided_at = now() WHERE id = $1 AND status = $2',
    [id, from, to.kind, to.status, to.requestId, to.decidedBy],
  );
  return !!rowCount;
}

/** What a mail's intents add up to: triage while any waits for a person, else request, else opt-out. */
export function mailStatusOf(intents: Pick<InboxIntent, 'status'>[]): InboxStatus {
  const has = (s: InboxIntentStatus) => intents.some((i) => i.status === s);
  if (has('triage')) return 'triage';
  if (has('request')) return 'request';
  if (has('opt_out')) return 'opt_out';
  return 'rejected';
}

/** Brings the mail's own status and request in line with its intents. */
export async function refreshMailStatus(db: Queryable, inboxId: string, decidedBy: string): Promise<InboxStatus> {
  const intents = await listIntentsOf(db, [inboxId]);
  const status = mailStatusOf(intents);
  const requestId = intents.find((i) => i.status === 'request')?.requestId ?? null;
  await db.query('UPDATE inbox_messages SET status = $2, request_id = $3, decided_by = $4, decided_at = now() WHERE id = $1', [
    inboxId,
    status,
    requestId,
    decidedBy,
  ]);
  return status;
}
