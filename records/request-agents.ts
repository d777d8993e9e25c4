// The request_agents table: who submitted a request on a subject's behalf (CCPA §7063), the signed
// permission document while the request is open, and a power of attorney the privacy team accepted.
import type { Queryable } from './db';

export interface RequestAgent {
  requestId: string;
  name: string;
  email: string;
  documentSha256: string | null;
  documentBytes: number | null;
  documentUploadedAt: Date | null;
  /** The document itself is still held (until the request closes). */
  documentHeld: boolean;
  acceptedBy: string | null;
  acceptedAt: Date | null;
}

interface Row {
  request_id: string;
  agent_name: string;
  agent_email: string;
  document_sha256: string | null;
  document_bytes: number | null;
  document_uploaded_at: Date | null;
  document_held: boolean;
  authority_accepted_by: string | null;
  authority_accepted_at: Date | null;
}

const COLUMNS = `request_id, agent_name, agent_email, document_sha256, document_bytes, document_uploaded_at,
  document IS NOT NULL AS document_held, authority_accepted_by, authority_accepted_at`;

const fromRow = (r: Row): RequestAgent => ({
  requestId: r.request_id,
  name: r.agent_name,
  email: r.agent_email,
  documentSha256: r.document_sha256,
  documentBytes: r.document_bytes,
  documentUploadedAt: r.document_uploaded_at,
  documentHeld: r.document_held,
  acceptedBy: r.authority_accepted_by,
  acceptedAt: r.authority_accepted_at,
});

export async function saveRequestAgent(db: Queryable, a: { requestId: string; name: string; email: string }): Promise<void> {
  await db.query('INSERT INTO request_agents (request_id, agent_name, agent_email) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
    a.requestId,
    a.name,
    a.email,
  ]);
}

export async function findRequestAgent(db: Queryable, requestId: string): Promise<RequestAgent | null> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM request_agents WHERE request_id = $1`, [requestId]);
  return rows[0] ? fromRow(rows[0]) : null;
}

/** The agents of these requests, by request id (for listings). */
export async function agentsOfRequests(db: Queryable, requestIds: string[]): Promise<Map<string, RequestAgent>> {
  if (!requestIds.length) return new Map();
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM request_agents WHERE request_id = ANY($1::uuid[])`, [requestIds]);
  return new Map(rows.map((r) => [r.request_id, fromRow(r)]));
}

/** Keeps the signed permission document (a newer upload replaces the one before). */
export async function saveAgentPermission(db: Queryable, requestId: string, content: Buffer, sha256: string): Promise<void> {
  await db.query(
    `UPDATE request_agents SET document = $2, document_sha256 = $3, document_bytes = $4, document_uploaded_at = now()
      WHERE request_id = $1`,
    [requestId, content, sha256, content.length],
  );
}

/** Records the privacy team's acceptance of the power of attorney; false when it was accepted before. */
export async function acceptAgentAuthority(db: Queryable, requestId: string, by: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE request_agents SET authority_accepted_by = $2, authority_accepted_at = now()
      WHERE request_id = $1 AND authority_accepted_at IS NULL`,
    [requestId, by],
  );
  return (rowCount ?? 0) > 0;
}

/** The request closed: the document goes, its SHA-256 stays. */
export async function dropAgentPermission(db: Queryable, requestId: string): Promise<void> {
  await db.query('UPDATE request_agents SET document = NULL, document_dropped_at = now() WHERE request_id = $1 AND document IS NOT NULL', [
    requestId,
  ]);
}
