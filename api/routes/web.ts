// The self-service pages: GET / (ask for an export or deletion), GET /status (a request's
// status) and their scripts and styles under /web/. Only the files named below are served:
// no directory listing, no path taken from the URL.
import type { FastifyInstance } from 'fastify';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const WEB_DIR = path.join(__dirname, '..', '..', 'web');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Files servable as /web/<name>. (/web/verify.js also has its own route in app.ts, which takes precedence.) */
export const WEB_ASSETS: readonly string[] = ['self-service.js', 'status.js', 'verify.js', 'dashboard.js', 'style.css'];

const contentType = (file: string) => CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';

export function webRoutes(app: FastifyInstance): void {
  const page = (url: string, file: string) =>
    app.get(url, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .type(contentType(file))
        // the status page's URL carries the request id: never pass it on to another site
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .send(await readFile(path.join(WEB_DIR, file))),
    );
  page('/', 'index.html');
  page('/status', 'status.html');
  page('/dashboard', 'dashboard.html');

  const assets = new Set(WEB_ASSETS);
  app.get('/web/:file', { schema: { hide: true } }, async (req, reply) => {
    const { file } = req.params as { file: string };
    if (!assets.has(file)) return reply.code(404).send({ error: 'not_found', message: 'no such file' });
    return reply
      .type(contentType(file))
      .header('cache-control', 'no-cache')
      .send(await readFile(path.join(WEB_DIR, file)));
  });
}
