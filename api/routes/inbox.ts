// Under /v1/inbox: POST /messages, the inbound-mail webhook of mail providers (raw RFC 822,
// authenticated by a shared secret).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sha256Hex } from '../../lib/hash';
import { InboxIntentView, InboxStatus } from '../../schemas/inbox';
import type { RoutesOptions } from '../deps';
import { ApiError, errorResponses, unauthorized } from '../errors';
import { receiveMail } from '../inbox';

/** Raw mail may carry attachments; larger messages are refused with 413. */
export const MAIL_LIMIT_BYTES = 10 * 1024 * 1024;

const InboxOutcome = z.object({
  id: z.uuid(),
  status: InboxStatus,
  duplicate: z.boolean(),
  requestId: z.uuid().optional(),
  /** Each thing the mail asks for, its own record: a request, an opt-out, or triage. */
  intents: z.array(InboxIntentView),
});

export const inboxRoutes: FastifyPluginAsyncZod<RoutesOptions> = async (r, { deps }) => {
  // raw RFC 822, whatever the provider calls it
  for (const type of ['message/rfc822', 'text/plain', 'application/octet-stream']) {
    r.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: MAIL_LIMIT_BYTES }, (_req, body, done) => done(null, body));
  }

  r.post(
    '/messages',
    {
      bodyLimit: MAIL_LIMIT_BYTES,
      schema: {
        summary: 'Receive a raw RFC 822 mail sent to privacy@ (shared-secret webhook)',
        description: 'Taken in once per Message-ID: 202 for a new mail, 200 for one already received.',
        tags: ['inbox'],
        security: [{ inboxSecret: [] }],
        response: { 200: InboxOutcome, 202: InboxOutcome, ...errorResponses(400, 401, 413, 415, 503) },
      },
    },
    async (req, reply) => {
      const arrivedAt = new Date(); // the receipt date of every request this mail becomes
      const secret = deps.config.INBOX_WEBHOOK_SECRET;
      if (!secret) throw new ApiError(503, 'unavailable', 'the inbox webhook is not enabled (INBOX_WEBHOOK_SECRET)');
      const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqual(Buffer.from(sha256Hex(given)), Buffer.from(sha256Hex(secret))))
        throw unauthorized('wrong or missing webhook secret');
      if (!Buffer.isBuffer(req.body) || !req.body.length) {
        throw new ApiError(400, 'invalid_request', 'send the raw message as message/rfc822', [{ path: '(body)', message: 'empty' }]);
      }
      const outcome = await receiveMail(deps, req.body, 'webhook', arrivedAt);
      return reply.code(outcome.duplicate ? 200 : 202).send(outcome);
    },
  );
};
