// Storing an accepted request, whatever the channel (self-service, inbox, admin): the
// per-subject limit, the deadline, idempotency keys and corrections, in one transaction.
import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json';
import { sha256Hex } from '../lib/hash';
import { auditHashSecret, keyedHash } from '../lib/keyed-hash';
import { appendAudit } from '../records/audit-events';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { inTransaction } from '../records/db';
import { claimIdempotencyKey, findRequestByIdempotencyKey, idempotencyKeyExists } from '../records/idempotency-keys';
import { saveRequestAgent } from '../records/request-agents';
import { saveCorrections } from '../records/request-corrections';
import { countSubjectRequestsLastDay, insertRequest, lockSubjectIntake, type StoredRequest } from '../records/requests';
import { applicableJurisdictions, computeDeadline } from '../schemas/deadline';
import { IDEMPOTENCY_KEY_HEADER, type Channel, type RequestIntake } from '../schemas/request';
import type { ApiDeps } from './deps';
import { ApiError, unprocessable } from './errors';

/** Another request took the idempotency key first: roll back and answer with that one. */
class KeyAlreadyBound extends Error {
  constructor(readonly key: string) {
    super('idempotency key already bound');
  }
}

/**
 * Stores a request (idempotently by key); returns the stored request and whether it existed.
 * `receivedAt` is when it arrived (a mail's arrival, however much later it was classified); now by default.
 */
export async function createRequest(
  deps: ApiDeps,
  intake: RequestIntake,
  channel: Channel,
  key?: string,
  preVerified = false,
  receivedAt?: Date,
): Promise<{ request: StoredRequest; replayed: boolean }> {
  const bodyHash = sha256Hex(canonicalJson(intake));
  const subjectHash = sha256Hex(intake.email);
  try {
    const request = await inTransaction(deps.engineDb, async (client) => {
      await lockSubjectIntake(client, subjectHash);
      const recent = await countSubjectRequestsLastDay(client, subjectHash);
      const replay = key ? await idempotencyKeyExists(client, channel, key) : false;
      if (!replay && recent >= deps.config.SUBJECT_REQUESTS_PER_DAY) {
        throw new ApiError(429, 'rate_limited', 'too many requests for this subject today; try again tomorrow', [
          { path: 'email', message: 'daily limit reached' },
        ]);
      }
      // every law that applies, whoever names it: the deployment, the requester's label, the declared residence
      const jurisdictions = applicableJurisdictions({
        configured: deps.config.DEFAULT_JURISDICTION,
        requested: intake.jurisdiction,
        residences: [intake.residence],
      });
      const deadline = computeDeadline(receivedAt ?? new Date(), jurisdictions, deps.config.RESPONSE_DAYS, intake.type);
      const stored = await insertRequest(client, {
        id: randomUUID(),
        type: intake.type,
        channel,
        subjectEmail: intake.email,
        subjectHash,
        receivedAt: deadline.receivedAt,
        dueAt: deadline.dueAt,
        legalDueAt: deadline.legalDueAt,
        jurisdiction: deadline.jurisdiction,
        jurisdictions: deadline.jurisdictions,
        residence: intake.residence ?? null,
        preVerified,
        dataMapVersion: deps.dataMap.origin?.version ?? null,
        objectionPurpose: intake.purpose ?? null,
      });
      await saveCorrections(client, stored.id, intake.corrections ?? {});
      if (intake.agent) await saveRequestAgent(client, { requestId: stored.id, ...intake.agent });
      if (key && !(await claimIdempotencyKey(client, { channel, key, bodyHash, requestId: stored.id }))) throw new KeyAlreadyBound(key);
      return stored;
    });
    return { request, replayed: false };
  } catch (err) {
    if (err instanceof KeyAlreadyBound) return replay(deps, channel, err.key, bodyHash);
    throw err;
  }
}

/** The request a key is bound to, if it was sent with the same body (422 otherwise). */
async function replay(deps: ApiDeps, channel: Channel, key: string, bodyHash: string): Promise<{ request: StoredRequest; replayed: true }> {
  const prior = await findRequestByIdempotencyKey(deps.engineDb, channel, key);
  if (!prior) throw new Error('an idempotency key was bound and then vanished');
  if (prior.bodyHash !== bodyHash)
    throw unprocessable(`headers.${IDEMPOTENCY_KEY_HEADER}`, 'this key was already used for a different request');
  return { request: prior.request, replayed: true };
}

/** An authorized agent submitted the request (§7063): audited with the agent's address as a keyed hash only. */
export async function recordAgentSubmission(deps: ApiDeps, requestId: string, agentEmail: string): Promise<void> {
  await appendAudit(deps.engineDb, {
    eventKey: `${requestId}:agent.submitted`,
    requestId,
    actor: 'agent',
    action: AUDIT_ACTIONS.agentRequestSubmitted,
    details: { agentEmailHash: keyedHash(auditHashSecret(deps.config), agentEmail) },
  });
}
