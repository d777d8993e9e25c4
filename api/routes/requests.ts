// Self-service intake and status: POST /v1/requests, GET /v1/requests/:id, POST /v1/requests/:id/verify.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sha256Hex } from '../../lib/hash';
import { canonicalJson } from '../../lib/canonical-json';
import {
  IDEMPOTENCY_KEY_HEADER,
  IdempotencyKey,
  RequestAccepted,
  RequestId,
  RequestIntake,
  RequestView,
  SUPPORTED_REQUEST_TYPES,
  VerifyBody,
  type Channel,
} from '../../schemas/request';
import { UPDATE_VERIFY } from '../../schemas/workflow';
import type { ApiDeps } from '../deps';
import { ApiError, conflict, gone, notFound, unauthorized, unprocessable, unavailable } from '../errors';
import { SUBJECT_TOKEN_HEADER, vouchedEmail } from '../self-service-token';
import { liveState, loadRequestRow, REQUEST_COLUMNS, refuseUncorrectable, requestView, type RequestRow } from '../views';
import { computeDeadline } from '../../schemas/deadline';
import { ensureWorkflowStarted } from '../workflows';

const CLOSED_STATUSES = new Set(['completed', 'denied', 'expired_unverified', 'failed']);

const ErrorBody = z.object({ error: z.string(), message: z.string(), issues: z.array(z.object({ path: z.string(), message: z.string() })).optional() });


export function requestRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.engineDb;

  r.post('/v1/requests', {
    config: {
      rateLimit: {
        max: deps.config.INTAKE_RATE_LIMIT_PER_DAY,
        timeWindow: '1 day',
        // requests vouched for by the product are limited per subject instead
        allowList: (req) => typeof req.headers[SUBJECT_TOKEN_HEADER] === 'string',
        errorResponseBuilder: (_req, ctx) => new ApiError(429, 'rate_limited', `too many requests from this address; try again in ${ctx.after}`),
      },
    },
    schema: {
      summary: 'Submit a data-subject request',
      description: 'Accepted at once (202); the subject is emailed a one-time verification link. Send an Idempotency-Key to make retries safe.',
      tags: ['requests'],
      body: RequestIntake,
      headers: z.object({ [IDEMPOTENCY_KEY_HEADER]: IdempotencyKey.optional(), [SUBJECT_TOKEN_HEADER]: z.string().max(4096).optional() }),
      response: { 202: RequestAccepted, 400: ErrorBody, 422: ErrorBody },
    },
  }, async (req, reply) => {
    const intake = req.body;
    if (!SUPPORTED_REQUEST_TYPES.includes(intake.type)) {
      throw unprocessable('type', `${intake.type} requests are not accepted by this deployment yet; supported: ${SUPPORTED_REQUEST_TYPES.join(', ')}`);
    }
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
  });

  r.get('/v1/requests/:id', {
    schema: {
      summary: 'Status and per-store progress of a request',
      tags: ['requests'],
      params: z.object({ id: RequestId }),
      response: { 200: RequestView, 400: ErrorBody, 404: ErrorBody },
    },
  }, async (req) => {
    const row = await loadRequestRow(db, req.params.id);
    if (!row) throw notFound('request');
    return requestView(row, await liveState(deps, row.id, req.log));
  });

  r.post('/v1/requests/:id/verify', {
    config: {
      rateLimit: {
        max: deps.config.VERIFY_ATTEMPTS_PER_HOUR,
        timeWindow: '1 hour',
        errorResponseBuilder: (_req, ctx) => new ApiError(429, 'rate_limited', `too many verification attempts; try again in ${ctx.after}`),
      },
    },
    schema: {
      summary: 'Confirm a request with the one-time code from the verification email',
      tags: ['requests'],
      params: z.object({ id: RequestId }),
      body: VerifyBody,
      response: { 200: z.object({ id: z.uuid(), status: z.string() }), 400: ErrorBody, 401: ErrorBody, 409: ErrorBody, 410: ErrorBody },
    },
  }, async (req) => {
    const { rows } = await db.query<{ request_id: string; expires_at: Date; used_at: Date | null }>(
      'SELECT request_id, expires_at, used_at FROM verification_tokens WHERE token_hash = $1',
      [sha256Hex(req.body.token)],
    );
    const token = rows[0];
    if (!token || token.request_id !== req.params.id) throw unauthorized('verification code is not valid for this request');
    if (token.used_at) throw gone('verification code was already used');
    if (token.expires_at.getTime() <= Date.now()) throw gone('verification code has expired; submit a new request');
    const { rows: [request] } = await db.query<{ status: string }>('SELECT status FROM requests WHERE id = $1', [req.params.id]);
    if (CLOSED_STATUSES.has(request.status)) throw conflict(`request is ${request.status} and can no longer be verified`);
    let status: string;
    try {
      const result = await deps.temporal.workflow.getHandle(req.params.id).executeUpdate<{ status: string }, []>(UPDATE_VERIFY);
      status = result.status;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? 'request can no longer be verified');
      req.log.warn({ requestId: req.params.id, err: (err as Error).message }, 'verify update failed');
      throw unavailable('could not reach the request workflow; try again shortly');
    }
    await db.query('UPDATE verification_tokens SET used_at = now() WHERE token_hash = $1', [sha256Hex(req.body.token)]);
    return { id: req.params.id, status: status === 'awaiting_verification' ? 'in_progress' : status };
  });
}

/** Stores a request (idempotently by key); returns the stored row and whether it existed. */
export async function createRequest(deps: ApiDeps, intake: RequestIntake, channel: Channel, key?: string, preVerified = false): Promise<{ row: RequestRow; replayed: boolean }> {
  const bodyHash = sha256Hex(canonicalJson(intake));
  const client = await deps.engineDb.connect();
  try {
    await client.query('BEGIN');
    const id = randomUUID();
    // Serialise intake per subject, so the per-subject limit holds under concurrent requests.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [sha256Hex(intake.email)]);
    const recent = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM requests WHERE subject_hash = $1 AND received_at > now() - interval '1 day'",
      [sha256Hex(intake.email)],
    );
    const replay = key ? await client.query('SELECT 1 FROM idempotency_keys WHERE channel = $1 AND key = $2', [channel, key]) : null;
    if (!replay?.rowCount && recent.rows[0].n >= deps.config.SUBJECT_REQUESTS_PER_DAY) {
      throw new ApiError(429, 'rate_limited', 'too many requests for this subject today; try again tomorrow', [{ path: 'email', message: 'daily limit reached' }]);
    }
    const deadline = computeDeadline(new Date(), intake.jurisdiction ?? deps.config.DEFAULT_JURISDICTION, deps.config.RESPONSE_DAYS);
    const { rows } = await client.query<RequestRow>(
      `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, legal_due_at, jurisdiction, pre_verified)
       VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, $9, $10)
       RETURNING ${REQUEST_COLUMNS}`,
      [id, intake.type, channel, intake.email, sha256Hex(intake.email), deadline.receivedAt, deadline.dueAt, deadline.legalDueAt, deadline.jurisdiction, preVerified],
    );
    for (const [field, value] of Object.entries(intake.corrections ?? {})) {
      await client.query('INSERT INTO request_corrections (request_id, field, new_value) VALUES ($1, $2, $3)', [id, field, value]);
    }
    if (key) {
      const claimed = await client.query(
        'INSERT INTO idempotency_keys (channel, key, body_hash, request_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [channel, key, bodyHash, id],
      );
      if (!claimed.rowCount) {
        await client.query('ROLLBACK');
        const prior = await client.query<RequestRow & { body_hash: string }>(
          `SELECT ${REQUEST_COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}, k.body_hash
             FROM idempotency_keys k JOIN requests r ON r.id = k.request_id WHERE k.channel = $1 AND k.key = $2`,
          [channel, key],
        );
        if (prior.rows[0].body_hash !== bodyHash) {
          throw unprocessable(`headers.${IDEMPOTENCY_KEY_HEADER}`, 'this key was already used for a different request');
        }
        return { row: prior.rows[0], replayed: true };
      }
    }
    await client.query('COMMIT');
    return { row: rows[0], replayed: false };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
