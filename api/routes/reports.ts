// Under /v1/admin/reports: compliance figures for the privacy team and auditors (read-only).
import { z } from 'zod';
import { complianceReport, weeklyStats, type ComplianceReport, type WeekFigures } from '../../records/reports';
import { ADMIN_SECURITY, adminRoutes } from '../auth';
import { complianceCsv } from '../compliance-csv';
import { badRequest, errorResponses } from '../errors';

const Day = z.iso.date({ error: 'must be a date, YYYY-MM-DD' });
const Days = z.number().nullable();

const RightFigures = z.object({
  received: z.number(),
  complied: z.number(),
  denied: z.number(),
  deniedUnverifiable: z.number(),
  pending: z.number(),
  failed: z.number(),
  medianDays: Days,
  meanDays: Days,
});
const RequestRights = z.object({ know: RightFigures, delete: RightFigures, correct: RightFigures });
const ComplianceReportView = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.array(
    z.object({
      type: z.string(),
      jurisdiction: z.string(),
      received: z.number(),
      complied: z.number(),
      denied: z.number(),
      deniedByReason: z.record(z.string(), z.number()),
      expiredUnverified: z.number(),
      medianDays: Days,
      meanDays: Days,
      onTimeShare: z.number().nullable(),
      extended: z.number(),
      overdueNow: z.number(),
    }),
  ),
  ccpa7102: RequestRights.extend({ optOut: RightFigures, limit: RightFigures }),
  otherJurisdictions: z.object({ gdpr: RequestRights, policy: RequestRights }),
  notes: z.array(z.string()),
}) satisfies z.ZodType<ComplianceReport>;

const WeekFiguresView = z.object({
  weekStart: z.string(),
  type: z.string(),
  received: z.number(),
  completed: z.number(),
  onTime: z.number(),
}) satisfies z.ZodType<WeekFigures>;

export const reportRoutes = adminRoutes(async (r, { deps }) => {
  const db = deps.engineDb;

  r.get(
    '/compliance',
    {
      schema: {
        summary:
          'Compliance figures for a period (received from ≤ day < to), per type and jurisdiction; the CCPA §7102 metrics of CCPA requests, and the same per right for GDPR and policy requests',
        tags: ['reports'],
        security: ADMIN_SECURITY,
        querystring: z.object({ from: Day, to: Day, format: z.enum(['json', 'csv']).default('json') }).strict(),
        response: {
          200: {
            description: 'The report as JSON, or as CSV with format=csv',
            content: { 'application/json': { schema: ComplianceReportView }, 'text/csv': { schema: z.string() } },
          },
          ...errorResponses(400, 401),
        },
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
    '/weekly',
    {
      schema: {
        summary: 'Requests per week and type, completed and on time (for charts)',
        tags: ['reports'],
        security: ADMIN_SECURITY,
        querystring: z.object({ weeks: z.coerce.number().int().min(1).max(104).default(12) }).strict(),
        response: { 200: z.object({ weeks: z.array(WeekFiguresView) }), ...errorResponses(400, 401) },
      },
    },
    async (req) => ({ weeks: await weeklyStats(db, req.query.weeks) }),
  );
});
