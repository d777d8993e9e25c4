// Under /v1/admin/requests: a request's audit dossier, as JSON (GET /:id/audit) and as a printable
// HTML page (GET /:id/audit.html). Read-only.
import { z } from 'zod';
import { findRequest } from '../../records/requests';
import { JURISDICTIONS } from '../../schemas/deadline';
import { Channel, RequestId, RequestStatus, RequestType } from '../../schemas/request';
import { ADMIN_SECURITY, adminRoutes } from '../auth';
import { buildDossier, type Dossier } from '../dossier';
import { renderDossierHtml } from '../dossier-html';
import { errorResponses, notFound } from '../errors';

const DossierView = z.object({
  request: z.object({
    id: z.uuid(),
    type: RequestType,
    jurisdiction: z.enum(JURISDICTIONS),
    channel: Channel,
    status: RequestStatus,
    receivedAt: z.string(),
    dueAt: z.string(),
    extendedDueAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    dataMapVersion: z.string().nullable(),
  }),
  events: z.array(
    z.object({
      seq: z.number(),
      eventKey: z.string(),
      at: z.string(),
      actor: z.string(),
      action: z.string(),
      store: z.string().nullable(),
      collection: z.string().nullable(),
      details: z.record(z.string(), z.unknown()),
      prevHash: z.string(),
      hash: z.string(),
    }),
  ),
  emails: z.array(z.object({ kind: z.string(), sentAt: z.string(), messageId: z.string() })),
  chain: z.object({
    algorithm: z.literal('sha256'),
    recipe: z.string(),
    ok: z.boolean(),
    events: z.array(z.object({ seq: z.number(), recomputes: z.boolean(), linked: z.boolean() })),
  }),
  generatedAt: z.string(),
}) satisfies z.ZodType<Dossier>;

export const dossierRoutes = adminRoutes(async (r, { deps }) => {
  const params = z.object({ id: RequestId });

  async function load(id: string): Promise<Dossier> {
    const request = await findRequest(deps.engineDb, id);
    if (!request) throw notFound('request');
    return buildDossier(deps.engineDb, request);
  }

  r.get(
    '/:id/audit',
    {
      schema: {
        summary: "A request's audit dossier: its events with hashes (each recomputed), emails sent (kind and time only)",
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params,
        response: { 200: DossierView, ...errorResponses(400, 401, 404) },
      },
    },
    async (req, reply) => {
      const dossier = await load(req.params.id);
      return reply.header('cache-control', 'no-store').send(dossier);
    },
  );

  r.get(
    '/:id/audit.html',
    {
      schema: {
        summary: "A request's audit dossier as a printable HTML page",
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params,
        response: {
          200: { description: 'The dossier as an HTML page', content: { 'text/html': { schema: z.string() } } },
          ...errorResponses(400, 401, 404),
        },
      },
    },
    async (req, reply) => {
      const dossier = await load(req.params.id);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderDossierHtml(dossier));
    },
  );
});
