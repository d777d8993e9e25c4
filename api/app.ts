import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { recordStartingDataMap } from '../records/datamap-versions';
import type { ApiDeps } from './deps';
import { installErrorHandler } from './errors';
import { metricsRoutes } from './metrics';
import { adminRequestRoutes } from './routes/admin-requests';
import { adminAgentRoutes, agentPermissionRoutes } from './routes/agents';
import { restrictionRoutes } from './routes/restrictions';
import { datamapRoutes } from './routes/datamap';
import { auditRoutes } from './routes/audit';
import { dossierRoutes } from './routes/dossier';
import { downloadRoutes } from './routes/downloads';
import { inboxRoutes } from './routes/inbox';
import { inboxTriageRoutes } from './routes/inbox-triage';
import { legalHoldRoutes } from './routes/legal-holds';
import { manualTaskRoutes } from './routes/manual-tasks';
import { planRoutes } from './routes/plans';
import { reportRoutes } from './routes/reports';
import { requestOptionRoutes } from './routes/request-options';
import { requestRoutes } from './routes/requests';
import { webRoutes } from './routes/web';

/** Request bodies are small JSON documents; anything larger is refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export async function buildApp(deps: ApiDeps, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  // requests received from now on start with this map's version
  await recordStartingDataMap(deps.engineDb, deps.dataMap, 'api');
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: 600 },
    logger:
      opts.logger === false
        ? false
        : {
            level: deps.config.LOG_LEVEL,
            // URLs can carry one-time codes and download tokens: log the route, not the URL.
            serializers: { req: (req) => ({ method: req.method, route: req.routeOptions?.url ?? 'unknown', id: req.id }) },
          },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  // Only JSON is accepted; plain text would otherwise reach the schemas as a string.
  app.removeContentTypeParser('text/plain');

  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
      },
    },
  });
  // Limits apply per route (`config.rateLimit`), not globally.
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'dsar-engine',
        version: '0.1.0',
        description: 'Data-subject request intake, status and downloads; privacy-team administration.',
      },
      components: {
        securitySchemes: {
          adminKey: { type: 'http', scheme: 'bearer', description: 'an admin API key (dsar admin-key create)' },
          inboxSecret: { type: 'http', scheme: 'bearer', description: 'the shared secret of the inbox webhook (INBOX_WEBHOOK_SECRET)' },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const routes = { deps };
  // the data subject's
  await app.register(requestRoutes, { prefix: '/v1/requests', ...routes });
  await app.register(agentPermissionRoutes, { prefix: '/v1/requests', ...routes });
  await app.register(requestOptionRoutes, { prefix: '/v1/requests', ...routes });
  await app.register(downloadRoutes, { prefix: '/v1/exports', ...routes });
  // mail to privacy@
  await app.register(inboxRoutes, { prefix: '/v1/inbox', ...routes });
  // the privacy team's: admin keys only
  await app.register(planRoutes, { prefix: '/v1/plans', ...routes });
  await app.register(adminRequestRoutes, { prefix: '/v1/admin/requests', ...routes });
  await app.register(adminAgentRoutes, { prefix: '/v1/admin/requests', ...routes });
  await app.register(dossierRoutes, { prefix: '/v1/admin/requests', ...routes });
  await app.register(restrictionRoutes, { prefix: '/v1/admin/requests', ...routes });
  await app.register(legalHoldRoutes, { prefix: '/v1/admin/legal-holds', ...routes });
  await app.register(inboxTriageRoutes, { prefix: '/v1/admin/inbox', ...routes });
  await app.register(manualTaskRoutes, { prefix: '/v1/admin/manual-tasks', ...routes });
  await app.register(reportRoutes, { prefix: '/v1/admin/reports', ...routes });
  await app.register(auditRoutes, { prefix: '/v1/admin/audit', ...routes });
  await app.register(datamapRoutes, { prefix: '/v1/admin/datamap', ...routes });
  // unlisted in the API documentation
  await app.register(metricsRoutes, routes);
  await app.register(webRoutes);
  return app;
}
