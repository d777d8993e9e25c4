// Fewer, larger steps for the request workflow: each reads or erases every target of one store,
// or does a request's last work together with the status and audit writes that close it. Each
// is made of the single steps (already idempotent and classified for needs_attention), so a retry
// re-runs only what did not finish, and a store's failure still names the store and collection.
import type { Target } from '../schemas/datamap-graph';
import type { CollectionExportResult, ErasureOutcome } from '../schemas/workflow';
import type { ActivityDeps } from './deps';
import { admitRequest, releaseAdmission } from './admission';
import type { StepInput } from './index';
import { withHeartbeat } from './heartbeat';
import { withStoreSlot } from './store-slots';

interface SingleSteps {
  recordStep(step: StepInput): Promise<void>;
  readTarget(requestId: string, target: Target): Promise<CollectionExportResult>;
  packageExport(
    requestId: string,
    results: CollectionExportResult[],
  ): Promise<{ exportId: string; bytes: number; sha256: string; collections: number; rows: number }>;
  sendExportLink(requestId: string): Promise<void>;
  eraseTarget(requestId: string, target: Target): Promise<ErasureOutcome>;
  eraseSubjectInboxMail(requestId: string): Promise<unknown>;
  sendDeletionNotice(requestId: string, outcomes: ErasureOutcome[], purgeAt?: string): Promise<void>;
  sendPurgedNotice(requestId: string, purgedAt: string, retainedKept: boolean): Promise<void>;
}

/** The larger steps that read, package or erase the product's stores (each made of data steps). */
export const COMBINED_DATA_STEPS = ['readStoreTargets', 'eraseStoreTargets', 'deliverExport'] as const;

/** A closing step: the step's status and audit, written once the work before it is done. */
export type ClosingStep = Omit<StepInput, 'requestId'>;

export function combinedSteps(deps: ActivityDeps, single: SingleSteps) {
  const slot = <T>(t: Target, run: () => Promise<T>) => withStoreSlot(deps.dataMap, t.store, run);
  const record = (requestId: string, step: ClosingStep | undefined) => (step ? single.recordStep({ ...step, requestId }) : undefined);

  return {
    /** Reads the given targets (one store's) side by side, as many at once as the store allows. */
    readStoreTargets: (requestId: string, targets: Target[]) =>
      Promise.all(targets.map((t) => slot(t, () => single.readTarget(requestId, t)))),

    /** Erases the given targets (one store's, one level) side by side, as many at once as the store allows. */
    eraseStoreTargets: (requestId: string, targets: Target[]) =>
      Promise.all(targets.map((t) => slot(t, () => single.eraseTarget(requestId, t)))),

    /**
     * Packages the archive, mails its link and records the request completed (with what was
     * packaged); gives its work slot to the next requests in line, returned to be woken.
     */
    deliverExport: (
      requestId: string,
      results: CollectionExportResult[],
      completed: ClosingStep,
    ): Promise<{ pkg: Awaited<ReturnType<SingleSteps['packageExport']>>; wake: string[] }> =>
      withHeartbeat(async () => {
        const pkg = await single.packageExport(requestId, results);
        await single.sendExportLink(requestId);
        await record(requestId, {
          ...completed,
          details: { collections: pkg.collections, rows: pkg.rows, archiveSha256: pkg.sha256, ...completed.details },
        });
        return { pkg, wake: await releaseAdmission(deps, requestId) };
      }),

    /**
     * After erasure: the subject's inbox mail erased, the deactivation recorded (when a purge
     * follows), the subject told, and the request completed when nothing waits for a purge.
     */
    finishErasure: (
      requestId: string,
      outcomes: ErasureOutcome[],
      close: { purgeAt?: string; deactivated?: ClosingStep; completed?: ClosingStep },
    ): Promise<{ wake: string[] }> =>
      withHeartbeat(async () => {
        await single.eraseSubjectInboxMail(requestId);
        await record(requestId, close.deactivated);
        await single.sendDeletionNotice(requestId, outcomes, close.purgeAt);
        await record(requestId, close.completed);
        return { wake: await releaseAdmission(deps, requestId) };
      }),

    /** After the purge proved 0 rows: recorded, the subject told, the request completed. */
    finishPurge: (
      requestId: string,
      close: { purgedAt: string; retainedKept: boolean; purged: ClosingStep; completed: ClosingStep },
    ): Promise<void> =>
      withHeartbeat(async () => {
        await record(requestId, close.purged);
        await single.sendPurgedNotice(requestId, close.purgedAt, close.retainedKept);
        await record(requestId, close.completed);
      }),

    /** Claims a work slot for the request (or queues it); requests admitted by this call besides it are returned to be woken. */
    admitRequest: (requestId: string) => admitRequest(deps, requestId),
    releaseAdmission: (requestId: string) => releaseAdmission(deps, requestId),
  };
}
