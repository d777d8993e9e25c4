// Reading requests for answers: the projection row, the live workflow state, the view.
import type { FastifyBaseLogger } from 'fastify';
import type { Pool } from 'pg';
import type { Jurisdiction } from '../schemas/deadline';
import type { Channel, CollectionProgress, RequestStatus, RequestType, RequestView } from '../schemas/request';
import type { DsarRequestState } from '../schemas/workflow';
import type { ApiDeps } from './deps';
import { badRequest } from './errors';
import { queryState } from './workflows';

export const REQUEST_COLUMNS =
  'id, type, channel, status, received_at, due_at, extended_due_at, jurisdiction, overdue, pre_verified, verified_at, completed_at, progress';

export interface RequestRow {
  id: string;
  type: RequestType;
  channel: Channel;
  status: RequestStatus;
  received_at: Date;
  due_at: Date;
  extended_due_at: Date | null;
  jurisdiction: Jurisdiction;
  overdue: boolean;
  pre_verified: boolean;
  verified_at: Date | null;
  completed_at: Date | null;
  progress: CollectionProgress[] | null;
}

export async function loadRequestRow(db: Pool, id: string): Promise<RequestRow | null> {
  const { rows } = await db.query<RequestRow>(`SELECT ${REQUEST_COLUMNS} FROM requests WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** The workflow's live state, or null (finished long ago, or Temporal unreachable). */
export async function liveState(deps: ApiDeps, id: string, log: FastifyBaseLogger): Promise<DsarRequestState | null> {
  try {
    return await queryState(deps, id);
  } catch (err) {
    log.warn({ requestId: id, err: (err as Error).message }, 'workflow query failed; answering from the projection');
    return null;
  }
}

export function requestView(row: RequestRow, live: DsarRequestState | null): RequestView {
  return {
    id: row.id,
    type: row.type,
    channel: row.channel,
    status: live?.status ?? row.status,
    receivedAt: row.received_at.toISOString(),
    dueAt: row.due_at.toISOString(),
    jurisdiction: row.jurisdiction,
    extendedDueAt: live?.extendedDueAt ?? row.extended_due_at?.toISOString() ?? null,
    overdue: live?.overdue ?? row.overdue,
    verifiedAt: row.verified_at?.toISOString() ?? null,
    completedAt: row.completed_at?.toISOString() ?? null,
    progress: live?.progress ?? row.progress ?? [],
  };
}

/** Every correction field some collection holds correctable (see fieldHolds). */
export function correctableFields(deps: ApiDeps): Set<string> {
  const out = new Set<string>();
  for (const c of deps.dataMap.collections) {
    for (const [name, f] of Object.entries(c.spec.fields)) {
      // the two names fieldHolds accepts for this column
      if (f.correctable) out.add(name).add(f.category.split('.').pop()!);
    }
  }
  return out;
}

export function refuseUncorrectable(deps: ApiDeps, corrections: Record<string, string>): void {
  const allowed = correctableFields(deps);
  for (const field of Object.keys(corrections)) {
    if (!allowed.has(field))
      throw badRequest(`corrections.${field}`, `no store marks "${field}" correctable; correctable: ${[...allowed].sort().join(', ')}`);
  }
}
