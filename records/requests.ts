// The requests table: one row per data-subject request, the projection of its workflow that
// listings, reports and mails read. Only loadRequest and subjectEmailsOf return the subject's address.
import type { Pool, PoolClient } from 'pg';
import type { Jurisdiction } from '../schemas/deadline';
import type { Channel, CollectionProgress, RequestStatus, RequestType } from '../schemas/request';
import type { Attention } from '../schemas/workflow';
import { inTransaction, type Queryable } from './db';

/** A request as the API shows it: everything but the subject's address. */
export interface StoredRequest {
  id: string;
  type: RequestType;
  channel: Channel;
  status: RequestStatus;
  receivedAt: Date;
  dueAt: Date;
  extendedDueAt: Date | null;
  jurisdiction: Jurisdiction;
  /** Every law that applies (the engine decides); the due date is the strictest of them. */
  jurisdictions: Jurisdiction[];
  overdue: boolean;
  preVerified: boolean;
  verifiedAt: Date | null;
  completedAt: Date | null;
  progress: CollectionProgress[] | null;
  /** needs_attention: where and why the request stopped (no personal data). */
  attention: Attention | null;
  /** objection: the purpose objected to. */
  objectionPurpose: string | null;
  /** restriction: when the privacy team lifted it. */
  restrictionLiftedAt: Date | null;
}

interface StoredRequestRow {
  id: string;
  type: RequestType;
  channel: Channel;
  status: RequestStatus;
  received_at: Date;
  due_at: Date;
  extended_due_at: Date | null;
  jurisdiction: Jurisdiction;
  jurisdictions: Jurisdiction[];
  overdue: boolean;
  pre_verified: boolean;
  verified_at: Date | null;
  completed_at: Date | null;
  progress: CollectionProgress[] | null;
  attention: Attention | null;
  objection_purpose: string | null;
  restriction_lifted_at: Date | null;
}

const STORED_REQUEST_COLUMNS = [
  'id',
  'type',
  'channel',
  'status',
  'received_at',
  'due_at',
  'extended_due_at',
  'jurisdiction',
  'jurisdictions',
  'overdue',
  'pre_verified',
  'verified_at',
  'completed_at',
  'progress',
  'attention',
  'objection_purpose',
  'restriction_lifted_at',
];

/** The columns a StoredRequest is read from, qualified by `alias` when given. */
export const storedRequestColumns = (alias?: string) => STORED_REQUEST_COLUMNS.map((c) => (alias ? `${alias}.${c}` : c)).join(', ');

export function toStoredRequest(r: StoredRequestRow): StoredRequest {
  return {
    id: r.id,
    type: r.type,
    channel: r.channel,
    status: r.status,
    receivedAt: r.received_at,
    dueAt: r.due_at,
    extendedDueAt: r.extended_due_at,
    jurisdiction: r.jurisdiction,
    jurisdictions: r.jurisdictions?.length ? r.jurisdictions : [r.jurisdiction],
    overdue: r.overdue,
    preVerified: r.pre_verified,
    verifiedAt: r.verified_at,
    completedAt: r.completed_at,
    progress: r.progress,
    attention: r.attention,
    objectionPurpose: r.objection_purpose ?? null,
    restrictionLiftedAt: r.restriction_lifted_at ?? null,
  };
}

export async function findRequest(db: Queryable, id: string): Promise<StoredRequest | null> {
  const { rows } = await db.query<StoredRequestRow>(`SELECT ${storedRequestColumns()} FROM requests WHERE id = $1`, [id]);
  return rows[0] ? toStoredRequest(rows[0]) : null;
}

export interface NewRequest {
  id: string;
  type: RequestType;
  channel: Channel;
  subjectEmail: string;
  subjectHash: string;
  receivedAt: Date;
  dueAt: Date;
  legalDueAt: Date;
  jurisdiction: Jurisdiction;
  /** Every law that applies; `[jurisdiction]` when not given. */
  jurisdictions?: Jurisdiction[];
  /** As the requester declared it (a country or region code), if at all. */
  residence?: string | null;
  preVerified: boolean;
  /** The version of the data map the request starts with (null: a map built in code, with no version). */
  dataMapVersion?: string | null;
  /** An objection's purpose (GDPR Art. 21). */
  objectionPurpose?: string | null;
}

export async function insertRequest(db: Queryable, r: NewRequest): Promise<StoredRequest> {
  const { rows } = await db.query<StoredRequestRow>(
    `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, legal_due_at, jurisdiction, pre_verified, jurisdictions, residence, datamap_version, objection_purpose)
     VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     RETURNING ${storedRequestColumns()}`,
    [
      r.id,
      r.type,
      r.channel,
      r.subjectEmail,
      r.subjectHash,
      r.receivedAt,
      r.dueAt,
      r.legalDueAt,
      r.jurisdiction,
      r.preVerified,
      r.jurisdictions ?? [r.jurisdiction],
      r.residence ?? null,
      r.dataMapVersion ?? null,
      r.objectionPurpose ?? null,
    ],
  );
  return toStoredRequest(rows[0]);
}

/** The data map version a request started with: null when it has none; undefined when there is no such request. */
export async function requestDataMapVersion(db: Queryable, id: string): Promise<string | null | undefined> {
  const { rows } = await db.query<{ datamap_version: string | null }>('SELECT datamap_version FROM requests WHERE id = $1', [id]);
  return rows[0] ? rows[0].datamap_version : undefined;
}

/** Serialises the intake of one subject until the transaction ends, so a per-subject limit holds. */
export async function lockSubjectIntake(client: PoolClient, subjectHash: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [subjectHash]);
}

export async function countSubjectRequestsLastDay(db: Queryable, subjectHash: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM requests WHERE subject_hash = $1 AND received_at > now() - interval '1 day'",
    [subjectHash],
  );
  return rows[0].n;
}

export interface RequestFilter {
  statuses?: string[];
  types?: string[];
  jurisdictions?: string[];
  channels?: string[];
  /** The subject's address, compared case-insensitively. */
  subjectEmail?: string;
  ids?: string[];
  overdue?: boolean;
  /** Due (or extended due) strictly before this instant. */
  dueBefore?: Date;
  /** Keyset page: requests listed after this one (newest first). */
  after?: { receivedAt: Date; id: string };
  limit: number;
}

/** Requests newest first (received_at, then id, descending), filtered. */
export async function listRequests(db: Queryable, f: RequestFilter): Promise<StoredRequest[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    const first = params.length + 1;
    params.push(...values);
    where.push(sql.replace(/\$(\d+)/g, (_m, i: string) => `$${first + Number(i) - 1}`));
  };
  if (f.statuses) add('status = ANY($1)', f.statuses);
  if (f.types) add('type = ANY($1)', f.types);
  if (f.jurisdictions) add('jurisdiction = ANY($1)', f.jurisdictions);
  if (f.channels) add('channel = ANY($1)', f.channels);
  if (f.subjectEmail !== undefined) add('lower(subject_email) = lower($1)', f.subjectEmail);
  if (f.ids) add('id = ANY($1::uuid[])', f.ids);
  if (f.overdue !== undefined) add('overdue = $1', f.overdue);
  if (f.dueBefore) add('coalesce(extended_due_at, due_at) < $1', f.dueBefore);
  if (f.after) add('(received_at, id) < ($1, $2)', f.after.receivedAt, f.after.id);
  params.push(f.limit);
  const { rows } = await db.query<StoredRequestRow>(
    `SELECT ${storedRequestColumns()} FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY received_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map(toStoredRequest);
}

/** The subject's address of each of these requests, for the privacy team's listings (the API masks it for auditors). */
export async function subjectEmailsOf(db: Queryable, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const { rows } = await db.query<{ id: string; subject_email: string }>(
    'SELECT id, subject_email FROM requests WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((r) => [r.id, r.subject_email]));
}

/**
 * Requests with no workflow known to exist, received before `receivedBefore`, in receipt order
 * (received_at, then id); `after` continues from the last one of the previous page.
 */
export async function listRequestsWithoutWorkflow(
  db: Queryable,
  page: { receivedBefore: Date; after?: { receivedAt: Date; id: string }; limit: number },
): Promise<StoredRequest[]> {
  const after = page.after ? 'AND (received_at, id) > ($3, $4)' : '';
  const { rows } = await db.query<StoredRequestRow>(
    `SELECT ${storedRequestColumns()} FROM requests
      WHERE workflow_started_at IS NULL AND received_at < $1 ${after}
      ORDER BY received_at, id LIMIT $2`,
    [page.receivedBefore, page.limit, ...(page.after ? [page.after.receivedAt, page.after.id] : [])],
  );
  return rows.map(toStoredRequest);
}

/** Laws learned after intake: the label, every law, and the due date (only ever brought forward). */
export async function recordJurisdictions(
  db: Queryable,
  requestId: string,
  d: { jurisdictions: Jurisdiction[]; jurisdiction: Jurisdiction; dueAt: string },
): Promise<void> {
  await db.query('UPDATE requests SET jurisdictions = $2, jurisdiction = $3, due_at = least(due_at, $4) WHERE id = $1', [
    requestId,
    d.jurisdictions,
    d.jurisdiction,
    d.dueAt,
  ]);
}

/** Records that the request's workflow exists (the first time is kept). */
export async function markWorkflowStarted(db: Queryable, requestId: string): Promise<void> {
  await db.query('UPDATE requests SET workflow_started_at = now() WHERE id = $1 AND workflow_started_at IS NULL', [requestId]);
}

/** A request with the subject's address, for the mails that answer it. */
export interface RequestRecord {
  id: string;
  type: RequestType;
  status: RequestStatus;
  subjectEmail: string;
  receivedAt: Date;
  dueAt: Date;
}

export async function loadRequest(db: Queryable, requestId: string): Promise<RequestRecord> {
  const { rows } = await db.query<{
    id: string;
    type: RequestType;
    status: RequestStatus;
    subject_email: string;
    received_at: Date;
    due_at: Date;
  }>('SELECT id, type, status, subject_email, received_at, due_at FROM requests WHERE id = $1', [requestId]);
  if (!rows[0]) throw new Error(`request ${requestId} is not in the engine database`);
  const r = rows[0];
  return { id: r.id, type: r.type, status: r.status, subjectEmail: r.subject_email, receivedAt: r.received_at, dueAt: r.due_at };
}

/**
 * Moves the projection to the workflow's status; verified and completed are stamped once. Only a
 * running workflow writes it, so it also records that the workflow exists.
 */
export async function updateProjection(
  db: Queryable,
  requestId: string,
  patch: { status: RequestStatus; verified?: boolean; completed?: boolean; progress?: unknown },
): Promise<void> {
  await db.query(
    `UPDATE requests SET status = $2,
        verified_at = CASE WHEN $3 THEN coalesce(verified_at, now()) ELSE verified_at END,
        completed_at = CASE WHEN $4 THEN coalesce(completed_at, now()) ELSE completed_at END,
        progress = coalesce($5::jsonb, progress),
        workflow_started_at = coalesce(workflow_started_at, now()),
        attention = CASE WHEN $2 = 'needs_attention' THEN attention END,
        updated_at = now()
      WHERE id = $1`,
    [
      requestId,
      patch.status,
      patch.verified ?? false,
      patch.completed ?? false,
      patch.progress === undefined ? null : JSON.stringify(patch.progress),
    ],
  );
}

/** The request waits in needs_attention: where and why (identifiers, an error class, no row values). */
export async function markNeedsAttention(db: Queryable, requestId: string, attention: Attention): Promise<void> {
  await db.query(`UPDATE requests SET status = 'needs_attention', attention = $2::jsonb, updated_at = now() WHERE id = $1`, [
    requestId,
    JSON.stringify(attention),
  ]);
}

export async function markOverdue(db: Queryable, requestId: string): Promise<void> {
  await db.query('UPDATE requests SET overdue = true, updated_at = now() WHERE id = $1', [requestId]);
}

/** An extension moves the due date and clears the overdue flag. */
export async function recordExtension(db: Queryable, requestId: string, newDueAt: string, reason: string): Promise<void> {
  await db.query('UPDATE requests SET extended_due_at = $2, extension_reason = $3, overdue = false, updated_at = now() WHERE id = $1', [
    requestId,
    newDueAt,
    reason,
  ]);
}

export async function recordDenialReason(db: Queryable, requestId: string, reason: string): Promise<void> {
  await db.query('UPDATE requests SET denial_reason = $2, updated_at = now() WHERE id = $1', [requestId, reason]);
}

/** Tables that hold a request's records, children first. */
const REQUEST_CHILDREN = [
  'subject_identities',
  'subject_identity_values',
  'verification_tokens',
  'verification_attempts',
  'idempotency_keys',
  'mail_outbox',
  'request_corrections',
  'manual_tasks',
  'exports',
  'erasure_progress',
  'request_agents',
  'work_admissions',
];

/**
 * Removes, in one transaction, up to `batch` requests finished more than `months` ago with
 * everything recorded for them (mail to privacy@ stays, detached from the request). Returns how
 * many were removed.
 */
export async function deleteRequestsFinishedBefore(db: Pool, months: number, batch: number): Promise<number> {
  return inTransaction(db, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM requests WHERE completed_at < now() - make_interval(months => $1) ORDER BY completed_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [months, batch],
    );
    if (!rows.length) return 0;
    const ids = rows.map((r) => r.id);
    for (const t of REQUEST_CHILDREN) await client.query(`DELETE FROM ${t} WHERE request_id = ANY($1)`, [ids]);
    await client.query('UPDATE inbox_messages SET request_id = NULL WHERE request_id = ANY($1)', [ids]);
    await client.query('UPDATE inbox_intents SET request_id = NULL WHERE request_id = ANY($1)', [ids]);
    await client.query('DELETE FROM requests WHERE id = ANY($1)', [ids]);
    return ids.length;
  });
}

/** The law a request is answered under (its notices' wording follows it). */
export async function requestJurisdiction(db: Queryable, requestId: string): Promise<Jurisdiction> {
  const { rows } = await db.query<{ jurisdiction: Jurisdiction }>('SELECT jurisdiction FROM requests WHERE id = $1', [requestId]);
  if (!rows[0]) throw new Error(`request ${requestId} is not in the engine database`);
  return rows[0].jurisdiction;
}
