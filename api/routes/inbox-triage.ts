// Under /v1/admin/inbox: mail to privacy@ that needs a person — list it by status, turn a
// triaged mail into a request, or reject it. Admin keys only (auditors read).
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { z } from 'zod';
import { appendAudit } from '../../records/audit-events';
import { findIntent, listIntentsOf } from '../../records/inbox-intents';
import { findInboxMessage, listInboxMessages, markOptOutApplied, rejectInboxMessage } from '../../records/inbox-messages';
import { InboxIntentView, InboxStatus, IntentClassification } from '../../schemas/inbox';
import { ADMIN_SECURITY, adminOf, adminRoutes } from '../auth';
import { conflict, errorResponses, notFound } from '../errors';
import { addIntent, classifyIntent, type IntentDecision } from '../inbox-decisions';

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
  /** What the mail asks for, one record each (a request, an opt-out, triage). */
  intents: z.array(InboxIntentView),
});

const Decided = z.object({
  id: z.uuid(),
  intentId: z.uuid(),
  /** The mail's status once decided. */
  status: InboxStatus,
  requestId: z.uuid().optional(),
});
const decided = (mailId: string, d: IntentDecision) => ({
  id: mailId,
  intentId: d.intentId,
  status: d.mailStatus,
  ...(d.requestId ? { requestId: d.requestId } : {}),
});
const DECISION_ERRORS = errorResponses(400, 401, 403, 404, 409, 415, 422, 429);
/** The common part of the routes that decide an intent: admin only, a type in the body, the decision back. */
const decisionSchema = {
  tags: ['admin'],
  security: ADMIN_SECURITY,
  body: z.object({ type: IntentClassification }).strict(),
  response: { 200: Decided, ...DECISION_ERRORS },
};

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
      const intents = await listIntentsOf(
        db,
        messages.map((m) => m.id),
      );
      return {
        messages: messages.map((m) => ({
          ...m,
          receivedAt: m.receivedAt.toISOString(),
          intents: intents
            .filter((i) => i.inboxId === m.id)
            .map((i) => ({ id: i.id, type: i.kind, status: i.status, requestId: i.requestId })),
        })),
      };
    },
  );

  r.post(
    '/:id/classify',
    {
      schema: {
        summary: 'Classify a triaged mail: its intent in triage becomes a request (dated from the arrival of the mail) or an opt-out',
        ...decisionSchema,
        params: z.object({ id: z.uuid() }),
      },
    },
    async (req) => {
      const m = await findInboxMessage(db, req.params.id);
      if (!m) throw notFound('inbox message');
      if (m.status !== 'triage') throw conflict(`the message is ${m.status}, not in triage`);
      const waiting = (await listIntentsOf(db, [m.id])).find((i) => i.status === 'triage');
      const intent = waiting && (await findIntent(db, waiting.id));
      if (!intent) throw conflict('the message has no intent in triage');
      return decided(m.id, await classifyIntent(deps, intent, req.body.type, adminOf(req).name, req.log));
    },
  );

  r.post(
    '/intents/:intentId/reclassify',
    {
      schema: {
        summary: 'Reclassify one intent of a mail (in triage, or an opt-out record) as a request or an opt-out',
        description: 'An intent that is already a request answers 409: deny that request and add the right intent to the mail.',
        ...decisionSchema,
        params: z.object({ intentId: z.uuid() }),
      },
    },
    async (req) => {
      const intent = await findIntent(db, req.params.intentId);
      if (!intent) throw notFound('inbox intent');
      if (intent.kind === req.body.type && intent.status !== 'triage') throw conflict(`the intent is already ${intent.status}`);
      return decided(intent.inboxId, await classifyIntent(deps, intent, req.body.type, adminOf(req).name, req.log));
    },
  );

  r.post(
    '/:id/intents',
    {
      schema: {
        summary: 'Add what the classifier missed to a mail: another request or an opt-out, dated from the arrival of the mail',
        ...decisionSchema,
        params: z.object({ id: z.uuid() }),
      },
    },
    async (req) => {
      const m = await findInboxMessage(db, req.params.id);
      if (!m) throw notFound('inbox message');
      if (m.status === 'quarantine' || m.status === 'rejected') throw conflict(`the message is ${m.status}`);
      if (!m.sender) throw conflict('the message has no usable sender address');
      return decided(m.id, await addIntent(deps, m.id, req.body.type, adminOf(req).name, req.log));
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
