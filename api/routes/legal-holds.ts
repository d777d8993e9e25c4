// Under /v1/admin/legal-holds: place, release and list legal holds (deletion and retention
// sweeps skip a held subject's data; a deletion waits on_hold). Placing resolves the subject's
// identities and stores them with the hold; releasing wakes the requests it kept waiting.
// Admin keys only (auditors read).
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { sha256Hex } from '../../lib/hash';
import { auditHashSecret, keyedHash } from '../../lib/keyed-hash';
import { appendAudit } from '../../records/audit-events';
import { listActiveLegalHolds, placeLegalHold, releaseLegalHold } from '../../records/legal-holds';
import { SubjectEmail } from '../../schemas/request';
import { ADMIN_SECURITY, adminOf, adminRoutes } from '../auth';
import { errorResponses, notFound } from '../errors';
import { resolveHeldSubject, signalHoldReleased } from '../hold-workflows';
import { subjectFor } from '../subject-view';
import { HOLD_CATEGORIES } from '../../schemas/legal-hold';

const Reason = z.string().trim().min(3, 'give a reason').max(2000);

export const legalHoldRoutes = adminRoutes(async (r, { deps }) => {
  const db = deps.engineDb;

  r.post(
    '',
    {
      schema: {
        summary: 'Place a legal hold on a subject: deletion and retention sweeps skip their data',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        body: z
          .object({
            email: SubjectEmail,
            /** Internal notes: never shown to the subject. */
            reason: Reason,
            /** What the subject is told: why (in plain words) and on what legal basis. */
            category: z.enum(HOLD_CATEGORIES).default('legal_claims'),
          })
          .strict(),
        response: {
          201: z.object({ id: z.uuid(), identitiesResolved: z.boolean() }),
          ...errorResponses(400, 401, 403, 415),
        },
      },
    },
    async (req, reply) => {
      const id = randomUUID();
      const admin = adminOf(req);
      await placeLegalHold(db, {
        id,
        subjectEmail: req.body.email,
        subjectHash: sha256Hex(req.body.email),
        reason: req.body.reason,
        category: req.body.category,
        placedBy: admin.name,
      });
      await appendAudit(db, {
        eventKey: `hold:${id}:placed`,
        actor: `admin:${admin.name}`,
        action: AUDIT_ACTIONS.legalHoldPlaced,
        details: { holdId: id, category: req.body.category, reasonHash: keyedHash(auditHashSecret(deps.config), req.body.reason) },
      });
      const identitiesResolved = await resolveHeldSubject(deps, id, req.log);
      return reply.code(201).send({ id, identitiesResolved });
    },
  );

  r.post(
    '/:id/release',
    {
      schema: {
        summary: 'Release a legal hold',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: z.uuid() }),
        body: z.object({ reason: Reason }).strict(),
        response: {
          200: z.object({ id: z.uuid(), released: z.literal(true), requestsResumed: z.number().int() }),
          ...errorResponses(400, 401, 403, 404, 415),
        },
      },
    },
    async (req) => {
      const admin = adminOf(req);
      if (!(await releaseLegalHold(db, req.params.id, admin.name, req.body.reason))) throw notFound('active legal hold');
      await appendAudit(db, {
        eventKey: `hold:${req.params.id}:released`,
        actor: `admin:${admin.name}`,
        action: AUDIT_ACTIONS.legalHoldReleased,
        details: { holdId: req.params.id },
      });
      const requestsResumed = await signalHoldReleased(deps, req.params.id, req.log);
      return { id: req.params.id, released: true as const, requestsResumed };
    },
  );

  r.get(
    '',
    {
      schema: {
        summary: 'Active legal holds: whom each holds (masked for auditors), its category, who placed it and when',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        response: {
          200: z.object({
            holds: z.array(
              z.object({
                id: z.uuid(),
                subject: z.string(),
                category: z.enum(HOLD_CATEGORIES),
                placedBy: z.string(),
                placedAt: z.string(),
              }),
            ),
          }),
          ...errorResponses(401),
        },
      },
    },
    async (req) => {
      const holds = await listActiveLegalHolds(db);
      const shown = subjectFor(req);
      return {
        holds: holds.map((h) => ({
          id: h.id,
          subject: shown(h.subjectEmail) ?? '***',
          category: h.category,
          placedBy: h.placedBy,
          placedAt: h.placedAt.toISOString(),
        })),
      };
    },
  );
});
