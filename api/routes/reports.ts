// Compliance reporting for the privacy team and auditors (read-only: both roles).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { verifyAuditChain } from '../../activities/audit';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { badRequest } from '../errors';
import { complianceCsv, complianceReport, weeklyStats } from '../reports';

const Day = z.iso.date({ error: 'must be a date, YYYY-MM-DD' });

export function reportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.engineDb;
  const anyRole = requireRole(db, 'admin', 'auditor');
  const security = [{ adminKey: [] }];

  r.get(
    '/v1/admin/reports/compliance',
    {
      preHandler: anyRole,
      schema: {
        summary: 'Compliance figures for a period (received from ≤ day < to), per type and jurisdiction, and the CCPA §7102 metrics',
        tags: ['reports'],
        security,
        querystring: z.object({ from: Day, to: Day, format: z.enum(['json', 'csv']).default('json') }).strict(),
      },
    },
    async (req, reply) => {
      const from = new Date(`${req.query.from}T00:00:00Z`);
      const to = new Date(`${req.query.to}T00:00:00Z`);
      if (to <= from) throw badRequest('query.to', 'must be after from');
      const report = await complianceReport(db, from, to);
      if (req.query.format === 'csv') {
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="compliance-${req.query.from}-${req.query.to}.csv"`)
          .send(complianceCsv(report));
      }
      return report;
    },
  );

  r.get(
    '/v1/admin/reports/weekly',
    {
      preHandler: anyRole,
      schema: {
        summary: 'Requests per week and type, completed and on time (for charts)',
        tags: ['reports'],
        security,
        querystring: z.object({ weeks: z.coerce.number().int().min(1).max(104).default(12) }).strict(),
      },
    },
    async (req) => ({ weeks: await weeklyStats(db, req.query.weeks) }),
  );

  r.get(
    '/v1/admin/manual-tasks',
    {
      preHandler: anyRole,
      schema: { summary: 'Open manual tasks (stores no API reaches)', tags: ['admin'], security },
    },
    async () => {
      const { rows } = await db.query(
        'SELECT request_id, store, instructions, created_at FROM manual_tasks WHERE completed_at IS NULL ORDER BY created_at',
      );
      return {
        tasks: rows.map((t) => ({
          requestId: t.request_id,
          store: t.store,
          instructions: t.instructions,
          createdAt: t.created_at.toISOString(),
        })),
      };
    },
  );

  r.get(
    '/v1/admin/audit/verify',
    {
      preHandler: anyRole,
      schema: {
        summary: 'Recompute the audit hash chain (whole, or a seq range) and name the first broken link',
        tags: ['reports'],
        security,
        querystring: z
          .object({ fromSeq: z.coerce.number().int().min(1).optional(), toSeq: z.coerce.number().int().min(1).optional() })
          .strict(),
      },
    },
    async (req) => {
      const report = await verifyAuditChain(db, 5000, { fromSeq: req.query.fromSeq, toSeq: req.query.toSeq });
      return { ok: report.ok, events: report.events, head: report.lastHash, firstBroken: report.firstBroken ?? null };
    },
  );
}
