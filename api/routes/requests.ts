// Self-service intake and status, under /v1/requests: POST /, GET /:id, POST /:id/verify.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sha256Hex } from '../../lib/hash';
import { findRequest } from '../../records/requests';
import { findVerificationToken, markVerificationTokenUsed } from '../../records/verification-tokens';
import {
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyKey,
  RequestAccepted,
  RequestId,
  RequestIntake,
  RequestView,
  VerifyBody,
} from '../../schemas/request';
import { verifyUpdate } from '../../schemas/contract';
import type { RoutesOptions } from '../deps';
import { ApiError, conflict, errorResponses, gone, notFound, unauthorized, unavailable } from '../errors';
import { createRequest } from '../intake';
import { SUBJECT_TOKEN_HEADER, vouchedEmail } from '../self-service-token';
import { liveState, refuseUncorrectable, requestView } from '../views';
import { ensureWorkflowStarted } from '../workflows';

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
        headers: z.object({ [IDEMPOTENCY_KEY_HEADER]: IdempotencyKey.optional(), [SUBJECT_TOKEN_HEADER]: z.string().max(4096).optional() }),
        response: { 202: RequestAccepted, ...errorResponses(400, 401, 413, 415, 422, 429, 503) },
      },
    },
    async (req, reply) => {
      const intake = req.body;
      const key = req.headers[IDEMPOTENCY_KEY_HEADER] as string | undefined;
      if (intake.type === 'correction') refuseUncorrectable(deps, intake.corrections ?? {});
      const token = req.headers[SUBJECT_TOKEN_HEADER] as string | undefined;
      let preVerified = false;
      if (token !== undefined) {
        if ((await vouchedEmail(token, deps.config.SELF_SERVICE_TOKEN_SECRET)) !== intake.email) {
          throw unauthorized('the self-service token vouches for another subject');
        }
        preVerified = true;
      }
      const { request, replayed } = await createRequest(deps, intake, 'self_service', key, preVerified);
      try {
        await ensureWorkflowStarted(deps, request);
      } catch (err) {
        // Accepted and stored: the pending-workflow sweep starts it once Temporal answers again.
        req.log.warn({ requestId: request.id, err: (err as Error).message }, 'workflow start deferred');
      }
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send({
        id: request.id,
        type: request.type,
        status: request.status,
        receivedAt: request.receivedAt.toISOString(),
        dueAt: request.dueAt.toISOString(),
        links: { self: `/v1/requests/${request.id}` },
      });
    },
  );

  r.get(
    '/:id',
    {
      schema: {
        summary: 'Status and per-store progress of a request',
        tags: ['requests'],
        params: z.object({ id: RequestId }),
        response: { 200: RequestView, ...errorResponses(400, 404) },
      },
    },
    async (req) => {
      const request = await findRequest(db, req.params.id);
      if (!request) throw notFound('request');
      return requestView(request, await liveState(deps, request.id, req.log));
    },
  );

  r.post(
    '/:id/verify',
    {
      config: {
        rateLimit: {
          max: deps.config.VERIFY_ATTEMPTS_PER_HOUR,
          timeWindow: '1 hour',
          errorResponseBuilder: (_req, ctx) =>
            new ApiError(429, 'rate_limited', `too many verification attempts; try again in ${ctx.after}`),
        },
      },
      schema: {
        summary: 'Confirm a request with the one-time code from the verification email',
        tags: ['requests'],
        params: z.object({ id: RequestId }),
        body: VerifyBody,
        response: {
          200: z.object({ id: z.uuid(), status: z.string() }),
          ...errorResponses(400, 401, 404, 409, 410, 413, 415, 429, 503),
        },
      },
    },
    async (req) => {
      const tokenHash = sha256Hex(req.body.token);
      const token = await findVerificationToken(db, tokenHash);
      if (!token || token.requestId !== req.params.id) throw unauthorized('verification code is not valid for this request');
      if (token.usedAt) throw gone('verification code was already used');
      if (token.expiresAt.getTime() <= Date.now()) throw gone('verification code has expired; submit a new request');
      const request = await findRequest(db, req.params.id);
      if (!request) throw notFound('request');
      if (CLOSED_STATUSES.has(request.status)) throw conflict(`request is ${request.status} and can no longer be verified`);
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
