import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApiDeps } from './deps';
import { installErrorHandler } from './errors';
import { adminRoutes } from './routes/admin';
import { inboxRoutes } from './routes/inbox';
import { reportRoutes } from './routes/reports';
import { dossierRoutes } from './routes/dossier';
import { registerMetrics } from './metrics';
import { downloadRoutes } from './routes/downloads';
import { requestRoutes } from './routes/requests';
import { webRoutes } from './routes/web';

/** Request bodies are small JSON documents; anything larger is refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;
const WEB_DIR = path.join(__dirname, '..', 'web');

export async function buildApp(deps: ApiDeps, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
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
        securitySchemes: { adminKey: { type: 'http', scheme: 'bearer', description: 'an admin API key (dsar admin-key create)' } },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ ok: true }));
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/verify', { schema: { hide: true } }, async (_req, reply) =>
    reply
      .type('text/html')
      .header('referrer-policy', 'no-referrer')
      .send(await readFile(path.join(WEB_DIR, 'verify.html'))),
  );
  app.get('/web/verify.js', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/javascript').send(await readFile(path.join(WEB_DIR, 'verify.js'))),
  );
  requestRoutes(app, deps);
  downloadRoutes(app, deps);
  adminRoutes(app, deps);
  inboxRoutes(app, deps);
  reportRoutes(app, deps);
  dossierRoutes(app, deps);
  registerMetrics(app, deps);
  webRoutes(app);
  return app;
}
