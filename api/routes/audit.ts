// Under /v1/admin/audit: GET /verify recomputes the audit hash chain (read-only).
import { z } from 'zod';
import { verifyAuditChain } from '../../records/audit-events';
import { ADMIN_SECURITY, adminRoutes } from '../auth';
import { errorResponses } from '../errors';

const ChainVerdict = z.object({
  ok: z.boolean(),
  events: z.number(),
  head: z.string(),
  firstBroken: z.object({ seq: z.number(), reason: z.string() }).nullable(),
});

export const auditRoutes = adminRoutes(async (r, { deps }) => {
  r.get(
    '/verify',
    {
      schema: {
        summary: 'Recompute the audit hash chain (whole, or a seq range) and name the first broken link',
        tags: ['reports'],
        security: ADMIN_SECURITY,
        querystring: z
          .object({ fromSeq: z.coerce.number().int().min(1).optional(), toSeq: z.coerce.number().int().min(1).optional() })
          .strict(),
        response: { 200: ChainVerdict, ...errorResponses(400, 401) },
      },
    },
    async (req) => {
      const report = await verifyAuditChain(deps.engineDb, 5000, { fromSeq: req.query.fromSeq, toSeq: req.query.toSeq });
      return { ok: report.ok, events: report.events, head: report.lastHash, firstBroken: report.firstBroken ?? null };
    },
  );
});
