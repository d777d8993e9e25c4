// The worker's activities: every side effect of a request, each idempotent on retry.
import { randomBytes } from 'node:crypto';
import { listCollections } from '../schemas/datamap';
import type { RequestStatus } from '../schemas/request';
import type { CollectionExportResult, CollectionRef } from '../schemas/workflow';
import { sha256Hex } from '../lib/hash';
import { signToken } from '../lib/signed-token';
import { appendAudit } from './audit';
import type { ActivityDeps } from './deps';
import { sendOnce } from './email';
import { exportCollection, packageExport } from './export';
import { withHeartbeat } from './heartbeat';
import { loadRequest, updateProjection } from './requests';
import { resolveSubject } from './stores/resolve';
import { saveSelectors } from './subject';
import { exportReadyMail, unverifiedClosedMail, verificationMail } from './templates';

export const DOWNLOAD_TOKEN_PURPOSE = 'export-download';

export interface StepInput {
  requestId: string;
  status: RequestStatus;
  /** Audit action for this step, e.g. request.verified. */
  action: string;
  actor?: string;
  details?: Record<string, unknown>;
  verified?: boolean;
  completed?: boolean;
  progress?: unknown;
}

export function createActivities(deps: ActivityDeps) {
  const db = deps.engineDb;
  const from = deps.config.MAIL_FROM;

  return {
    /** Moves the request's projection to a status and writes the step's audit event. */
    async recordStep(step: StepInput): Promise<void> {
      await updateProjection(db, step.requestId, step);
      await appendAudit(db, {
        eventKey: `${step.requestId}:${step.action}`,
        requestId: step.requestId,
        actor: step.actor ?? 'workflow',
        action: step.action,
        details: { status: step.status, ...step.details },
      });
    },

    /** Issues a one-time verification code and mails it to the subject's address. */
    async sendVerification(requestId: string): Promise<{ sent: boolean }> {
      const request = await loadRequest(db, requestId);
      const already = await db.query('SELECT 1 FROM emails_sent WHERE key = $1', [`${requestId}:verification`]);
      if (already.rowCount) return { sent: false };
      const token = randomBytes(24).toString('base64url');
      const expiresAt = new Date(Date.now() + deps.config.VERIFICATION_TTL_HOURS * 3_600_000);
      await db.query('INSERT INTO verification_tokens (token_hash, request_id, expires_at) VALUES ($1, $2, $3)', [sha256Hex(token), requestId, expiresAt]);
      const link = `${deps.config.PUBLIC_BASE_URL}/verify?request=${requestId}&token=${encodeURIComponent(token)}`;
      const mail = verificationMail({ requestId, type: request.type, dueAt: request.dueAt, link, token, expiresAt });
      const r = await sendOnce(db, deps.mailer, from, { key: `${requestId}:verification`, requestId, kind: 'verification', to: request.subjectEmail, ...mail });
      await appendAudit(db, {
        eventKey: `${requestId}:verification.sent`,
        requestId,
        actor: 'worker',
        action: 'verification.sent',
        details: { channel: 'email', expiresAt: expiresAt.toISOString() },
      });
      return r;
    },

    async sendUnverifiedNotice(requestId: string): Promise<void> {
      const request = await loadRequest(db, requestId);
      await sendOnce(db, deps.mailer, from, { key: `${requestId}:unverified-closed`, requestId, kind: 'unverified_closed', to: request.subjectEmail, ...unverifiedClosedMail({ requestId }) });
    },

    /** Finds the subject in every store; returns the collections to process (no personal data). */
    async resolveSubject(requestId: string): Promise<CollectionRef[]> {
      const request = await loadRequest(db, requestId);
      const selectors = await resolveSubject(deps.dataMap, { email: [request.subjectEmail] });
      await saveSelectors(db, requestId, selectors);
      const found = new Set(selectors.map((s) => `${s.store}.${s.collection}`));
      await appendAudit(db, {
        eventKey: `${requestId}:subject.resolved`,
        requestId,
        actor: 'worker',
        action: 'subject.resolved',
        details: {
          collectionsMatched: found.size,
          identityValues: Object.fromEntries(selectors.map((s) => [`${s.store}.${s.collection}`, s.predicates.reduce((n, p) => n + p.values.length, 0)])),
        },
      });
      return listCollections(deps.dataMap).map((c) => ({ store: c.store, collection: c.collection }));
    },

    exportCollection: (requestId: string, store: string, collection: string) =>
      withHeartbeat(() => exportCollection(deps, requestId, store, collection)),

    packageExport: (requestId: string, results: CollectionExportResult[]) => withHeartbeat(() => packageExport(deps, requestId, results)),

    /** Mails a signed, expiring download link for the request's archive. */
    async sendExportLink(requestId: string): Promise<void> {
      const request = await loadRequest(db, requestId);
      const { rows } = await db.query('SELECT id, expires_at, manifest FROM exports WHERE request_id = $1', [requestId]);
      if (!rows[0]) throw new Error(`no export for request ${requestId}`);
      const expiresAt: Date = rows[0].expires_at;
      const token = signToken(deps.config.SIGNING_SECRET, DOWNLOAD_TOKEN_PURPOSE, { e: rows[0].id, exp: Math.floor(expiresAt.getTime() / 1000) });
      const link = `${deps.config.PUBLIC_BASE_URL}/v1/exports/${token}`;
      const totals = rows[0].manifest.totals as { rows: number; collections: number };
      const mail = exportReadyMail({ requestId, type: request.type, link, expiresAt, ...totals });
      await sendOnce(db, deps.mailer, from, { key: `${requestId}:export-ready`, requestId, kind: 'export_ready', to: request.subjectEmail, ...mail });
      await appendAudit(db, {
        eventKey: `${requestId}:export.link_sent`,
        requestId,
        actor: 'worker',
        action: 'export.link_sent',
        details: { exportId: rows[0].id, expiresAt: expiresAt.toISOString() },
      });
    },
  };
}

export type DsarActivities = ReturnType<typeof createActivities>;
