// Authorized agents (CCPA §7063): the agent uploads the subject's signed permission for a request it
// submitted; the privacy team may accept a power of attorney, which counts as the verification.
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyError } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { keyedHash, auditHashSecret } from '../../lib/keyed-hash';
import { isAgentStatusTokenFor, isStatusTokenFor } from '../../lib/signed-token';
import { appendAudit } from '../../records/audit-events';
import { acceptAgentAuthority, findRequestAgent, saveAgentPermission } from '../../records/request-agents';
import { findRequest } from '../../records/requests';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { verifyUpdate } from '../../schemas/contract';
import { RequestId, RequestStatus, STATUS_TOKEN_HEADER } from '../../schemas/request';
import { isTerminal } from '../../schemas/status';
import { ADMIN_SECURITY, adminOf, adminRoutes } from '../auth';
import type { RoutesOptions } from '../deps';
import { ApiError, badRequest, conflict, errorResponses, notFound, unauthorized, unavailable } from '../errors';

export const AGENT_PERMISSION_FIELD = 'agentPermission';

/** Under /v1/requests: the agent's upload of the signed permission, proven by the request's status token. */
export const agentPermissionRoutes: FastifyPluginAsyncZod<RoutesOptions> = async (r, { deps }) => {
  const limit = deps.config.AGENT_PERMISSION_MAX_BYTES;
  r.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
  // a document over the limit is refused naming the field, not just "the body"
  r.setErrorHandler((err: FastifyError) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const message = `the signed permission document is larger than ${limit} bytes`;
      throw new ApiError(413, 'payload_too_large', `${AGENT_PERMISSION_FIELD}: ${message}`, [{ path: AGENT_PERMISSION_FIELD, message }]);
    }
    throw err;
  });
  r.withTypeProvider<ZodTypeProvider>().post(
    '/:id/agent-permission',
    {
      bodyLimit: limit,
      schema: {
        summary: "An authorized agent uploads the subject's signed permission (CCPA §7063)",
        description:
          'application/octet-stream, at most AGENT_PERMISSION_MAX_BYTES; the status token of the request (from the 202) as `?t=` or `x-status-token`. ' +
          'Kept while the request is open (its SHA-256 for good); the subject is still asked to confirm directly.',
        tags: ['requests'],
        params: z.object({ id: RequestId }),
        querystring: z.object({ t: z.string().max(1024).optional() }),
        headers: z.object({ [STATUS_TOKEN_HEADER]: z.string().max(1024).optional() }),
        response: {
          201: z.object({ id: z.uuid(), bytes: z.number().int(), sha256: z.string() }),
          ...errorResponses(400, 401, 404, 409, 413, 415),
        },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const token = req.query.t ?? (req.headers[STATUS_TOKEN_HEADER] as string | undefined);
      const secret = deps.config.SIGNING_SECRET;
      if (!isAgentStatusTokenFor(secret, id, token) && !isStatusTokenFor(secret, id, token))
        throw unauthorized('send the status token of this request (from its 202)');
      const content = req.body;
      if (!Buffer.isBuffer(content) || content.length === 0)
        throw badRequest(AGENT_PERMISSION_FIELD, 'send the signed permission document as application/octet-stream');
      const request = await findRequest(deps.engineDb, id);
      const agent = request && (await findRequestAgent(deps.engineDb, id));
      if (!request || !agent) throw notFound('agent request');
      if (isTerminal(request.status)) throw conflict(`request is ${request.status}: it no longer takes a permission document`);
      const sha256 = createHash('sha256').update(content).digest('hex');
      await saveAgentPermission(deps.engineDb, id, content, sha256);
      await appendAudit(deps.engineDb, {
        eventKey: `${id}:agent.permission:${sha256}`,
        requestId: id,
        actor: 'agent',
        action: AUDIT_ACTIONS.agentPermissionUploaded,
        details: { bytes: content.length, documentHash: keyedHash(auditHashSecret(deps.config), sha256) },
      });
      return reply.code(201).send({ id, bytes: content.length, sha256 });
    },
  );
};

/** Under /v1/admin/requests: the privacy team accepts the agent's power of attorney. */
export const adminAgentRoutes = adminRoutes(async (r, { deps }) => {
  r.post(
    '/:id/agent-authority',
    {
      schema: {
        summary: "Accept an authorized agent's power of attorney: it counts as the request's verification (CCPA §7063(b))",
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: RequestId }),
        response: {
          200: z.object({ id: z.uuid(), status: RequestStatus, acceptedBy: z.string() }),
          ...errorResponses(400, 401, 403, 404, 409, 503),
        },
      },
    },
    async (req) => {
      const { id } = req.params;
      const by = adminOf(req).name;
      const agent = await findRequestAgent(deps.engineDb, id);
      if (!agent) throw notFound('agent request');
      if (!agent.documentSha256) throw conflict('the agent has not uploaded the power of attorney yet');
      let status: RequestStatus;
      try {
        status = (await deps.temporal.workflow.getHandle(id).executeUpdate(verifyUpdate)).status;
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? 'request can no longer be verified');
        if (err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test((err as Error).message))
          throw conflict('the request is already finished');
        req.log.warn({ requestId: id, err: (err as Error).message }, 'verify update failed');
        throw unavailable('could not reach the request workflow; try again shortly');
      }
      await acceptAgentAuthority(deps.engineDb, id, by);
      await appendAudit(deps.engineDb, {
        eventKey: `${id}:agent.authority_accepted`,
        requestId: id,
        actor: `admin:${by}`,
        action: AUDIT_ACTIONS.agentAuthorityAccepted,
        details: { documentHash: keyedHash(auditHashSecret(deps.config), agent.documentSha256), countsAsVerification: true },
      });
      const accepted = (await findRequestAgent(deps.engineDb, id))!;
      return { id, status: status === 'awaiting_verification' ? 'in_progress' : status, acceptedBy: accepted.acceptedBy ?? by };
    },
  );
});
