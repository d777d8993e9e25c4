// Under /v1/admin/manual-tasks: the open manual tasks (stores no API reaches). Read-only.
import { z } from 'zod';
import { listOpenManualTasks } from '../../records/manual-tasks';
import { ADMIN_SECURITY, adminRoutes } from '../auth';
import { errorResponses } from '../errors';

const ManualTaskView = z.object({
  requestId: z.uuid(),
  store: z.string(),
  operation: z.enum(['read', 'erase', 'correct', 'process']),
  instructions: z.string(),
  createdAt: z.string(),
});

export const manualTaskRoutes = adminRoutes(async (r, { deps }) => {
  r.get(
    '',
    {
      schema: {
        summary: 'Open manual tasks (stores no API reaches)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        response: { 200: z.object({ tasks: z.array(ManualTaskView) }), ...errorResponses(401) },
      },
    },
    async () => {
      const tasks = await listOpenManualTasks(deps.engineDb);
      return { tasks: tasks.map((t) => ({ ...t, createdAt: t.createdAt.toISOString() })) };
    },
  );
});
