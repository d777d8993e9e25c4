// Prometheus metrics for the API process: GET /metrics (text exposition format). No auth, so no
// personal data: labels are only request type and status. Request gauges are computed by SQL at
// scrape time (collect callbacks), so they are right whichever process changed the rows.
import type { FastifyPluginAsync } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { countAuditEvents } from '../records/audit-events';
import { totalExportBytes } from '../records/exports';
import { countOverdueByType, countRequestsByTypeAndStatus } from '../records/reports';
import { REQUEST_STATUSES, REQUEST_TYPES } from '../schemas/request';
import type { RoutesOptions } from './deps';

/** Statuses after which a request is no longer waiting for anything (never overdue). */
const FINISHED_STATUSES = ['completed', 'denied', 'expired_unverified', 'failed'];

/** GET /metrics, with a registry of its own (so several apps can coexist in one process). */
export const metricsRoutes: FastifyPluginAsync<RoutesOptions> = async (app, { deps }) => {
  const db = deps.engineDb;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'dsar_requests',
    help: 'Requests by type and current status',
    labelNames: ['type', 'status'] as const,
    registers: [registry],
    async collect() {
      const counts = await countRequestsByTypeAndStatus(db);
      this.reset();
      for (const type of REQUEST_TYPES) for (const status of REQUEST_STATUSES) this.set({ type, status }, 0);
      for (const c of counts) this.set({ type: c.type, status: c.status }, c.count);
    },
  });

  new Gauge({
    name: 'dsar_requests_overdue',
    help: 'Open requests past their (extended) due date, by type',
    labelNames: ['type'] as const,
    registers: [registry],
    async collect() {
      const counts = await countOverdueByType(db, FINISHED_STATUSES);
      this.reset();
      for (const type of REQUEST_TYPES) this.set({ type }, 0);
      for (const c of counts) this.set({ type: c.type }, c.count);
    },
  });

  new Gauge({
    name: 'dsar_requests_needing_attention',
    help: 'Requests stopped by an error no retry can fix, waiting for the privacy team (status needs_attention), by type',
    labelNames: ['type'] as const,
    registers: [registry],
    async collect() {
      const counts = await countRequestsByTypeAndStatus(db);
      this.reset();
      for (const type of REQUEST_TYPES) this.set({ type }, 0);
      for (const c of counts) if (c.status === 'needs_attention') this.set({ type: c.type }, c.count);
    },
  });

  new Gauge({
    name: 'dsar_export_bytes_total',
    help: 'Bytes of all export archives ever produced (sum of exports.bytes)',
    registers: [registry],
    async collect() {
      this.set(await totalExportBytes(db));
    },
  });

  new Gauge({
    name: 'dsar_audit_events_total',
    help: 'Events in the audit trail',
    registers: [registry],
    async collect() {
      this.set(await countAuditEvents(db));
    },
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
  });
};
