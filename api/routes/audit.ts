// Under /v1/admin/audit: GET /verify recomputes the audit hash chain (read-only) and checks it
// reaches its last signed anchor; POST /anchor signs the chain's current head into audit_anchors.
import { z } from 'zod';
import { auditAnchorSecret } from '../../lib/audit-anchor';
import { writeAuditAnchor } from '../../records/audit-anchors';
import { verifyAuditChain } from '../../records/audit-events';
import { ADMIN_SECURITY, adminRoutes } from '../auth';
import { conflict, errorResponses } from '../errors';

const Anchor = z.object({ seq: z.number(), hash: z.string(), at: z.string() });

const ChainVerdict = z.object({
  ok: z.boolean(),
  events: z.number(),
  head: z.string(),
  firstBroken: z.object({ seq: z.number(), reason: z.string() }).nullable(),
  /** The last anchor the chain was checked against (null when there is none yet, or for a range ending before the head). */
  anchor: Anchor.nullable(),
});

export const auditRoutes = adminRoutes(async (r, { deps }) => {
  r.get(
    '/verify',
    {
      schema: {
        summary:
          'Recompute the audit hash chain (whole, or a seq range), check it reaches its last signed anchor, and name the first broken link',
        tags: ['reports'],
        security: ADMIN_SECURITY,
        querystring: z
          .object({ fromSeq: z.coerce.number().int().min(1).optional(), toSeq: z.coerce.number().int().min(1).optional() })
          .strict(),
        response: { 200: ChainVerdict, ...errorResponses(400, 401) },
      },
    },
    async (req) => {
      const report = await verifyAuditChain(deps.engineDb, 5000, {
        fromSeq: req.query.fromSeq,
        toSeq: req.query.toSeq,
        anchorSecret: auditAnchorSecret(deps.config),
      });
      return {
        ok: report.ok,
        events: report.events,
        head: report.lastHash,
        firstBroken: report.firstBroken ?? null,
        anchor: report.anchor ?? null,
      };
    },
  );

  r.post(
    '/anchor',
    {
      schema: {
        summary: "Sign the audit chain's current head (seq, hash, time) into audit_anchors (also done daily by the retention sweep)",
        tags: ['reports'],
        security: ADMIN_SECURITY,
        response: { 201: Anchor.extend({ signature: z.string() }), ...errorResponses(401, 403, 409) },
      },
    },
    async (_req, reply) => {
      const anchor = await writeAuditAnchor(deps.engineDb, auditAnchorSecret(deps.config));
      if (!anchor) throw conflict('the audit trail holds no event yet: nothing to anchor');
      reply.code(201);
      return { seq: anchor.seq, hash: anchor.hash, at: anchor.at, signature: anchor.signature };
    },
  );
});
