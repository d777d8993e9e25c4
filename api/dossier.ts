// Per-request audit dossier: everything the engine recorded about one request (audit events with
// their hashes, emails sent). No personal data: events carry counts, hashes and legal bases by
// design; emails are listed by kind and time, never address or body.
import type { Pool } from 'pg';
import { chainHash, GENESIS_HASH } from '../lib/audit-chain';
import { listRequestAuditEvents } from '../records/audit-events';
import { listMailsSent } from '../records/mail-outbox';
import { requestDataMapVersion, type StoredRequest } from '../records/requests';
import type { Jurisdiction } from '../schemas/deadline';
import type { Channel, RequestStatus, RequestType } from '../schemas/request';

/** How anyone can recompute an event's hash without this engine's code. */
export const CHAIN_RECIPE =
  'hash = lowercase hex of SHA-256( UTF-8(prevHash) ‖ UTF-8(canonicalJSON(event)) ), where event = ' +
  "{ seq (number), eventKey, requestId (this request's id, or null), at (ISO 8601 UTC with milliseconds, e.g. 2026-01-31T09:15:00.123Z), " +
  'actor, action, store (or null), collection (or null), details (object) } and canonicalJSON is JSON.stringify with the keys of every ' +
  `object sorted (code-unit order) at every level and no whitespace. The first event of the whole trail (seq 1) has prevHash = ${GENESIS_HASH}; ` +
  "every other event's prevHash is the hash of the event with seq - 1 (which may belong to another request). " +
  'Whole-trail verification: dsar audit verify, or recompute every event in seq order.';

export interface DossierEvent {
  seq: number;
  eventKey: string;
  at: string;
  actor: string;
  action: string;
  store: string | null;
  collection: string | null;
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface DossierEventCheck {
  seq: number;
  /** The hash recomputes from the event's own content and its prevHash. */
  recomputes: boolean;
  /** prevHash is the hash of the trail's event seq - 1 (the genesis hash for seq 1). */
  linked: boolean;
}

export interface Dossier {
  request: {
    id: string;
    type: RequestType;
    jurisdiction: Jurisdiction;
    channel: Channel;
    status: RequestStatus;
    receivedAt: string;
    dueAt: string;
    extendedDueAt: string | null;
    completedAt: string | null;
    /** The data map version the request started with and runs with (null: received before versions were recorded). */
    dataMapVersion: string | null;
  };
  events: DossierEvent[];
  emails: { kind: string; sentAt: string; messageId: string }[];
  chain: {
    algorithm: 'sha256';
    recipe: string;
    ok: boolean;
    events: DossierEventCheck[];
  };
  generatedAt: string;
}

export async function buildDossier(db: Pool, request: StoredRequest): Promise<Dossier> {
  const stored = await listRequestAuditEvents(db, request.id);
  const mails = await listMailsSent(db, request.id);
  const events: DossierEvent[] = [];
  const checks: DossierEventCheck[] = [];
  for (const { event, prevHash, hash, hashOfPreviousEvent } of stored) {
    const recomputed = chainHash(prevHash, event);
    const linked = event.seq === 1 ? prevHash === GENESIS_HASH : hashOfPreviousEvent === prevHash;
    events.push({
      seq: event.seq,
      eventKey: event.eventKey,
      at: event.at,
      actor: event.actor,
      action: event.action,
      store: event.store,
      collection: event.collection,
      details: event.details,
      prevHash,
      hash,
    });
    checks.push({ seq: event.seq, recomputes: recomputed === hash, linked });
  }
  return {
    request: {
      id: request.id,
      type: request.type,
      jurisdiction: request.jurisdiction,
      channel: request.channel,
      status: request.status,
      receivedAt: request.receivedAt.toISOString(),
      dueAt: request.dueAt.toISOString(),
      extendedDueAt: request.extendedDueAt?.toISOString() ?? null,
      completedAt: request.completedAt?.toISOString() ?? null,
      dataMapVersion: (await requestDataMapVersion(db, request.id)) ?? null,
    },
    events,
    emails: mails.map((m) => ({ kind: m.kind, sentAt: m.sentAt.toISOString(), messageId: m.messageId })),
    chain: { algorithm: 'sha256', recipe: CHAIN_RECIPE, ok: checks.every((c) => c.recomputes && c.linked), events: checks },
    generatedAt: new Date().toISOString(),
  };
}
