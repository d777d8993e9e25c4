// Self-service intake and status, under /v1/requests: POST /, GET /:id, POST /:id/verify.
import { createHmac } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sha256Hex } from '../../lib/hash';
import { agentStatusToken, isAgentStatusTokenFor, isStatusTokenFor, statusToken } from '../../lib/signed-token';
import { normalizeVerificationCode, stepUpAnswerHash, verificationCodeHash } from '../../lib/verification-code';
import { readStepUpValue } from '../../schemas/step-up';
import { findRequestAgent } from '../../records/request-agents';
import { findRequest } from '../../records/requests';
import { failuresForRequest, failuresFromClient, recordFailedVerification } from '../../records/verification-attempts';
import { findVerificationToken, markVerificationTokenUsed } from '../../records/verification-tokens';
import {
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyKey,
  RequestAccepted,
  RequestAgentStatus,
  RequestId,
  RequestIntake,
  RequestPublicStatus,
  RequestView,
  STATUS_TOKEN_HEADER,
  VerifyBody,
} from '../../schemas/request';
import { verifyUpdate } from '../../schemas/contract';
import type { RoutesOptions } from '../deps';
import { ApiError, badRequest, conflict, errorResponses, gone, notFound, unauthorized, unavailable } from '../errors';
import { createRequest, recordAgentSubmission } from '../intake';
import { placeKey, resolveOptionKeys } from '../option-keys';
import { GPC_HEADER, gpcSignalled, objectablePurposes, recordGpcOptOut, refuseUnprocessable } from '../processing-intake';
import { SUBJECT_TOKEN_HEADER, vouchedEmail } from '../self-service-token';
import { agentStatusView, correctableFields, liveState, publicStatusView, refuseUncorrectable, requestView } from '../views';
import { startWorkflowAtIntake } from '../workflows';

/** The client address as counted for verification limits: keyed with the deployment's secret, never stored in the clear. */
const verifyClientKey = (secret: string, ip: string) => createHmac('sha256', secret).update(`verify-client\n${ip}`).digest('hex');

const CLOSED_STATUSES = new Set(['completed', 'denied', 'expired_unverified', 'failed']);

export const requestRoutes: FastifyPluginAsyncZod<RoutesOptions> = async (r, { deps }) => {
  const db = deps.engineDb;

  r.post(
    '',
    {
      config: {
        rateLimit: {
          max: deps.config.INTAKE_RATE_LIMIT_PER_DAY,
          timeWindow: '1 day',
          // requests vouched for by the product are limited per subject instead
          allowList: (req) => typeof req.headers[SUBJECT_TOKEN_HEADER] === 'string',
          errorResponseBuilder: (_req, ctx) =>
            new ApiError(429, 'rate_limited', `too many requests from this address; try again in ${ctx.after}`),
        },
      },
      schema: {
        summary: 'Submit a data-subject request',
        description:
          'Accepted at once (202); the subject is emailed a one-time verification link. Send an Idempotency-Key to make retries safe.',
        tags: ['requests'],
        body: RequestIntake,
        headers: z.object({
          [IDEMPOTENCY_KEY_HEADER]: IdempotencyKey.optional(),
          [SUBJECT_TOKEN_HEADER]: z.string().max(4096).optional(),
          /** Global Privacy Control: with a self-service token, also records an opt-out of sale/sharing (once a day). */
          [GPC_HEADER]: z.string().max(8).optional(),
        }),
        response: { 202: RequestAccepted, ...errorResponses(400, 401, 413, 415, 422, 429, 503) },
      },
    },
    async (req, reply) => {
      // the self-service page names fields and purposes by the opaque keys of GET /v1/requests/options
      const intake = resolveOptionKeys(deps.config.SIGNING_SECRET, req.body, correctableFields(deps), objectablePurposes(deps));
      const key = req.headers[IDEMPOTENCY_KEY_HEADER] as string | undefined;
      if (intake.type === 'correction') refuseUncorrectable(deps, intake.corrections ?? {});
      refuseUnprocessable(deps, intake);
      const token = req.headers[SUBJECT_TOKEN_HEADER] as string | undefined;
      let preVerified = false;
      if (token !== undefined && intake.agent) {
        throw badRequest('agent', "an agent's request is verified with the subject directly, not with the subject's self-service token");
      }
      if (token !== undefined) {
        if ((await vouchedEmail(token, deps.config.SELF_SERVICE_TOKEN_SECRET)) !== intake.email) {
          throw unauthorized('the self-service token vouches for another subject');
        }
        preVerified = true;
      }
      // Global Privacy Control from a signed-in subject: an opt-out of sale/sharing, once a day (CCPA §7025)
      const gpc = preVerified && gpcSignalled(req.headers) ? await recordGpcOptOut(deps, intake.email) : null;
      if (gpc) {
        await startWorkflowAtIntake(deps, gpc, req.log);
        reply.header('gpc-opt-out-request', gpc.id);
      }
      const { request, replayed } =
        gpc && intake.type === 'opt_out'
          ? { request: gpc, replayed: false }
          : await createRequest(deps, intake, 'self_service', key, preVerified);
      // stored either way: if Temporal does not answer in time, the pending-workflow sweep starts it
      await startWorkflowAtIntake(deps, request, req.log);
      if (replayed) reply.header('idempotent-replayed', 'true');
      else if (intake.agent) await recordAgentSubmission(deps, request.id, intake.agent.email);
      // an agent gets its own token: the outcome, not the subject's progress (the subject's mails carry the full one)
      const tokenOf = intake.agent ? agentStatusToken : statusToken;
      const t = tokenOf(deps.config.SIGNING_SECRET, request.id, request.receivedAt);
      return reply.code(202).send({
        id: request.id,
        type: request.type,
        status: request.status,
        receivedAt: request.receivedAt.toISOString(),
        dueAt: request.dueAt.toISOString(),
        statusToken: t,
        links: { self: `/v1/requests/${request.id}`, status: `/status?id=${request.id}&t=${encodeURIComponent(t)}` },
      });
    },
  );

  r.get(
    '/:id',
    {
      schema: {
        summary: 'Status of a request; with its status token, the full view with per-store progress',
        description:
          'Without a token (or with one that is tampered, expired or for another request) the answer holds only the status and the due date. ' +
          'The status token from the 202 of intake or the links in the mails (`?t=` or the `x-status-token` header) unlocks the full view: ' +
          'type, dates and per-store progress with counts. The token an authorized agent gets in its 202 unlocks the agent view ' +
          '(`viewer: "agent"`: type, status and dates — the outcome, never per-store progress or counts; CCPA §7063/§7022).',
        tags: ['requests'],
        params: z.object({ id: RequestId }),
        querystring: z.object({ t: z.string().max(1024).optional() }),
        headers: z.object({ [STATUS_TOKEN_HEADER]: z.string().max(1024).optional() }),
        // the full view first: serialising tries the shapes in order, and the public one would strip it
        response: { 200: z.union([RequestView, RequestAgentStatus, RequestPublicStatus]), ...errorResponses(400, 404) },
      },
    },
    async (req) => {
      const request = await findRequest(db, req.params.id);
      if (!request) throw notFound('request');
      const live = await liveState(deps, request.id, req.log);
      const token = req.query.t ?? (req.headers[STATUS_TOKEN_HEADER] as string | undefined);
      // a token that does not prove possession of this request is treated as no token: the minimal view
      const secret = deps.config.SIGNING_SECRET;
      if (isStatusTokenFor(secret, request.id, token)) {
        const view = requestView(request, live);
        return { ...view, progress: view.progress.map((p) => ({ ...p, place: placeKey(secret, p.store, p.collection) })) };
      }
      const agent = isAgentStatusTokenFor(secret, request.id, token) ? await findRequestAgent(db, request.id) : null;
      if (agent) return agentStatusView(request, live, agent);
      return publicStatusView(request, live);
    },
  );

  r.post(
    '/:id/verify',
    {
      schema: {
        summary: 'Confirm a request with the one-time code from the verification email',
        description: 'The code is 8 characters (`ABCD-EFGH`), accepted in any case, with or without the dash; it works once.',
        tags: ['requests'],
        params: z.object({ id: RequestId }),
        body: VerifyBody,
        response: {
          200: z.object({ id: z.uuid(), status: z.string() }),
          ...errorResponses(400, 401, 404, 409, 410, 413, 415, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const limits = deps.config;
      // Per request first: past its limit no code is checked at all, so guessing one request's code ends there.
      if ((await failuresForRequest(db, req.params.id)) >= limits.VERIFY_FAILURES_PER_REQUEST) {
        throw new ApiError(
          429,
          'rate_limited',
          'too many failed verification attempts for this request: its code no longer works; submit a new request',
        );
      }
      // The code is checked before any per-address limit: people sharing an address are not locked out by others' typos.
      // a typed code in any case, with or without its dash; a longer token is one mailed before codes were short
      const code = normalizeVerificationCode(req.body.token);
      const tokenHash = code ? verificationCodeHash(deps.config.SIGNING_SECRET, req.params.id, code) : sha256Hex(req.body.token);
      const token = await findVerificationToken(db, tokenHash);
      const failed = async (message: string): Promise<never> => {
        const clientKey = verifyClientKey(deps.config.SIGNING_SECRET, req.ip);
        await recordFailedVerification(db, { requestId: req.params.id, clientKey });
        if ((await failuresFromClient(db, clientKey, 3600)) > limits.VERIFY_ATTEMPTS_PER_HOUR) {
          reply.header('retry-after', '3600');
          throw new ApiError(429, 'rate_limited', 'too many failed verification attempts from this address; try again within an hour');
        }
        throw unauthorized(message);
      };
      if (!token || token.requestId !== req.params.id) return failed('verification code is not valid for this request');
      if (token.usedAt) throw gone('verification code was already used');
      if (token.expiresAt.getTime() <= Date.now()) throw gone('verification code has expired; submit a new request');
      // §7062 step-up: the fact from the account, compared as keyed hashes; a wrong answer counts as a failed attempt
      if (token.stepUpHashes) {
        const spec = deps.dataMap.source.stepUp;
        const question = spec?.question ?? 'the check question from the email';
        if (!req.body.stepUp) throw badRequest('stepUp', `this request also needs your answer to: ${question}`);
        const answer = spec ? readStepUpValue(spec.match, req.body.stepUp) : null;
        const hash = answer && stepUpAnswerHash(deps.config.SIGNING_SECRET, req.params.id, answer);
        if (!hash || !token.stepUpHashes.includes(hash)) return failed(`stepUp: the answer to "${question}" does not match our records`);
      }
      const request = await findRequest(db, req.params.id);
      if (!request) throw notFound('request');
      if (CLOSED_STATUSES.has(request.status)) throw conflict(`request is ${request.status} and can no longer be verified`);
      const agent = await findRequestAgent(db, request.id);
      // §7063: the subject confirms directly, and the agent must have shown the signed permission
      if (agent && !agent.documentSha256 && !agent.acceptedAt) {
        throw conflict('the authorized agent has not uploaded your signed permission yet; try again once they have');
      }
      let status: string;
      try {
        const result = await deps.temporal.workflow.getHandle(req.params.id).executeUpdate(verifyUpdate);
        status = result.status;
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? 'request can no longer be verified');
        req.log.warn({ requestId: req.params.id, err: (err as Error).message }, 'verify update failed');
        throw unavailable('could not reach the request workflow; try again shortly');
      }
      await markVerificationTokenUsed(db, tokenHash);
      return { id: req.params.id, status: status === 'awaiting_verification' ? 'in_progress' : status };
    },
  );
};
