// Prometheus metrics for the worker process: activity executions and failures per activity type
// (counted by an activity interceptor), plus Node's default metrics, served on their own port.
import { CancelledFailure } from '@temporalio/common';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Registry } from 'prom-client';

export const workerRegistry = new Registry();

export const activityExecutions = new Counter({
  name: 'dsar_activity_executions_total',
  help: 'Activity attempts started, by activity type',
  labelNames: ['activity'] as const,
  registers: [workerRegistry],
});

export const activityFailures = new Counter({
  name: 'dsar_activity_failures_total',
  help: 'Activity attempts that failed (threw; cancellations excluded), by activity type',
  labelNames: ['activity'] as const,
  registers: [workerRegistry],
});

/** For Worker.create: `interceptors: workerInterceptors()`. */
export function workerInterceptors(): { activity: ActivityInterceptorsFactory[] } {
  const factory: ActivityInterceptorsFactory = (ctx) => ({
    inbound: {
      async execute(input, next) {
        const activity = ctx.info.activityType;
        activityExecutions.inc({ activity });
        try {
          return await next(input);
        } catch (err) {
          if (!(err instanceof CancelledFailure)) activityFailures.inc({ activity });
          throw err;
        }
      },
    },
  });
  return { activity: [factory] };
}

let defaultsCollected = false;

/** Serves the worker's registry at GET /metrics on `port` (0: any free port; read server.address()). */
export async function startWorkerMetricsServer(port: number, host = '0.0.0.0'): Promise<http.Server> {
  if (!defaultsCollected) {
    defaultsCollected = true;
    collectDefaultMetrics({ register: workerRegistry });
  }
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    workerRegistry.metrics().then(
      (text) =>
        res
          .writeHead(200, { 'content-type': workerRegistry.contentType, 'cache-control': 'no-store' })
          .end(req.method === 'HEAD' ? undefined : text),
      (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

export function metricsPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}
