// Privacy-team endpoints: deletion plans, manual tasks, legal holds. Admin API keys only.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../activities/audit';
import { sha256Hex } from '../../lib/hash';
import { CHANNELS, REQUEST_STATUSES, REQUEST_TYPES, RequestId, SubjectEmail } from '../../schemas/request';
import { JURISDICTIONS } from '../../schemas/deadline';
import { completeManualTaskUpdate, denyUpdate, extendUpdate } from '../../schemas/contract';
import type { UpdateDefinition } from '@temporalio/common';
import {
  DENIAL_REASONS,
  PLAN_WORKFLOW,
  type Denial,
  type Extension,
  type ManualTaskCompletion,
  type PlanEntry,
} from '../../schemas/workflow';
import { liveState, loadRequestRow, REQUEST_COLUMNS, requestView, type RequestRow } from '../views';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { badRequest, conflict, notFound, unprocessable } from '../errors';

const Reason = z.string().trim().min(3, 'give a reason').max(2000);
const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);
const csv = (values: readonly string[]) =>
  z
    .string()
    .refine((s) => s.split(',').every((v) => values.includes(v)), `comma-separated, each one of: ${values.join(', ')}`)
    .optional();
const ListQuery = z
  .object({
    status: csv(REQUEST_STATUSES),
    type: csv(REQUEST_TYPES),
    jurisdiction: csv(JURISDICTIONS),
    channel: csv(CHANNELS),
    overdue: z.enum(['true', 'false']).optional(),
    dueBefore: z.iso.datetime({ offset: true }).optional(),
    cursor: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export function adminRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.engineDb;
  const admin = requireRole(db, 'admin');
  const anyRole = requireRole(db, 'admin', 'auditor');
  const security = [{ adminKey: [] }];

  r.post(
    '/v1/plans',
    {
      preHandler: admin,
      schema: {
        summary: 'Dry run: what a deletion for this subject would do, per store (changes nothing)',
        tags: ['admin'],
        security,
        body: z.object({ email: SubjectEmail, type: z.literal('deletion') }).strict(),
      },
    },
    async (req) => {
      const id = randomUUID();
      await db.query('INSERT INTO plans (id, type, subject_email, subject_hash, requested_by) VALUES ($1, $2, $3, $4, $5)', [
        id,
        req.body.type,
        req.body.email,
        sha256Hex(req.body.email),
        req.adminKey!.name,
      ]);
      const entries = await deps.temporal.workflow.execute<(planId: string) => Promise<PlanEntry[]>>(PLAN_WORKFLOW, {
        workflowId: `plan-${id}`,
        taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
        args: [id],
      });
      return { id, type: req.body.type, entries };
    },
  );

  r.post(
    '/v1/admin/requests/:id/manual-tasks/:store/complete',
    {
      preHandler: admin,
      schema: {
        summary: 'Mark a manual task (a store no API reaches) as done',
        tags: ['admin'],
        security,
        params: z.object({ id: RequestId, store: Identifier }),
        body: z.object({ note: z.string().trim().min(1).max(2000) }).strict(),
      },
    },
    async (req) => {
      const done: ManualTaskCompletion = { store: req.params.store, by: req.adminKey!.name, note: req.body.note };
      try {
        await deps.temporal.workflow.getHandle(req.params.id).executeUpdate(completeManualTaskUpdate, { args: [done] });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw notFound('request');
        if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? 'no such open manual task');
        throw err;
      }
      return { id: req.params.id, store: req.params.store, completed: true };
    },
  );

  r.get(
    '/v1/admin/requests',
    {
      preHandler: anyRole,
      schema: {
        summary: 'List requests, newest first, with filters; pages are stable (cursor = last id seen)',
        tags: ['admin'],
        security,
        querystring: ListQuery,
      },
    },
    async (req) => {
      const f = req.query;
      const where: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, v: unknown) => {
        params.push(v);
        where.push(sql.replace('?', `$${params.length}`));
      };
      if (f.status) add('status = ANY(?)', f.status.split(','));
      if (f.type) add('type = ANY(?)', f.type.split(','));
      if (f.jurisdiction) add('jurisdiction = ANY(?)', f.jurisdiction.split(','));
      if (f.channel) add('channel = ANY(?)', f.channel.split(','));
      if (f.overdue !== undefined) add('overdue = ?', f.overdue === 'true');
      if (f.dueBefore) add('coalesce(extended_due_at, due_at) < ?', new Date(f.dueBefore));
      if (f.cursor) {
        const {
          rows: [c],
        } = await db.query('SELECT received_at FROM requests WHERE id = $1', [f.cursor]);
        if (!c) throw badRequest('query.cursor', 'unknown cursor');
        params.push(c.received_at, f.cursor);
        where.push(`(received_at, id) < ($${params.length - 1}, $${params.length})`);
      }
      params.push(f.limit + 1);
      const { rows } = await db.query<RequestRow>(
        `SELECT ${REQUEST_COLUMNS} FROM requests ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY received_at DESC, id DESC LIMIT $${params.length}`,
        params,
      );
      const page = rows.slice(0, f.limit);
      return { requests: page.map((row) => requestView(row, null)), nextCursor: rows.length > f.limit ? page[page.length - 1].id : null };
    },
  );

  r.get(
    '/v1/admin/requests/:id',
    {
      preHandler: anyRole,
      schema: { summary: 'One request with live per-store progress', tags: ['admin'], security, params: z.object({ id: RequestId }) },
    },
    async (req) => {
      const row = await loadRequestRow(db, req.params.id);
      if (!row) throw notFound('request');
      const live = await liveState(deps, row.id, req.log);
      return {
        ...requestView(row, live),
        outcomes: live?.outcomes ?? null,
        corrections: live?.corrections ?? null,
        denial: live?.denial ? { reason: live.denial.reason } : null,
      };
    },
  );

  r.post(
    '/v1/admin/requests/:id/extend',
    {
      preHandler: admin,
      schema: {
        summary: 'Extend the due date lawfully (reason required; the subject is told)',
        tags: ['admin'],
        security,
        params: z.object({ id: RequestId }),
        body: z.object({ newDueAt: z.iso.datetime({ offset: true }), reason: Reason }).strict(),
      },
    },
    async (req) => {
      const ext: Extension = { newDueAt: new Date(req.body.newDueAt).toISOString(), reason: req.body.reason, by: req.adminKey!.name };
      const result = await update(req.params.id, extendUpdate, ext);
      return { id: req.params.id, dueAt: result.dueAt, extended: true };
    },
  );

  r.post(
    '/v1/admin/requests/:id/deny',
    {
      preHandler: admin,
      schema: {
        summary: 'Deny a request (manifestly unfounded, excessive, identity not verified, legal exemption)',
        tags: ['admin'],
        security,
        params: z.object({ id: RequestId }),
        body: z.object({ reason: z.enum(DENIAL_REASONS), details: Reason }).strict(),
      },
    },
    async (req) => {
      const denial: Denial = { reason: req.body.reason, details: req.body.details, by: req.adminKey!.name };
      await update(req.params.id, denyUpdate, denial);
      return { id: req.params.id, status: 'denied' };
    },
  );

  async function update<Ret, Arg>(id: string, definition: UpdateDefinition<Ret, [Arg]>, arg: Arg): Promise<Ret> {
    if (!(await loadRequestRow(db, id))) throw notFound('request');
    try {
      return await deps.temporal.workflow.getHandle(id).executeUpdate(definition, { args: [arg] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw unprocessable('(body)', err.cause?.message ?? 'refused');
      if (err instanceof WorkflowNotFoundError || /workflow execution already completed/i.test((err as Error).message))
        throw conflict('the request is already finished');
      throw err;
    }
  }

  r.post(
    '/v1/admin/legal-holds',
    {
      preHandler: admin,
      schema: {
        summary: 'Place a legal hold on a subject: deletion and retention sweeps skip their data',
        tags: ['admin'],
        security,
        body: z.object({ email: SubjectEmail, reason: Reason }).strict(),
      },
    },
    async (req, reply) => {
      const id = randomUUID();
      await db.query('INSERT INTO legal_holds (id, subject_email, subject_hash, reason, placed_by) VALUES ($1, $2, $3, $4, $5)', [
        id,
        req.body.email,
        sha256Hex(req.body.email),
        req.body.reason,
        req.adminKey!.name,
      ]);
      await appendAudit(db, {
        eventKey: `hold:${id}:placed`,
        actor: `admin:${req.adminKey!.name}`,
        action: 'legal_hold.placed',
        details: { holdId: id, reasonSha256: sha256Hex(req.body.reason) },
      });
      return reply.code(201).send({ id });
    },
  );

  r.post(
    '/v1/admin/legal-holds/:id/release',
    {
      preHandler: admin,
      schema: {
        summary: 'Release a legal hold',
        tags: ['admin'],
        security,
        params: z.object({ id: z.uuid() }),
        body: z.object({ reason: Reason }).strict(),
      },
    },
    async (req) => {
      const { rowCount } = await db.query(
        'UPDATE legal_holds SET released_at = now(), released_by = $2, release_reason = $3 WHERE id = $1 AND released_at IS NULL',
        [req.params.id, req.adminKey!.name, req.body.reason],
      );
      if (!rowCount) throw notFound('active legal hold');
      await appendAudit(db, {
        eventKey: `hold:${req.params.id}:released`,
        actor: `admin:${req.adminKey!.name}`,
        action: 'legal_hold.released',
        details: { holdId: req.params.id },
      });
      return { id: req.params.id, released: true };
    },
  );

  r.get(
    '/v1/admin/legal-holds',
    {
      preHandler: anyRole,
      schema: { summary: 'Active legal holds', tags: ['admin'], security },
    },
    async () => {
      const { rows } = await db.query('SELECT id, placed_by, placed_at FROM legal_holds WHERE released_at IS NULL ORDER BY placed_at');
      return { holds: rows.map((h) => ({ id: h.id, placedBy: h.placed_by, placedAt: h.placed_at.toISOString() })) };
    },
  );
}
