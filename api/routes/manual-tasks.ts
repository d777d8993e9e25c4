// Under /v1/admin/manual-tasks: the open manual tasks (stores no API reaches), with whom each is
// about. Read-only.
import { z } from 'zod';
import { listOpenManualTasks } from '../../records/manual-tasks';
import { subjectEmailsOf } from '../../records/requests';
import { ADMIN_SECURITY, adminRoutes } from '../auth';
import { errorResponses } from '../errors';
import { subjectFor } from '../subject-view';

const ManualTaskView = z.object({
  requestId: z.uuid(),
  store: z.string(),
  operation: z.enum(['read', 'erase', 'correct', 'process']),
  instructions: z.string(),
  createdAt: z.string(),
  /** Whom the request is about: the address for admins, masked for auditors. */
  subject: z.string().nullable(),
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
    async (req) => {
      const tasks = await listOpenManualTasks(deps.engineDb);
      const emails = await subjectEmailsOf(deps.engineDb, [...new Set(tasks.map((t) => t.requestId))]);
      const shown = subjectFor(req);
      return { tasks: tasks.map((t) => ({ ...t, createdAt: t.createdAt.toISOString(), subject: shown(emails.get(t.requestId)) })) };
    },
  );
});
