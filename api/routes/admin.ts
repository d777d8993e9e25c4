// Privacy-team endpoints: deletion plans, manual tasks, legal holds. Admin API keys only.
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../activities/audit';
import { sha256Hex } from '../../lib/hash';
import { RequestId, SubjectEmail } from '../../schemas/request';
import { PLAN_WORKFLOW, UPDATE_COMPLETE_MANUAL_TASK, type ManualTaskCompletion, type PlanEntry } from '../../schemas/workflow';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { conflict, notFound } from '../errors';

const Reason = z.string().trim().min(3, 'give a reason').max(2000);
const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/);

export function adminRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.engineDb;
  const admin = requireRole(db, 'admin');
  const anyRole = requireRole(db, 'admin', 'auditor');
  const security = [{ adminKey: [] }];

  r.post('/v1/plans', {
    preHandler: admin,
    schema: {
      summary: 'Dry run: what a deletion for this subject would do, per store (changes nothing)',
      tags: ['admin'],
      security,
      body: z.object({ email: SubjectEmail, type: z.literal('deletion') }).strict(),
    },
  }, async (req) => {
    const id = randomUUID();
    await db.query('INSERT INTO plans (id, type, subject_email, subject_hash, requested_by) VALUES ($1, $2, $3, $4, $5)', [
      id, req.body.type, req.body.email, sha256Hex(req.body.email), req.adminKey!.name,
    ]);
    const entries = await deps.temporal.workflow.execute<(planId: string) => Promise<PlanEntry[]>>(PLAN_WORKFLOW, {
      workflowId: `plan-${id}`,
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      args: [id],
    });
    return { id, type: req.body.type, entries };
  });

  r.post('/v1/admin/requests/:id/manual-tasks/:store/complete', {
    preHandler: admin,
    schema: {
      summary: 'Mark a manual task (a store no API reaches) as done',
      tags: ['admin'],
      security,
      params: z.object({ id: RequestId, store: Identifier }),
      body: z.object({ note: z.string().trim().min(1).max(2000) }).strict(),
    },
  }, async (req) => {
    const done: ManualTaskCompletion = { store: req.params.store, by: req.adminKey!.name, note: req.body.note };
    try {
      await deps.temporal.workflow.getHandle(req.params.id).executeUpdate(UPDATE_COMPLETE_MANUAL_TASK, { args: [done] });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw notFound('request');
      if (err instanceof WorkflowUpdateFailedError) throw conflict(err.cause?.message ?? 'no such open manual task');
      throw err;
    }
    return { id: req.params.id, store: req.params.store, completed: true };
  });

  r.post('/v1/admin/legal-holds', {
    preHandler: admin,
    schema: {
      summary: "Place a legal hold on a subject: deletion and retention sweeps skip their data",
      tags: ['admin'],
      security,
      body: z.object({ email: SubjectEmail, reason: Reason }).strict(),
    },
  }, async (req, reply) => {
    const id = randomUUID();
    await db.query('INSERT INTO legal_holds (id, subject_email, subject_hash, reason, placed_by) VALUES ($1, $2, $3, $4, $5)', [
      id, req.body.email, sha256Hex(req.body.email), req.body.reason, req.adminKey!.name,
    ]);
    await appendAudit(db, { eventKey: `hold:${id}:placed`, actor: `admin:${req.adminKey!.name}`, action: 'legal_hold.placed', details: { holdId: id, reasonSha256: sha256Hex(req.body.reason) } });
    return reply.code(201).send({ id });
  });

  r.post('/v1/admin/legal-holds/:id/release', {
    preHandler: admin,
    schema: {
      summary: 'Release a legal hold',
      tags: ['admin'],
      security,
      params: z.object({ id: z.uuid() }),
      body: z.object({ reason: Reason }).strict(),
    },
  }, async (req) => {
    const { rowCount } = await db.query(
      'UPDATE legal_holds SET released_at = now(), released_by = $2, release_reason = $3 WHERE id = $1 AND released_at IS NULL',
      [req.params.id, req.adminKey!.name, req.body.reason],
    );
    if (!rowCount) throw notFound('active legal hold');
    await appendAudit(db, { eventKey: `hold:${req.params.id}:released`, actor: `admin:${req.adminKey!.name}`, action: 'legal_hold.released', details: { holdId: req.params.id } });
    return { id: req.params.id, released: true };
  });

  r.get('/v1/admin/legal-holds', {
    preHandler: anyRole,
    schema: { summary: 'Active legal holds', tags: ['admin'], security },
  }, async () => {
    const { rows } = await db.query('SELECT id, placed_by, placed_at FROM legal_holds WHERE released_at IS NULL ORDER BY placed_at');
    return { holds: rows.map((h) => ({ id: h.id, placedBy: h.placed_by, placedAt: h.placed_at.toISOString() })) };
  });
}
