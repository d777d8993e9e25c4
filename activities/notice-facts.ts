// What a notice may say about a request, taken from its outcomes (never from the data map alone):
// which service providers were actually told, and under which law the request is answered.
import { requestJurisdiction } from '../records/requests';
import type { CorrectionOutcome, ErasureOutcome } from '../schemas/workflow';
import type { ActivityDeps } from './deps';
import { noticeSettings } from './notice-sentences';
import type { NoticeLaw } from './templates';

/** How a subject is told of a store: its description in the data map, else its name. */
export const placeName = (deps: ActivityDeps, t: { store: string }): string =>
  deps.dataMap.source.stores[t.store]?.description ?? t.store.replace(/_/g, ' ');

/** A manual store kept by a service provider (`processor: true`): its completed task told it. */
const isManualProcessor = (deps: ActivityDeps, store: string): boolean => {
  const spec = deps.dataMap.source.stores[store];
  return spec?.kind === 'manual' && spec.processor;
};

const names = (deps: ActivityDeps, stores: { store: string }[]) => [...new Set(stores.map((s) => placeName(deps, s)))];

/**
 * Processors told to delete for this request: an HTTP processor whose erase call acted, or a
 * manual processor whose task was completed. A held outcome told no one.
 */
export function processorsToldOfErasure(deps: ActivityDeps, outcomes: ErasureOutcome[]): string[] {
  return names(
    deps,
    outcomes.filter(
      (o) =>
        (o.kind === 'http' && o.action === 'notify' && o.deleted > 0) ||
        (o.kind === 'manual' && o.action === 'manual' && isManualProcessor(deps, o.store)),
    ),
  );
}

/** Processors told of a correction: an HTTP processor whose correct call changed something, or a manual processor whose task was done. */
export function processorsToldOfCorrection(deps: ActivityDeps, outcomes: CorrectionOutcome[]): string[] {
  return names(
    deps,
    outcomes.filter((o) => {
      const kind = deps.dataMap.node(o).kind;
      return (kind === 'http' && o.changes.some((c) => c.rows > 0)) || (kind === 'manual' && isManualProcessor(deps, o.store));
    }),
  );
}

/** The request's jurisdiction and the deployment's wording, for the notices' recourse sentences. */
export async function noticeLawOf(deps: ActivityDeps, requestId: string): Promise<NoticeLaw> {
  return { jurisdiction: await requestJurisdiction(deps.engineDb, requestId), settings: noticeSettings(deps.config) };
}
