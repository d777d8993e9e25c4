// Self-service intake and status: POST /v1/requests, GET /v1/requests/:id, POST /v1/requests/:id/verify.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sha256Hex } from '../../lib/hash';
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
import type { ApiDeps } from '../deps';
import { ApiError, conflict, gone, notFound, unauthorized, unavailable } from '../errors';
import { SUBJECT_TOKEN_HEADER, vouchedEmail } from '../self-service-token';
import { liveState, loadRequestRow, refuseUncorrectable, requestView } from '../views';
import { ensureWorkflowStarted } from '../workflows';
import { createRequest } from '../intake';

const CLOSED_STATUSES = new Set(['completed', 'denied', 'expired_unverified', 'failed']);

const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export function requestRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.engineDb;

  r.post(
    '/v1/requests',
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
        response: { 202: RequestAccepted, 400: ErrorBody, 422: ErrorBody },
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
      const { row, replayed } = await createRequest(deps, intake, 'self_service', key, preVerified);
      try {
        await ensureWorkflowStarted(deps, row);
      } catch (err) {
        // Accepted and stored: the pending-workflow sweep starts it once Temporal answers again.
        req.log.warn({ requestId: row.id, err: (err as Error).message }, 'workflow start deferred');
      }
      if (replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send({
        id: row.id,
        type: row.type,
        status: row.status,
        receivedAt: row.received_at.toISOString(),
        dueAt: row.due_at.toISOString(),
        links: { self: `/v1/requests/${row.id}` },
      });
    },
  );

  r.get(
    '/v1/requests/:id',
    {
      schema: {
        summary: 'Status and per-store progress of a request',
        tags: ['requests'],
        params: z.object({ id: RequestId }),
        response: { 200: RequestView, 400: ErrorBody, 404: ErrorBody },
      },
    },
    async (req) => {
      const row = await loadRequestRow(db, req.params.id);
      if (!row) throw notFound('request');
      return requestView(row, await liveState(deps, row.id, req.log));
    },
  );

  r.post(
    '/v1/requests/:id/verify',
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
        response: { 200: z.object({ id: z.uuid(), status: z.string() }), 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 410: ErrorBody },
      },
    },
    async (req) => {
      const { rows } = await db.query<{ request_id: string; expires_at: Date; used_at: Date | null }>(
        'SELECT request_id, expires_at, used_at FROM verification_tokens WHERE token_hash = $1',
        [sha256Hex(req.body.token)],
      );
      const token = rows[0];
      if (!token || token.request_id !== req.params.id) throw unauthorized('verification code is not valid for this request');
      if (token.used_at) throw gone('verification code was already used');
      if (token.expires_at.getTime() <= Date.now()) throw gone('verification code has expired; submit a new request');
      const {
        rows: [request],
      } = await db.query<{ status: string }>('SELECT status FROM requests WHERE id = $1', [req.params.id]);
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
      await db.query('UPDATE verification_tokens SET used_at = now() WHERE token_hash = $1', [sha256Hex(req.body.token)]);
      return { id: req.params.id, status: status === 'awaiting_verification' ? 'in_progress' : status };
    },
  );
}
