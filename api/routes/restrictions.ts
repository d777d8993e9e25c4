// The privacy team's decisions on processing rights, under /v1/admin/requests: lifting a
// restriction (GDPR Art. 18) — the subject told first (Art. 18(3)), then the marks cleared and
// processors told, in the worker by the `liftRestriction` workflow (one per request) — and
// accepting an objection to a purpose other than direct marketing (refusing it is a denial for
// `compelling_legitimate_grounds`, the grounds in its details, which the subject's notice carries).
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import { findRequest } from '../../records/requests';
import { RequestId } from '../../schemas/request';
import { LIFT_RESTRICTION_WORKFLOW } from '../../schemas/workflow';
import { ADMIN_SECURITY, adminOf, adminRoutes } from '../auth';
import { acceptObjectionUpdate } from '../../schemas/contract';
import { conflict, errorResponses, notFound, unavailable } from '../errors';
import { workflowUpdater } from './admin-requests';
import { withinDeadline } from '../workflows';

const LIFT_TIMEOUT_MS = 30_000;

export const restrictionRoutes = adminRoutes(async (r, { deps }) => {
  const update = workflowUpdater(deps);

  r.post(
    '/:id/accept-objection',
    {
      schema: {
        summary: 'Accept an objection (GDPR Art. 21(1)): the processing for its purpose stops',
        description: 'To refuse it, deny the request with reason compelling_legitimate_grounds and the grounds as details.',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: RequestId }),
        response: { 200: z.object({ id: z.uuid(), status: z.string() }), ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (req) => {
      const result = await update(req.params.id, acceptObjectionUpdate, { by: adminOf(req).name });
      return { id: req.params.id, status: result.status };
    },
  );

  r.post(
    '/:id/lift-restriction',
    {
      schema: {
        summary: 'Lift a restriction of processing: the subject is told first (GDPR Art. 18(3)), then the marks are cleared',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: RequestId }),
        body: z.object({ reason: z.string().trim().min(3, 'give a reason (the subject is told)').max(2000) }).strict(),
        response: {
          200: z.object({ id: z.uuid(), lifted: z.literal(true), targets: z.number().int().nonnegative() }),
          ...errorResponses(400, 401, 403, 404, 409, 415, 503),
        },
      },
    },
    async (req) => {
      const request = await findRequest(deps.engineDb, req.params.id);
      if (!request) throw notFound('request');
      if (request.type !== 'restriction') throw conflict(`request is ${request.type}, not a restriction`);
      if (request.status !== 'completed') throw conflict(`the restriction is ${request.status}: only one in place can be lifted`);
      if (request.restrictionLiftedAt) throw conflict('the restriction was already lifted');
      const args = [{ requestId: request.id, by: adminOf(req).name, reason: req.body.reason }];
      try {
        const result = await withinDeadline(deps, 'restriction lift', LIFT_TIMEOUT_MS, async () => {
          const handle = await deps.temporal.workflow
            .start(LIFT_RESTRICTION_WORKFLOW, {
              workflowId: `lift-restriction:${request.id}`,
              taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
              args,
              workflowIdConflictPolicy: 'USE_EXISTING',
            })
            .catch((err: unknown) => {
              if (err instanceof WorkflowExecutionAlreadyStartedError)
                return deps.temporal.workflow.getHandle(`lift-restriction:${request.id}`);
              throw err;
            });
          return (await handle.result()) as { targets: number };
        });
        return { id: request.id, lifted: true as const, targets: result.targets };
      } catch (err) {
        req.log.warn({ requestId: request.id, err: (err as Error).message }, 'restriction lift did not finish in time');
        throw unavailable('the restriction is being lifted; ask again shortly to confirm');
      }
    },
  );
});
