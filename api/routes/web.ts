// The pages: GET / (ask for any right: access, export, correction, deletion, opt-out, restriction, objection), GET /status (a request's status), GET
// /verify (confirm one with the mailed code), GET /dashboard (the privacy team's), and their
// scripts and styles under /web/. Only the files named below are served: no directory listing,
// no path taken from the URL.
import type { FastifyPluginAsync } from 'fastify';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const WEB_DIR = path.join(__dirname, '..', '..', 'web');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** Files servable as /web/<name>. */
export const WEB_ASSETS: readonly string[] = [
  'self-service.js',
  'self-service-rights.js',
  'status.js',
  'verify.js',
  'dashboard-core.js',
  'dashboard-requests.js',
  'dashboard-work.js',
  'dashboard-charts.js',
  'dashboard-team.js',
  'dashboard-rights.js',
  'dashboard-datamap.js',
  'dashboard.js',
  'style.css',
];

const contentType = (file: string) => CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';

/** The self-service pages' language: the switch and one message table per language. */
export const SELF_SERVICE_LANGUAGE_ASSETS: readonly string[] = ['i18n.js', 'lang-en.js', 'lang-de.js', 'lang-fr.js', 'lang-es.js'];

export const webRoutes: FastifyPluginAsync = async (app) => {
  const page = (url: string, file: string) =>
    app.get(url, { schema: { hide: true } }, async (_req, reply) =>
      reply
        .type(contentType(file))
        // the status and verification pages' URLs carry the request id (and the code): never pass them on
        .header('referrer-policy', 'no-referrer')
        .header('cache-control', 'no-cache')
        .send(await readFile(path.join(WEB_DIR, file))),
    );
  page('/', 'index.html');
  page('/status', 'status.html');
  page('/verify', 'verify.html');
  page('/dashboard', 'dashboard.html');

  const assets = new Set([...WEB_ASSETS, ...SELF_SERVICE_LANGUAGE_ASSETS]);
  app.get('/web/:file', { schema: { hide: true } }, async (req, reply) => {
    const { file } = req.params as { file: string };
    if (!assets.has(file)) return reply.code(404).send({ error: 'not_found', message: 'no such file' });
    return reply
      .type(contentType(file))
      .header('cache-control', 'no-cache')
      .send(await readFile(path.join(WEB_DIR, file)));
  });
};
