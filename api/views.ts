// Answering about requests: the live workflow state over the stored projection, the view.
import type { FastifyBaseLogger } from 'fastify';
import type { StoredRequest } from '../records/requests';
import type { RequestAgent } from '../records/request-agents';
import type { AdminRequestView, AgentView, RequestAgentStatus, RequestPublicStatus, RequestView } from '../schemas/request';
import type { DsarRequestState } from '../schemas/workflow';
import type { ApiDeps } from './deps';
import { badRequest } from './errors';
import { queryState } from './workflows';

/** The workflow's live state, or null (finished long ago, or Temporal unreachable). */
export async function liveState(deps: ApiDeps, id: string, log: FastifyBaseLogger): Promise<DsarRequestState | null> {
  try {
    return await queryState(deps, id);
  } catch (err) {
    log.warn({ requestId: id, err: (err as Error).message }, 'workflow query failed; answering from the projection');
    return null;
  }
}

export function requestView(stored: StoredRequest, live: DsarRequestState | null): RequestView {
  return {
    id: stored.id,
    type: stored.type,
    channel: stored.channel,
    status: live?.status ?? stored.status,
    receivedAt: stored.receivedAt.toISOString(),
    dueAt: stored.dueAt.toISOString(),
    jurisdiction: stored.jurisdiction,
    extendedDueAt: live?.extendedDueAt ?? stored.extendedDueAt?.toISOString() ?? null,
    overdue: live?.overdue ?? stored.overdue,
    verifiedAt: stored.verifiedAt?.toISOString() ?? null,
    completedAt: stored.completedAt?.toISOString() ?? null,
    progress: live?.progress ?? stored.progress ?? [],
    purgeAt: live?.purgeAt ?? null,
    holdCategory: live?.status === 'on_hold' ? (live.hold?.category ?? null) : null,
    awaitingDecision: live?.awaitingDecision ?? false,
    restrictionLiftedAt: stored.restrictionLiftedAt?.toISOString() ?? null,
  };
}

/** The admin's view: the request and, while it needs attention, where and why (live state over the projection). */
export function adminRequestView(stored: StoredRequest, live: DsarRequestState | null, agent?: RequestAgent | null): AdminRequestView {
  const view = requestView(stored, live);
  const attention = live?.attention ?? stored.attention;
  return {
    ...view,
    attention: view.status === 'needs_attention' ? (attention ?? null) : null,
    jurisdictions: stored.jurisdictions,
    agent: agent ? agentView(agent) : null,
    objectionPurpose: stored.objectionPurpose,
  };
}

export const agentView = (a: RequestAgent): AgentView => ({
  name: a.name,
  documentSha256: a.documentSha256,
  documentHeld: a.documentHeld,
  acceptedBy: a.acceptedBy,
  acceptedAt: a.acceptedAt?.toISOString() ?? null,
});

/** The anonymous answer: status and due date only (see RequestPublicStatus). */
export function publicStatusView(stored: StoredRequest, live: DsarRequestState | null): RequestPublicStatus {
  return {
    id: stored.id,
    status: live?.status ?? stored.status,
    dueAt: stored.dueAt.toISOString(),
    extendedDueAt: live?.extendedDueAt ?? stored.extendedDueAt?.toISOString() ?? null,
  };
}

/** An authorized agent's view (CCPA §7063/§7022): the outcome, never the per-place progress or counts. */
export function agentStatusView(stored: StoredRequest, live: DsarRequestState | null, agent: RequestAgent): RequestAgentStatus {
  const view = requestView(stored, live);
  return {
    ...publicStatusView(stored, live),
    viewer: 'agent',
    type: view.type,
    receivedAt: view.receivedAt,
    verifiedAt: view.verifiedAt,
    completedAt: view.completedAt,
    permissionReceived: !!(agent.documentSha256 || agent.acceptedAt),
  };
}

/** Every correction field some collection holds correctable (see fieldHolds), or some processor's correct call maps. */
export function correctableFields(deps: ApiDeps): Set<string> {
  const out = new Set<string>();
  for (const c of deps.dataMap.collections) {
    for (const [name, f] of Object.entries(c.spec.fields)) {
      // the two names fieldHolds accepts for this column
      if (f.correctable) out.add(name).add(f.category.split('.').pop()!);
    }
  }
  for (const n of deps.dataMap.nodes) {
    if (n.kind === 'http') Object.keys(n.spec.correct?.fields ?? {}).forEach((f) => out.add(f));
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
