// POST /v1/inbox/messages (mail providers' inbound webhooks) and the privacy team's triage list.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../activities/audit';
import { sha256Hex } from '../../lib/hash';
import { requireRole } from '../auth';
import type { ApiDeps } from '../deps';
import { ApiError, conflict, notFound, unauthorized } from '../errors';
import { receiveMail } from '../inbox';
import { ensureWorkflowStarted } from '../workflows';
import { createRequest } from '../intake';

/** Raw mail may carry attachments; larger messages are refused with 413. */
export const MAIL_LIMIT_BYTES = 10 * 1024 * 1024;

export function inboxRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const db = deps.engineDb;

  app.register(async (scope) => {
    // raw RFC 822, whatever the provider calls it
    for (const type of ['message/rfc822', 'text/plain', 'application/octet-stream']) {
      scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: MAIL_LIMIT_BYTES }, (_req, body, done) => done(null, body));
    }
    scope.post(
      '/v1/inbox/messages',
      {
        bodyLimit: MAIL_LIMIT_BYTES,
        schema: { summary: 'Receive a raw RFC 822 mail sent to privacy@ (shared-secret webhook)', tags: ['inbox'], hide: false },
      },
      async (req, reply) => {
        const secret = deps.config.INBOX_WEBHOOK_SECRET;
        if (!secret) throw new ApiError(503, 'unavailable', 'the inbox webhook is not enabled (INBOX_WEBHOOK_SECRET)');
        const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
        if (!timingSafeEqual(Buffer.from(sha256Hex(given)), Buffer.from(sha256Hex(secret))))
          throw unauthorized('wrong or missing webhook secret');
        if (!Buffer.isBuffer(req.body) || !req.body.length) {
          throw new ApiError(400, 'invalid_request', 'send the raw message as message/rfc822', [{ path: '(body)', message: 'empty' }]);
        }
        const outcome = await receiveMail(deps, req.body, 'webhook');
        return reply.code(outcome.duplicate ? 200 : 202).send(outcome);
      },
    );
  });

  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = requireRole(db, 'admin');
  const anyRole = requireRole(db, 'admin', 'auditor');
  const security = [{ adminKey: [] }];

  r.get(
    '/v1/admin/inbox',
    {
      preHandler: anyRole,
      schema: {
        summary: 'Mail to privacy@ by status: triage (to classify), quarantine (unparseable), …',
        tags: ['admin'],
        security,
        querystring: z.object({ status: z.enum(['request', 'opt_out', 'triage', 'quarantine', 'rejected']).default('triage') }).strict(),
      },
    },
    async (req) => {
      const { rows } = await db.query(
        'SELECT id, received_at, source, status, suggested, matched, reason, subject, request_id FROM inbox_messages WHERE status = $1 ORDER BY received_at LIMIT 500',
        [req.query.status],
      );
      return {
        messages: rows.map((m) => ({
          id: m.id,
          receivedAt: m.received_at.toISOString(),
          source: m.source,
          status: m.status,
          suggested: m.suggested,
          matched: m.matched,
          reason: m.reason,
          subject: m.subject,
          requestId: m.request_id,
        })),
      };
    },
  );

  r.post(
    '/v1/admin/inbox/:id/classify',
    {
      preHandler: admin,
      schema: {
        summary: 'Turn a triaged mail into a request of the given type',
        tags: ['admin'],
        security,
        params: z.object({ id: z.uuid() }),
        body: z.object({ type: z.enum(['access', 'export', 'deletion']) }).strict(),
      },
    },
    async (req) => {
      const {
        rows: [m],
      } = await db.query('SELECT id, status, sender, message_id FROM inbox_messages WHERE id = $1', [req.params.id]);
      if (!m) throw notFound('inbox message');
      if (m.status !== 'triage') throw conflict(`the message is ${m.status}, not in triage`);
      const { row } = await createRequest(deps, { type: req.body.type, email: m.sender }, 'inbox', `mail:${m.message_id}`);
      await db.query("UPDATE inbox_messages SET status = 'request', request_id = $2, decided_by = $3, decided_at = now() WHERE id = $1", [
        m.id,
        row.id,
        req.adminKey!.name,
      ]);
      await ensureWorkflowStarted(deps, row);
      await appendAudit(db, {
        eventKey: `inbox:${m.id}:classified`,
        requestId: row.id,
        actor: `admin:${req.adminKey!.name}`,
        action: 'inbox.classified',
        details: { inboxId: m.id, type: req.body.type },
      });
      return { id: m.id, status: 'request', requestId: row.id };
    },
  );

  r.post(
    '/v1/admin/inbox/:id/reject',
    {
      preHandler: admin,
      schema: {
        summary: 'Mark a triaged or quarantined mail as not a privacy request',
        tags: ['admin'],
        security,
        params: z.object({ id: z.uuid() }),
        body: z.object({ reason: z.string().trim().min(3).max(2000) }).strict(),
      },
    },
    async (req) => {
      const { rowCount } = await db.query(
        "UPDATE inbox_messages SET status = 'rejected', reason = $2, decided_by = $3, decided_at = now() WHERE id = $1 AND status IN ('triage', 'quarantine')",
        [req.params.id, req.body.reason, req.adminKey!.name],
      );
      if (!rowCount) throw notFound('inbox message in triage or quarantine');
      await appendAudit(db, {
        eventKey: `inbox:${req.params.id}:rejected`,
        actor: `admin:${req.adminKey!.name}`,
        action: 'inbox.rejected',
        details: { inboxId: req.params.id },
      });
      return { id: req.params.id, status: 'rejected' };
    },
  );
}
