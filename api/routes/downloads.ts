// GET /v1/exports/:token — streams an archive to the holder of a valid, unexpired signed link.
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DOWNLOAD_TOKEN_PURPOSE } from '../../activities';
import { appendAudit } from '../../activities/audit';
import { checkToken } from '../../lib/signed-token';
import type { ApiDeps } from '../deps';
import { gone, notFound, unauthorized } from '../errors';

export function downloadRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/v1/exports/:token',
    {
      schema: {
        summary: 'Download an export archive (signed link from the email)',
        tags: ['exports'],
        params: z.object({ token: z.string().min(1).max(512) }),
      },
    },
    async (req, reply) => {
      const check = checkToken<{ e: string; exp: number }>(deps.config.SIGNING_SECRET, DOWNLOAD_TOKEN_PURPOSE, req.params.token);
      if (!check.ok && check.reason === 'expired') throw gone('this download link has expired; submit a new request');
      if (!check.ok) throw unauthorized('this download link is not valid');
      const { rows } = await deps.engineDb.query<{
        id: string;
        request_id: string;
        path: string;
        bytes: string;
        expires_at: Date;
        deleted_at: Date | null;
      }>('SELECT id, request_id, path, bytes, expires_at, deleted_at FROM exports WHERE id = $1', [check.payload.e]);
      const exp = rows[0];
      if (!exp) throw notFound('export');
      if (exp.deleted_at || exp.expires_at.getTime() <= Date.now()) throw gone('this export has expired and was removed');
      await access(exp.path).catch(() => {
        throw gone('this export is no longer stored');
      });
      await deps.engineDb.query(
        'UPDATE exports SET download_count = download_count + 1, downloaded_at = coalesce(downloaded_at, now()) WHERE id = $1',
        [exp.id],
      );
      await appendAudit(deps.engineDb, {
        eventKey: `${exp.request_id}:export.downloaded:${Date.now()}:${req.id}`,
        requestId: exp.request_id,
        actor: 'subject',
        action: 'export.downloaded',
        details: { exportId: exp.id, bytes: Number(exp.bytes) },
      });
      return reply
        .header('content-type', 'application/zip')
        .header('content-length', exp.bytes)
        .header('content-disposition', `attachment; filename="dsar-export-${exp.request_id}.zip"`)
        .header('cache-control', 'no-store')
        .send(createReadStream(exp.path));
    },
  );
}
