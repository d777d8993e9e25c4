// The worker's activities: every side effect of a request, each idempotent on retry.
import { AUDIT_ACTIONS, type AuditAction } from '../schemas/audit-actions';
import type { Target } from '../schemas/datamap-graph';
import { isTerminal, type RequestStatus } from '../schemas/status';
import type { RequestType } from '../schemas/request';
import { isProcessingType, type ProcessingChange, type ProcessingOutcome } from '../schemas/processing';
import { applyProcessing, processingWork, recordRestrictionLifted, sendProcessingNotice, sendRestrictionLiftNotice } from './processing';
import type {
  CollectionExportResult,
  CorrectionOutcome,
  Denial,
  ErasureOutcome,
  Attention,
  Extension,
  ManualTaskCompletion,
  RequestWork,
  SweepResult,
} from '../schemas/workflow';
import { DOWNLOAD_TOKEN_PURPOSE, signToken, statusToken } from '../lib/signed-token';
import { formatVerificationCode, verificationCode, verificationCodeHash } from '../lib/verification-code';
import { appendAudit } from '../records/audit-events';
import { findExportOfRequest, tableFormatsOfExport } from '../records/exports';
import { mailWasSent } from '../records/mail-outbox';
import { findRequestAgent } from '../records/request-agents';
import { loadRequest, requestDataMapVersion, updateProjection } from '../records/requests';
import { closeAgentRequest, sendAgentReceivedNotice } from './agents';
import { stepUpHashesFor } from './step-up';
import { saveSubjectIdentities } from '../records/subject-identities';
import { latestVerificationIssue, saveVerificationToken } from '../records/verification-tokens';
import type { ActivityDeps } from './deps';
import { sendOnce } from './email';
import { recipientFor } from './identity';
import { notIncludedFor, packageExport, readTarget } from './export';
import { withHeartbeat } from './heartbeat';
import { resolveSubject } from './stores/resolve';
import {
  accountPurgedMail,
  correctionDoneMail,
  deletionDoneMail,
  exportReadyMail,
  unverifiedClosedMail,
  verificationMail,
} from './templates';
import { eraseTarget, purgeTarget } from './erase';
import { openManualTask, recordManualTaskDone, type ManualOperation } from './manual-tasks';
import { planDeletion } from './plan';
import { correctionTargets, correctTarget } from './correct';
import { applyExtension, escalateOverdue, sendDeadlineReminder, sendDenialNotice } from './deadline';
import { recordSweep, sweepCollection, sweepExports, sweepTargets } from './sweep';
import { anchorAuditChain, expireRecords } from './record-keeping';
import { eraseSubjectInboxMail } from './inbox-mail';
import { classifyDataStepFailures } from './failures';
import { combinedSteps } from './combined-steps';
import { alertNeedsAttention, recordNeedsAttention, recordRetry } from './attention';
import { holdOnRequest, keepResolvedUnderHolds, resolveHoldIdentities, sendHoldNotice } from './legal-holds';
import type { HoldCategory } from '../schemas/legal-hold';
import type { Jurisdiction } from '../schemas/deadline';
import { noticeLawOf, placeName, processorsToldOfCorrection, processorsToldOfErasure } from './notice-facts';
import { pinnedToRequestMap } from './map-version';
import { lawsFromDataMap, recordJurisdiction, sendAcknowledgement, type JurisdictionDecision } from './jurisdiction';

export interface StepInput {
  requestId: string;
  status: RequestStatus;
  /** Audit action for this step, e.g. request.verified. */
  action: AuditAction;
  actor?: string;
  details?: Record<string, unknown>;
  verified?: boolean;
  completed?: boolean;
  progress?: unknown;
}

/** A request's receipt records the data map version it started with and runs with (no personal data: a hash of the map). */
async function startedWith(deps: ActivityDeps, step: StepInput): Promise<{ dataMapVersion?: string }> {
  if (step.action !== AUDIT_ACTIONS.requestReceived) return {};
  const version = await requestDataMapVersion(deps.engineDb, step.requestId);
  return version ? { dataMapVersion: version } : {};
}

/** The stores a request type cannot act on, as the subject is told of them. */
const notCovered = (deps: ActivityDeps, type: RequestType) =>
  deps.dataMap.targetsFor(type).notIncluded.map((n) => ({ place: placeName(deps, n.target), reason: n.reason }));

/** The activities, each request's with the data map version it started with (map-version.ts). */
export const createActivities = (deps: ActivityDeps) => pinnedToRequestMap(deps, activitiesWithMap);

function activitiesWithMap(deps: ActivityDeps) {
  const db = deps.engineDb;
  const from = deps.config.MAIL_FROM;

  const single = classifyDataStepFailures({
    /** Moves the request's projection to a status and writes the step's audit event. */
    async recordStep(step: StepInput): Promise<void> {
      await updateProjection(db, step.requestId, step);
      await appendAudit(db, {
        eventKey: `${step.requestId}:${step.action}`,
        requestId: step.requestId,
        actor: step.actor ?? 'workflow',
        action: step.action,
        details: { status: step.status, ...step.details, ...(await startedWith(deps, step)) },
      });
      if (isTerminal(step.status)) await closeAgentRequest(deps, step.requestId, step.status);
    },

    /** Issues a one-time verification code and mails it to the subject's address. */
    async sendVerification(requestId: string): Promise<{ sent: boolean }> {
      const request = await loadRequest(db, requestId);
      await sendAgentReceivedNotice(deps, requestId);
      if (await mailWasSent(db, `${requestId}:verification`)) return { sent: false };
      // A retry (say the mail server failed) re-sends the unexpired code it issued before; a new code only once that expired.
      let code = await latestVerificationIssue(db, requestId);
      if (!code || code.usedAt || code.expiresAt.getTime() <= Date.now()) {
        const issue = (code?.issue ?? 0) + 1;
        const expiresAt = new Date(Date.now() + deps.config.VERIFICATION_TTL_HOURS * 3_600_000);
        const secret = deps.config.SIGNING_SECRET;
        const tokenHash = verificationCodeHash(secret, requestId, verificationCode(secret, requestId, issue));
        const stepUpHashes = await stepUpHashesFor(deps, request);
        await saveVerificationToken(db, { tokenHash, requestId, expiresAt, issue, stepUpHashes });
        // re-read: a concurrent retry may have stored this issue first, with its own expiry
        code = await latestVerificationIssue(db, requestId);
        if (!code) throw new Error(`verification code ${issue} of ${requestId} was not stored`);
      }
      const { expiresAt } = code;
      const token = formatVerificationCode(verificationCode(deps.config.SIGNING_SECRET, requestId, code.issue));
      const t = encodeURIComponent(statusToken(deps.config.SIGNING_SECRET, requestId, request.receivedAt));
      const base = deps.config.PUBLIC_BASE_URL;
      const link = `${base}/verify?request=${requestId}&token=${encodeURIComponent(token)}&t=${t}`;
      const typeLink = `${base}/verify?request=${requestId}&t=${t}`;
      const agent = await findRequestAgent(db, requestId);
      const stepUpAsked = !!deps.dataMap.source.stepUp && deps.config.STEP_UP_FOR.includes(request.type);
      const statusLink = `${base}/status?id=${requestId}&t=${t}`;
      const mail = verificationMail({
        ...{ requestId, type: request.type, dueAt: request.dueAt, link, typeLink, statusLink, token, expiresAt },
        ...(agent ? { agentName: agent.name } : {}),
        ...(stepUpAsked ? { stepUpQuestion: deps.dataMap.source.stepUp?.question } : {}),
      });
      const to = await recipientFor(deps, request.subjectEmail);
      const r = await sendOnce(db, deps.mailer, from, { key: `${requestId}:verification`, requestId, kind: 'verification', to, ...mail });
      await appendAudit(db, {
        eventKey: `${requestId}:verification.sent`,
        requestId,
        actor: 'worker',
        action: AUDIT_ACTIONS.verificationSent,
        details: { channel: 'email', expiresAt: expiresAt.toISOString(), ...(agent ? { onBehalfOfAgent: true } : {}) },
      });
      return r;
    },

    async sendUnverifiedNotice(requestId: string): Promise<void> {
      const request = await loadRequest(db, requestId);
      await sendOnce(db, deps.mailer, from, {
        key: `${requestId}:unverified-closed`,
        requestId,
        kind: 'unverified_closed',
        to: request.subjectEmail,
        ...unverifiedClosedMail({ requestId, ...(await noticeLawOf(deps, requestId)) }),
      });
    },

    /**
     * Finds the subject in every store and stores what it resolved to; returns the request's
     * work as the data map decides it: targets in order, and what it cannot include (no personal data).
     */
    async resolveSubject(requestId: string): Promise<RequestWork> {
      const request = await loadRequest(db, requestId);
      const { selectors, identities, lookups } = await resolveSubject(deps, { email: [request.subjectEmail] });
      await saveSubjectIdentities(db, requestId, selectors, identities);
      await keepResolvedUnderHolds(deps, requestId, selectors, identities);
      const laws = await lawsFromDataMap(deps, selectors);
      const withLaws = (w: RequestWork): RequestWork => (laws.length ? { ...w, jurisdictions: laws } : w);
      const found = new Set(selectors.map((s) => `${s.store}.${s.collection}`));
      await appendAudit(db, {
        eventKey: `${requestId}:subject.resolved`,
        requestId,
        actor: 'worker',
        action: AUDIT_ACTIONS.subjectResolved,
        details: {
          collectionsMatched: found.size,
          identityValues: Object.fromEntries(
            selectors.map((s) => [`${s.store}.${s.collection}`, s.predicates.reduce((n, p) => n + p.values.length, 0)]),
          ),
          ...(Object.keys(lookups).length ? { processorLookups: lookups } : {}),
        },
      });
      if (request.type === 'correction') {
        const targets = await correctionTargets(deps, requestId);
        return withLaws({
          levels: [targets],
          notIncluded: deps.dataMap.targetsFor('correction').notIncluded.map((n) => ({ ...n.target, reason: n.reason })),
        });
      }
      if (request.type === 'deletion') {
        const { levels, notIncluded } = deps.dataMap.targetsFor('deletion');
        return withLaws({ levels, notIncluded: notIncluded.map((n) => ({ ...n.target, reason: n.reason })) });
      }
      if (isProcessingType(request.type)) return withLaws(await processingWork(deps, requestId, request.type));
      return withLaws({ levels: deps.dataMap.targetsFor(request.type).levels, notIncluded: notIncludedFor(deps, request.type) });
    },

    readTarget: (requestId: string, target: Target) => withHeartbeat(() => readTarget(deps, requestId, target)),

    packageExport: (requestId: string, results: CollectionExportResult[]) => withHeartbeat(() => packageExport(deps, requestId, results)),

    eraseTarget: (requestId: string, target: Target) => withHeartbeat(() => eraseTarget(deps, requestId, target)),
    eraseSubjectInboxMail: (requestId: string) => eraseSubjectInboxMail(deps, requestId),
    purgeTarget: (requestId: string, target: Target) => withHeartbeat(() => purgeTarget(deps, requestId, target)),
    openManualTask: (requestId: string, store: string, operation: ManualOperation) => openManualTask(deps, requestId, store, operation),
    recordManualTaskDone: (requestId: string, done: ManualTaskCompletion) => recordManualTaskDone(deps, requestId, done),

    planDeletion: (planId: string) => planDeletion(deps, planId),

    applyProcessing: (requestId: string, target: Target, change: ProcessingChange) =>
      withHeartbeat(() => applyProcessing(deps, requestId, target, change)),
    sendProcessingNotice: (requestId: string, outcomes: ProcessingOutcome[]) => sendProcessingNotice(deps, requestId, outcomes),
    sendRestrictionLiftNotice: (requestId: string, reason: string, by: string) => sendRestrictionLiftNotice(deps, requestId, reason, by),
    recordRestrictionLifted: (requestId: string, by: string, targets: number) => recordRestrictionLifted(deps, requestId, by, targets),

    correctTarget: (requestId: string, target: Target) => withHeartbeat(() => correctTarget(deps, requestId, target)),
    async sendCorrectionNotice(requestId: string, outcomes: CorrectionOutcome[]): Promise<void> {
      const request = await loadRequest(db, requestId);
      const changes = outcomes
        .map((o) => ({
          target: o,
          place: `${o.store} ${o.collection}`.replace(/_/g, ' '),
          fields: [...new Set(o.changes.filter((c) => c.rows > 0).map((c) => c.field))],
          rows: o.changes.reduce((n, c) => n + c.rows, 0),
        }))
        .filter((c) => c.fields.length && deps.dataMap.node(c.target).kind !== 'http');
      const leftAlone = outcomes
        .filter((o) => o.skipped?.length)
        .map((o) => ({
          place: `${o.store} ${o.collection}`.replace(/_/g, ' '),
          fields: [...new Set(o.skipped!.map((s) => s.field))],
          reasons: [...new Set(o.skipped!.map((s) => s.reason))],
        }));
      const processorsTold = processorsToldOfCorrection(deps, outcomes);
      await sendOnce(db, deps.mailer, from, {
        key: `${requestId}:correction-done`,
        requestId,
        kind: 'correction_done',
        to: request.subjectEmail,
        ...correctionDoneMail({ requestId, changes, leftAlone, processorsTold, notIncluded: notCovered(deps, 'correction') }),
      });
    },

    sendDeadlineReminder: (requestId: string, dueAt: string) => sendDeadlineReminder(deps, requestId, dueAt),
    escalateOverdue: (requestId: string, dueAt: string) => escalateOverdue(deps, requestId, dueAt),
    applyExtension: (requestId: string, ext: Extension) => applyExtension(deps, requestId, ext),
    sendAcknowledgement: (requestId: string, dueAt: string) => sendAcknowledgement(deps, requestId, dueAt),
    recordJurisdiction: (requestId: string, decision: JurisdictionDecision) => recordJurisdiction(deps, requestId, decision),
    sendDenialNotice: (requestId: string, denial: Denial) => sendDenialNotice(deps, requestId, denial),

    recordNeedsAttention: (requestId: string, episode: number, attention: Attention) =>
      recordNeedsAttention(deps, requestId, episode, attention),
    alertNeedsAttention: (requestId: string, episode: number, attention: Attention) =>
      alertNeedsAttention(deps, requestId, episode, attention),
    recordRetry: (requestId: string, episode: number, by: string, status: RequestStatus) =>
      recordRetry(deps, requestId, episode, by, status),

    sweepTargets: async () => sweepTargets(deps),
    sweepCollection: (store: string, collection: string) => withHeartbeat(() => sweepCollection(deps, store, collection)),
    sweepExports: () => sweepExports(deps),
    expireRecords: (runId: string) => expireRecords(deps, runId),
    recordSweep: (runId: string, results: SweepResult[]) => recordSweep(deps, runId, results),
    anchorAuditChain: () => anchorAuditChain(deps),

    /** The subject's confirmation: what was deleted, what is kept and why, when the purge runs. */
    async sendDeletionNotice(requestId: string, outcomes: ErasureOutcome[], purgeAt?: string): Promise<void> {
      const request = await loadRequest(db, requestId);
      const place = (o: ErasureOutcome) => `${o.store} ${o.collection}`.replace(/_/g, ' ');
      const mail = deletionDoneMail({
        requestId,
        deleted: outcomes.filter((o) => o.deleted > 0 && o.kind !== 'http').map((o) => ({ place: place(o), rows: o.deleted })),
        retained: outcomes
          .filter((o) => o.action === 'retain' && o.retained > 0)
          .map((o) => ({ place: place(o), rows: o.retained, basis: o.basis ?? '', until: o.retainedUntil })),
        purgeAt: purgeAt ? new Date(purgeAt) : undefined,
        processorsTold: processorsToldOfErasure(deps, outcomes),
        notIncluded: notCovered(deps, 'deletion'),
        ...(await noticeLawOf(deps, requestId)),
      });
      await sendOnce(db, deps.mailer, from, {
        key: `${requestId}:deletion-done`,
        requestId,
        kind: 'deletion_done',
        to: request.subjectEmail,
        ...mail,
      });
    },

    /** The end of a deletion with a purge: the account is gone (the re-query proved it). */
    async sendPurgedNotice(requestId: string, purgedAt: string, retainedKept: boolean): Promise<void> {
      const request = await loadRequest(db, requestId);
      await sendOnce(db, deps.mailer, from, {
        key: `${requestId}:account-purged`,
        requestId,
        kind: 'account_purged',
        to: request.subjectEmail,
        ...accountPurgedMail({ requestId, purgedAt: new Date(purgedAt), retainedKept }),
      });
    },

    holdOnRequest: (requestId: string) => holdOnRequest(deps, requestId),
    sendHoldNotice: (requestId: string, hold: { id: string; category: HoldCategory }, jurisdiction: Jurisdiction, purgeAt?: string) =>
      sendHoldNotice(deps, requestId, hold, jurisdiction, purgeAt),
    resolveHoldIdentities: (holdId: string) => resolveHoldIdentities(deps, holdId),

    /** Mails a signed, expiring download link for the request's archive. */
    async sendExportLink(requestId: string): Promise<void> {
      const request = await loadRequest(db, requestId);
      const archive = await findExportOfRequest(db, requestId);
      if (!archive) throw new Error(`no export for request ${requestId}`);
      const expiresAt = archive.expiresAt;
      const token = signToken(deps.config.SIGNING_SECRET, DOWNLOAD_TOKEN_PURPOSE, {
        e: archive.id,
        exp: Math.floor(expiresAt.getTime() / 1000),
      });
      const link = `${deps.config.PUBLIC_BASE_URL}/v1/exports/${token}`;
      const mail = exportReadyMail({
        requestId,
        type: request.type,
        link,
        expiresAt,
        ...archive.totals,
        notIncluded: notCovered(deps, request.type),
        tableFormats: await tableFormatsOfExport(db, requestId),
      });
      await sendOnce(db, deps.mailer, from, {
        key: `${requestId}:export-ready`,
        requestId,
        kind: 'export_ready',
        to: request.subjectEmail,
        ...mail,
      });
      await appendAudit(db, {
        eventKey: `${requestId}:export.link_sent`,
        requestId,
        actor: 'worker',
        action: AUDIT_ACTIONS.exportLinkSent,
        details: { exportId: archive.id, expiresAt: expiresAt.toISOString() },
      });
    },
  });
  return { ...single, ...combinedSteps(deps, single) };
}

export type DsarActivities = ReturnType<typeof activitiesWithMap>;
