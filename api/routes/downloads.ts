// Under /v1/exports: GET /:token streams an archive to the holder of a valid, unexpired signed link.
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import type { Readable } from 'node:stream';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkToken, DOWNLOAD_TOKEN_PURPOSE } from '../../lib/signed-token';
import { appendAudit } from '../../records/audit-events';
import { countExportDownload, findExport } from '../../records/exports';
import { archiveStorage } from '../../storage/archive-storage';
import type { RoutesOptions } from '../deps';
import { errorResponses, gone, notFound, unauthorized, unavailable } from '../errors';

export const downloadRoutes: FastifyPluginAsyncZod<RoutesOptions> = async (r, { deps }) => {
  r.get(
    '/:token',
    {
      schema: {
        summary: 'Download an export archive (signed link from the email)',
        tags: ['exports'],
        params: z.object({ token: z.string().min(1).max(512) }),
        response: {
          200: {
            description:
              'The ZIP archive: each database table as JSON and/or CSV (EXPORT_FORMATS), other stores in their own formats, manifest.json (and report.html for access requests)',
            content: { 'application/zip': { schema: z.custom<Readable>().meta({ type: 'string', format: 'binary' }) } },
          },
          ...errorResponses(400, 401, 404, 410, 503),
        },
      },
    },
    async (req, reply) => {
      const check = checkToken<{ e: string; exp: number }>(deps.config.SIGNING_SECRET, DOWNLOAD_TOKEN_PURPOSE, req.params.token);
      if (!check.ok && check.reason === 'expired') throw gone('this download link has expired; submit a new request');
      if (!check.ok) throw unauthorized('this download link is not valid');
      const archive = await findExport(deps.engineDb, check.payload.e);
      if (!archive) throw notFound('export');
      if (archive.deletedAt || archive.expiresAt.getTime() <= Date.now()) throw gone('this export has expired and was removed');
      // streamed from where it is kept (a folder, a bucket), with the same check and audit either way
      const body = await archiveStorage(deps.config, archive.storage)
        .openArchive(archive.path)
        .catch((err: unknown) => {
          req.log.warn({ storage: archive.storage, reason: (err as Error).name }, 'archive storage unavailable');
          throw unavailable('the archive storage is unavailable; try again shortly');
        });
      if (!body) throw gone('this export is no longer stored');
      try {
        await countExportDownload(deps.engineDb, archive.id);
        await appendAudit(deps.engineDb, {
          eventKey: `${archive.requestId}:export.downloaded:${Date.now()}:${req.id}`,
          requestId: archive.requestId,
          actor: 'subject',
          action: AUDIT_ACTIONS.exportDownloaded,
          details: { exportId: archive.id, bytes: archive.bytes },
        });
      } catch (err) {
        body.destroy();
        throw err;
      }
      return reply
        .header('content-type', 'application/zip')
        .header('content-length', archive.bytes)
        .header('content-disposition', `attachment; filename="dsar-export-${archive.requestId}.zip"`)
        .header('cache-control', 'no-store')
        .send(body);
    },
  );
};
