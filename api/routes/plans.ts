// Under /v1/plans: a dry run of a deletion for a subject, per store (changes nothing). Admin keys only.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sha256Hex } from '../../lib/hash';
import { insertPlan } from '../../records/plans';
import { STORE_KINDS } from '../../schemas/datamap';
import { SubjectEmail } from '../../schemas/request';
import { PLAN_WORKFLOW, type PlanEntry } from '../../schemas/workflow';
import { ADMIN_SECURITY, adminOf, adminRoutes } from '../auth';
import { errorResponses } from '../errors';

const PlanEntryView = z.object({
  store: z.string(),
  collection: z.string(),
  kind: z.enum(STORE_KINDS),
  action: z.enum(['delete', 'mask', 'retain', 'purge', 'held', 'notify', 'manual', 'not_included']),
  rows: z.number(),
  bytes: z.number().optional(),
  step: z.number().int().positive().optional(),
  note: z.string().optional(),
  basis: z.string().optional(),
  retainedUntil: z.string().optional(),
  purgeAfter: z.string().optional(),
  maskedFields: z.array(z.string()).optional(),
  statements: z.array(z.string()).optional(),
  purgeStatements: z.array(z.string()).optional(),
}) satisfies z.ZodType<PlanEntry>;

export const planRoutes = adminRoutes(async (r, { deps }) => {
  r.post(
    '',
    {
      schema: {
        summary: 'Dry run: what a deletion for this subject would do, per store (changes nothing)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        body: z.object({ email: SubjectEmail, type: z.literal('deletion') }).strict(),
        response: {
          200: z.object({ id: z.uuid(), type: z.literal('deletion'), entries: z.array(PlanEntryView) }),
          ...errorResponses(400, 401, 403, 415),
        },
      },
    },
    async (req) => {
      const id = randomUUID();
      await insertPlan(deps.engineDb, {
        id,
        type: req.body.type,
        subjectEmail: req.body.email,
        subjectHash: sha256Hex(req.body.email),
        requestedBy: adminOf(req).name,
      });
      const entries = await deps.temporal.workflow.execute<(planId: string) => Promise<PlanEntry[]>>(PLAN_WORKFLOW, {
        workflowId: `plan-${id}`,
        taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
        args: [id],
      });
      return { id, type: req.body.type, entries };
    },
  );
});
