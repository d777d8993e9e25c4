// Under /v1/admin/datamap: GET /check, the latest check of the data map against the live stores
// (run by the worker at start; `dsar datamap check` runs it by hand). Read-only.
import { z } from 'zod';
import { latestDataMapCheck } from '../../records/datamap-checks';
import { DataMapCheckResult } from '../../schemas/datamap-check';
import { ADMIN_SECURITY, adminRoutes } from '../auth';
import { errorResponses } from '../errors';

export const datamapRoutes = adminRoutes(async (r, { deps }) => {
  r.get(
    '/check',
    {
      schema: {
        summary: 'The latest start-up check of the data map against the live stores: errors (the worker refused to start) and warnings',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        response: { 200: z.object({ check: DataMapCheckResult.nullable() }), ...errorResponses(401) },
      },
    },
    async () => ({ check: await latestDataMapCheck(deps.engineDb) }),
  );
});
