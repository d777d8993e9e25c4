// One error type per failure kind, mapped to an HTTP status in one place, with one body shape.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../records/pool';

/** The body of every error answer: a code, a message, and the fields at fault when there are any. */
export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 503;

/** Response schemas for the error statuses a route answers with; 500 (logged, never detailed) always. */
export function errorResponses<S extends ErrorStatus>(...statuses: S[]): Record<S | 500, typeof ErrorBody> {
  return Object.fromEntries([...statuses, 500].map((s) => [s, ErrorBody])) as Record<S | 500, typeof ErrorBody>;
}

export interface Issue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
  }
}

export const badRequest = (path: string, message: string) =>
  new ApiError(400, 'invalid_request', `${path}: ${message}`, [{ path, message }]);
export const unauthorized = (message: string) => new ApiError(401, 'unauthorized', message);
export const notFound = (what: string) => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string) => new ApiError(409, 'conflict', message);
export const gone = (message: string) => new ApiError(410, 'gone', message);
export const unprocessable = (path: string, message: string) =>
  new ApiError(422, 'unprocessable', `${path}: ${message}`, [{ path, message }]);
export const unavailable = (message: string) => new ApiError(503, 'unavailable', message);

/** Retry-After of a 503 answered because the engine database was unavailable. */
export const DB_RETRY_AFTER_SECONDS = 5;

const CONTEXT_PREFIX: Record<string, string> = { body: '', querystring: 'query.', params: 'params.', headers: 'headers.' };

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof ApiError) {
      return reply.code(err.status).send({ error: err.code, message: err.message, ...(err.issues ? { issues: err.issues } : {}) });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const prefix = CONTEXT_PREFIX[(err as { validationContext?: string }).validationContext ?? 'body'] ?? '';
      const issues = err.validation.map((v) => {
        const p = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
        return { path: prefix + p || '(body)', message: v.message ?? 'invalid' };
      });
      return reply.code(400).send({ error: 'invalid_request', message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send({ error: 'payload_too_large', message: 'request body is too large', issues: [{ path: '(body)', message: 'too large' }] });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({
        error: 'unsupported_media_type',
        message: 'send application/json',
        issues: [{ path: 'headers.content-type', message: 'must be application/json' }],
      });
    }
    if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
      return reply
        .code(400)
        .send({ error: 'invalid_request', message: 'body is empty', issues: [{ path: '(body)', message: 'required' }] });
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      const malformed = err instanceof SyntaxError || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY';
      return reply.code(err.statusCode).send({
        error: malformed ? 'malformed_json' : 'invalid_request',
        message: malformed ? 'body is not valid JSON' : err.message,
        issues: [{ path: '(body)', message: malformed ? 'not valid JSON' : err.message }],
      });
    }
    if (isDatabaseUnavailable(err)) {
      // The engine database was lost, unreachable or too slow: nothing this call was doing was
      // committed (intake stores in one transaction), so the client may simply try again.
      req.log.warn({ code: (err as { code?: unknown }).code, reason: err.message }, 'engine database unavailable');
      return reply
        .code(503)
        .header('retry-after', String(DB_RETRY_AFTER_SECONDS))
        .send({ error: 'unavailable', message: 'the database is unavailable; try again shortly' });
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send({ error: 'internal', message: 'internal error; the request was logged' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );
}
