// Prometheus metrics for the API process: GET /metrics (text exposition format). No auth, so no
// personal data: labels are only request type and status. Request gauges are computed by SQL at
// scrape time (collect callbacks), so they are right whichever process changed the rows.
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { REQUEST_STATUSES, REQUEST_TYPES } from '../schemas/request';
import type { ApiDeps } from './deps';

/** Statuses after which a request is no longer waiting for anything (never overdue). */
const FINISHED_STATUSES = ['completed', 'denied', 'expired_unverified', 'failed'];

/** Adds GET /metrics to the app; returns the registry (one per app, so several apps can coexist). */
export function registerMetrics(app: FastifyInstance, deps: Pick<ApiDeps, 'engineDb'>): Registry {
  const db = deps.engineDb;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  new Gauge({
    name: 'dsar_requests',
    help: 'Requests by type and current status',
    labelNames: ['type', 'status'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await db.query<{ type: string; status: string; n: string }>(
        'SELECT type, status, count(*) AS n FROM requests GROUP BY type, status',
      );
      this.reset();
      for (const type of REQUEST_TYPES) for (const status of REQUEST_STATUSES) this.set({ type, status }, 0);
      for (const r of rows) this.set({ type: r.type, status: r.status }, Number(r.n));
    },
  });

  new Gauge({
    name: 'dsar_requests_overdue',
    help: 'Open requests past their (extended) due date, by type',
    labelNames: ['type'] as const,
    registers: [registry],
    async collect() {
      const { rows } = await db.query<{ type: string; n: string }>(
        `SELECT type, count(*) AS n FROM requests
          WHERE completed_at IS NULL AND status <> ALL($1) AND coalesce(extended_due_at, due_at) < now()
          GROUP BY type`,
        [FINISHED_STATUSES],
      );
      this.reset();
      for (const type of REQUEST_TYPES) this.set({ type }, 0);
      for (const r of rows) this.set({ type: r.type }, Number(r.n));
    },
  });

  new Gauge({
    name: 'dsar_export_bytes_total',
    help: 'Bytes of all export archives ever produced (sum of exports.bytes)',
    registers: [registry],
    async collect() {
      const { rows } = await db.query<{ n: string }>('SELECT coalesce(sum(bytes), 0) AS n FROM exports');
      this.set(Number(rows[0].n));
    },
  });

  new Gauge({
    name: 'dsar_audit_events_total',
    help: 'Events in the audit trail',
    registers: [registry],
    async collect() {
      // seq is gap-free from 1 (one writer under a lock; deletes are refused), so max(seq) is the
      // count, read from the primary key instead of a full scan.
      const { rows } = await db.query<{ n: string }>('SELECT coalesce(max(seq), 0) AS n FROM audit_events');
      this.set(Number(rows[0].n));
    },
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).header('cache-control', 'no-store').send(text);
  });
  return registry;
}
