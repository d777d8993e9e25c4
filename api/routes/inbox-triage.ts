// Under /v1/admin/inbox: mail to privacy@ that needs a person — list it by status, turn a
// triaged mail into a request, or reject it. Admin keys only (auditors read).
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { z } from 'zod';
import { appendAudit } from '../../records/audit-events';
import {
  findInboxMessage,
  listInboxMessages,
  markInboxMessageRequest,
  markOptOutApplied,
  rejectInboxMessage,
} from '../../records/inbox-messages';
import { InboxStatus } from '../../schemas/inbox';
import { ADMIN_SECURITY, adminOf, adminRoutes } from '../auth';
import { conflict, errorResponses, notFound } from '../errors';
import { createRequest } from '../intake';
import { startWorkflowAtIntake } from '../workflows';

const InboxListing = z.object({
  id: z.uuid(),
  receivedAt: z.string(),
  source: z.enum(['webhook', 'imap']),
  status: InboxStatus,
  suggested: z.string().nullable(),
  matched: z.array(z.string()),
  reason: z.string().nullable(),
  subject: z.string().nullable(),
  requestId: z.uuid().nullable(),
});

export const inboxTriageRoutes = adminRoutes(async (r, { deps }) => {
  const db = deps.engineDb;

  r.get(
    '',
    {
      schema: {
        summary: 'Mail to privacy@ by status: triage (to classify), quarantine (unparseable), …',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        querystring: z.object({ status: InboxStatus.default('triage') }).strict(),
        response: { 200: z.object({ messages: z.array(InboxListing) }), ...errorResponses(400, 401) },
      },
    },
    async (req) => {
      const messages = await listInboxMessages(db, req.query.status);
      return { messages: messages.map((m) => ({ ...m, receivedAt: m.receivedAt.toISOString() })) };
    },
  );

  r.post(
    '/:id/classify',
    {
      schema: {
        summary: 'Turn a triaged mail into a request of the given type',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: z.uuid() }),
        body: z.object({ type: z.enum(['access', 'export', 'deletion']) }).strict(),
        response: {
          200: z.object({ id: z.uuid(), status: z.literal('request'), requestId: z.uuid() }),
          ...errorResponses(400, 401, 403, 404, 409, 415, 422, 429),
        },
      },
    },
    async (req) => {
      const admin = adminOf(req);
      const m = await findInboxMessage(db, req.params.id);
      if (!m) throw notFound('inbox message');
      if (m.status !== 'triage') throw conflict(`the message is ${m.status}, not in triage`);
      if (!m.sender) throw conflict('the message has no usable sender address');
      const { request } = await createRequest(deps, { type: req.body.type, email: m.sender }, 'inbox', `mail:${m.messageId}`);
      await markInboxMessageRequest(db, m.id, request.id, admin.name);
      await startWorkflowAtIntake(deps, request, req.log);
      await appendAudit(db, {
        eventKey: `inbox:${m.id}:classified`,
        requestId: request.id,
        actor: `admin:${admin.name}`,
        action: AUDIT_ACTIONS.inboxClassified,
        details: { inboxId: m.id, type: req.body.type },
      });
      return { id: m.id, status: 'request' as const, requestId: request.id };
    },
  );

  r.post(
    '/:id/reject',
    {
      schema: {
        summary: 'Mark a triaged or quarantined mail as not a privacy request',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: z.uuid() }),
        body: z.object({ reason: z.string().trim().min(3).max(2000) }).strict(),
        response: { 200: z.object({ id: z.uuid(), status: z.literal('rejected') }), ...errorResponses(400, 401, 403, 404, 415) },
      },
    },
    async (req) => {
      const admin = adminOf(req);
      if (!(await rejectInboxMessage(db, req.params.id, req.body.reason, admin.name)))
        throw notFound('inbox message in triage or quarantine');
      await appendAudit(db, {
        eventKey: `inbox:${req.params.id}:rejected`,
        actor: `admin:${admin.name}`,
        action: AUDIT_ACTIONS.inboxRejected,
        details: { inboxId: req.params.id },
      });
      return { id: req.params.id, status: 'rejected' as const };
    },
  );

  r.post(
    '/:id/opt-out-applied',
    {
      schema: {
        summary: 'Record that an opt-out of sale or sharing was applied in the product (the §7102 report counts it complied from then)',
        tags: ['admin'],
        security: ADMIN_SECURITY,
        params: z.object({ id: z.uuid() }),
        response: { 200: z.object({ id: z.uuid(), applied: z.literal(true) }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => {
      const admin = adminOf(req);
      if (!(await markOptOutApplied(db, req.params.id, admin.name))) throw notFound('opt-out not yet marked applied');
      await appendAudit(db, {
        eventKey: `inbox:${req.params.id}:opt-out-applied`,
        actor: `admin:${admin.name}`,
        action: AUDIT_ACTIONS.optOutApplied,
        details: { inboxId: req.params.id },
      });
      return { id: req.params.id, applied: true as const };
    },
  );
});
