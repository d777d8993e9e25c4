// The privacy team's view of requests, under /v1/admin/requests: list and inspect them, extend
// or deny, mark manual tasks done. Admin keys only (auditors read).
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { agentsOfRequests, findRequestAgent } from '../../records/request-agents';
import { findRequest, listRequests, subjectEmailsOf } from '../../records/requests';
import { STORE_KINDS } from '../../schemas/datamap';
import { AdminRequestView, REQUEST_STATUSES, RequestId } from '../../schemas/request';
import type { UpdateDefinition } from '@temporalio/common';
import { createHash } from 'node:crypto';
import { appendAudit } from '../../records/audit-events';
import { findOpenManualTask } from '../../records/manual-tasks';
import { listManualUploads, saveManualUpload } from '../../records/manual-uploads';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { completeManualTaskUpdate, denyUpdate, extendUpdate, retryUpdate } from '../../schemas/contract';
import {
  CORRECTION_SKIP_REASONS,
  DENIAL_REASONS,
  MANUAL_TASK_OUTCOMES,
  type CorrectionOutcome,
  type Denial,
  type ErasureOutcome,
  type Extension,
  type ManualTaskCompletion,
  type Retry,
} from '../../schemas/workflow';
import { ADMIN_SECURITY, adminOf, adminRoutes } from '../auth';
import type { ApiDeps } from '../deps';
import { badRequest, conflict, errorResponses, notFound, unprocessable } from '../errors';
import { ListQuery, listingFilter } from '../request-listing';
import { subjectFor } from '../subject-view';
import { adminRequestView, liveState } from '../views';

const Reason = z.string().trim().min(3, 'give a reason').max(2000);
const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
/** A plain file name: no folders, no control characters. */
const FileName = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^/\\\p{Cc}]+$/u, 'a plain file name, without folders or control characters')
  .refine((n) => n !== '.' && n !== '..', 'a plain file name');
const ERASURE_ACTIONS = ['delete', 'mask', 'retain', 'purge', 'held', 'notify', 'manual'] as const;

const ErasureOutcomeView = z.object({
  store: z.string(),
  collection: z.string(),
  kind: z.enum(STORE_KINDS),
  action: z.enum(ERASURE_ACTIONS),
  deleted: z.number(),
  masked: z.number(),
  retained: z.number(),
  softDeleted: z.number(),
  remainingDue: z.number(),
  longestStatementMs: z.number(),
  statements: z.number().optional(),
  eraseMs: z.number().optional(),
  proofMs: z.number().optional(),
  maskedFields: z.array(z.string()).optional(),
  basis: z.string().optional(),
  retentionPeriod: z.string().optional(),
  retainedUntil: z.string().optional(),
  purgeAfter: z.string().optional(),
  note: z.string().optional(),
}) satisfies z.ZodType<ErasureOutcome>;

const CorrectionOutcomeView = z.object({
  store: z.string(),
  collection: z.string(),
  changes: z.array(
    z.object({ field: z.string(), column: z.string(), rows: z.number(), oldHash: z.array(z.string()), newHash: z.string() }),
  ),
  skipped: z
    .array(z.object({ field: z.string(), column: z.string(), rows: z.number(), reason: z.enum(CORRECTION_SKIP_REASONS) }))
    .optional(),
}) satisfies z.ZodType<CorrectionOutcome>;

/** A request in the privacy team's view: with whom it is about (the address for admins, masked for auditors). */
const ListedRequest = AdminRequestView.extend({ subject: z.string().nullable() });

const RequestDetail = ListedRequest.extend({
  outcomes: z.array(ErasureOutcomeView).nullable(),
  corrections: z.array(CorrectionOutcomeView).nullable(),
  denial: z.object({ reason: z.enum(DENIAL_REASONS) }).nullable(),
});

export const adminRequestRoutes = adminRoutes(async (r, { deps }) => {
  const db = deps.engineDb;
  const update = workflowUpdater(deps);

  r.get(
    '',
    {
      schema: {
        summary:
          "List requests, newest first: open or closed, filtered, or found by id or the subject's address (q); pages are stable (cursor = last id seen)",
        tags: ['admin'],
        security: ADMIN_SECURITY,
        querystring: ListQuery,
        response: { 200: z.object({ requests: z.array(ListedRequest), nextCursor: z.uuid().nullable() }), ...errorResponses(400, 401) },
      },
    },
    async (req) => {
      const f = req.query;
      const filter = listingFilter(f);
      const cursor = f.cursor ? await findRequest(db, f.cursor) : null;
      if (f.cursor && !cursor) throw badRequest('query.cursor', 'unknown cursor');
      const found = await listRequests(db, {
        ...filter,
        after: cursor ? { receivedAt: cursor.receivedAt, id: cursor.id } : undefined,
        limit: f.limit + 1,
      });
      const page = found.slice(0, f.limit);
      const ids = page.map((row) => row.id);
      const [emails, agents] = await Promise.all([subjectEmailsOf(db, ids), agentsOfRequests(db, ids)]);
      const shown = subjectFor(req);
      return {
        requests: page.map((row) => ({ ...adminRequestView(row, null, agents.get(row.id)), subject: shown(emails.get(row.id)) })),
        nextCursor: found.length > f.limit ? page[page.length - 1].id : null,
      };
    },
  );

  r.get(
    '/:id',
    {
      schema: {
        summary: 'One request with live per-store progress',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: RequestId }),
        response: { 200: RequestDetail, ...errorResponses(400, 401, 404) },
      },
    },
    async (req) => {
      const request = await findRequest(db, req.params.id);
      if (!request) throw notFound('request');
      const live = await liveState(deps, request.id, req.log);
      const emails = await subjectEmailsOf(db, [request.id]);
      return {
        ...adminRequestView(request, live, await findRequestAgent(db, request.id)),
        subject: subjectFor(req)(emails.get(request.id)),
        outcomes: live?.outcomes ?? null,
        corrections: live?.corrections ?? null,
        denial: live?.denial ? { reason: live.denial.reason } : null,
      };
    },
  );

  r.post(
    '/:id/extend',
    {
      schema: {
        summary: 'Extend the due date lawfully (reason required; the subject is told)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: RequestId }),
        body: z.object({ newDueAt: z.iso.datetime({ offset: true }), reason: Reason }).strict(),
        response: {
          200: z.object({ id: z.uuid(), dueAt: z.string(), extended: z.literal(true) }),
          ...errorResponses(400, 401, 403, 404, 409, 415, 422),
        },
      },
    },
    async (req) => {
      const ext: Extension = { newDueAt: new Date(req.body.newDueAt).toISOString(), reason: req.body.reason, by: adminOf(req).name };
      const result = await update(req.params.id, extendUpdate, ext);
      return { id: req.params.id, dueAt: result.dueAt, extended: true as const };
    },
  );

  r.post(
    '/:id/deny',
    {
      schema: {
        summary: 'Deny a request (manifestly unfounded, excessive, identity not verified, legal exemption)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: RequestId }),
        body: z.object({ reason: z.enum(DENIAL_REASONS), details: Reason }).strict(),
        response: {
          200: z.object({ id: z.uuid(), status: z.literal('denied') }),
          ...errorResponses(400, 401, 403, 404, 409, 415, 422),
        },
      },
    },
    async (req) => {
      const denial: Denial = { reason: req.body.reason, details: req.body.details, by: adminOf(req).name };
      await update(req.params.id, denyUpdate, denial);
      return { id: req.params.id, status: 'denied' as const };
    },
  );

  r.post(
    '/:id/retry',
    {
      schema: {
        summary: 'Re-run the step that stopped a request in needs_attention (after the store or the data map was fixed)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: RequestId }),
        response: {
          200: z.object({ id: z.uuid(), status: z.enum(REQUEST_STATUSES), retried: z.literal(true) }),
          ...errorResponses(400, 401, 403, 404, 409),
        },
      },
    },
    async (req) => {
      const { id } = req.params;
      if (!(await findRequest(db, id))) throw notFound('request');
      const retry: Retry = { by: adminOf(req).name };
      try {
        const result = await deps.temporal.workflow.getHandle(id).executeUpdate(retryUpdate, { args: [retry] });
        return { id, status: result.status, retried: true as const };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? 'the request does not need attention');
        if (err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test((err as Error).message))
          throw conflict('the request is already finished: there is no failed step to retry');
        throw err;
      }
    },
  );

  // A manual store's part of an access or export: the privacy team uploads what it holds, one
  // file per call, kept (with its SHA-256) until the archive is packed.
  r.register(async (upload) => {
    upload.addContentTypeParser(
      'application/octet-stream',
      { parseAs: 'buffer', bodyLimit: deps.config.MANUAL_UPLOAD_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    upload.withTypeProvider<ZodTypeProvider>().post(
      '/:id/manual-tasks/:store/files',
      {
        bodyLimit: deps.config.MANUAL_UPLOAD_MAX_BYTES,
        schema: {
          summary: "Upload a file a manual store holds about the subject (for the request's archive)",
          tags: ['admin'],
          security: ADMIN_SECURITY,
          params: z.object({ id: RequestId, store: Identifier }),
          headers: z.object({ 'x-file-name': FileName }),
          response: {
            201: z.object({ id: z.uuid(), store: z.string(), bytes: z.number().int(), sha256: z.string() }),
            ...errorResponses(400, 401, 403, 404, 409, 413, 415),
          },
        },
      },
      async (req, reply) => {
        const content = req.body;
        if (!Buffer.isBuffer(content) || content.length === 0) throw badRequest('(body)', 'send the file as application/octet-stream');
        const task = await findOpenManualTask(deps.engineDb, req.params.id, req.params.store);
        if (!task) throw conflict(`no open manual task for store ${req.params.store}`);
        if (task.operation !== 'read') throw conflict('this task asks to act on the store, not to provide its data');
        const sha256 = createHash('sha256').update(content).digest('hex');
        const by = adminOf(req).name;
        await saveManualUpload(deps.engineDb, {
          requestId: req.params.id,
          store: req.params.store,
          fileName: req.headers['x-file-name'],
          content,
          sha256,
          uploadedBy: by,
        });
        await appendAudit(deps.engineDb, {
          eventKey: `${req.params.id}:manual.upload:${req.params.store}:${sha256}`,
          requestId: req.params.id,
          actor: `admin:${by}`,
          action: AUDIT_ACTIONS.manualTaskFileUploaded,
          store: req.params.store,
          collection: 'manual_task',
          details: { bytes: content.length, sha256 },
        });
        return reply.code(201).send({ id: req.params.id, store: req.params.store, bytes: content.length, sha256 });
      },
    );
  });

  r.post(
    '/:id/manual-tasks/:store/complete',
    {
      schema: {
        summary: 'Complete a manual task (a store no API reaches): done, or for access/export uploaded / nothing held',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: RequestId, store: Identifier }),
        body: z.object({ note: z.string().trim().min(1).max(2000), outcome: z.enum(MANUAL_TASK_OUTCOMES).default('done') }).strict(),
        response: {
          200: z.object({ id: z.uuid(), store: z.string(), completed: z.literal(true) }),
          ...errorResponses(400, 401, 403, 404, 409, 415),
        },
      },
    },
    async (req) => {
      const { id, store } = req.params;
      if (req.body.outcome === 'uploaded' && !(await listManualUploads(deps.engineDb, id, store)).length) {
        throw conflict('nothing was uploaded for this task: upload the files first, or complete it as nothing_held');
      }
      const done: ManualTaskCompletion = { store, by: adminOf(req).name, note: req.body.note, outcome: req.body.outcome };
      try {
        await deps.temporal.workflow.getHandle(id).executeUpdate(completeManualTaskUpdate, { args: [done] });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw notFound('request');
        if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? 'no such open manual task');
        throw err;
      }
      return { id, store, completed: true as const };
    },
  );
});

/** Sends an update to a stored request's workflow: 404 unknown, 422 refused, 409 already finished. */
export function workflowUpdater(deps: ApiDeps) {
  return async function update<Ret, Arg>(id: string, definition: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
    if (!(await findRequest(deps.engineDb, id))) throw notFound('request');
    try {
      return await deps.temporal.workflow.getHandle(id).executeUpdate(definition, { args: [arg] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw unprocessable('(body)', err.cause?.message ?? 'refused');
      if (err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test((err as Error).message))
        throw conflict('the request is already finished');
      throw err;
    }
  };
}
