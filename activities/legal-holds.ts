// Legal holds in the worker: a held subject's identities resolved through the data map and
// stored with the hold (when it is placed, whenever a request of that subject resolves, and on
// every sweep), and what a request under a hold tells its subject.
import { noticeLawOf } from './notice-facts';
import type { Jurisdiction } from '../schemas/deadline';
import { HOLD_WORDING, holdBasis, type HoldCategory } from '../schemas/legal-hold';
import {
  activeHoldForRequest,
  activeHoldIdsForRequest,
  activeHoldSubject,
  activeHoldSubjects,
  addHoldIdentities,
  addHoldIdentitiesFromRequests,
} from '../records/legal-holds';
import { loadRequest } from '../records/requests';
import type { ActivityDeps } from './deps';
import { sendOnce } from './email';
import { resolveSubject } from './stores/resolve';
import type { CollectionSelector, IdentityValues } from './stores/selector';
import { deletionHeldMail } from './templates';

/** Resolves one active hold's subject and adds what it finds to the hold. */
export async function resolveHoldIdentities(deps: ActivityDeps, holdId: string): Promise<{ identities: number }> {
  const email = await activeHoldSubject(deps.engineDb, holdId);
  if (!email) return { identities: 0 };
  const { selectors, identities } = await resolveSubject(deps, { email: [email] });
  await addHoldIdentities(deps.engineDb, holdId, selectors, identities);
  await addHoldIdentitiesFromRequests(deps.engineDb, holdId);
  return { identities: Object.values(identities).reduce((n, v) => n + v.length, 0) };
}

/** Every active hold resolved again (a safety net for a hold whose resolution at placement failed). */
export async function refreshHoldIdentities(deps: ActivityDeps): Promise<void> {
  for (const h of await activeHoldSubjects(deps.engineDb)) await resolveHoldIdentities(deps, h.id);
}

/** A request's subject resolved: when it is held, the hold keeps what it resolved to. */
export async function keepResolvedUnderHolds(
  deps: ActivityDeps,
  requestId: string,
  selectors: CollectionSelector[],
  identities: IdentityValues,
): Promise<void> {
  for (const holdId of await activeHoldIdsForRequest(deps.engineDb, requestId))
    await addHoldIdentities(deps.engineDb, holdId, selectors, identities);
}

/** The active hold on a request's subject (by address or by resolved identity), if any. */
export async function holdOnRequest(deps: ActivityDeps, requestId: string): Promise<{ id: string; category: HoldCategory } | null> {
  return activeHoldForRequest(deps.engineDb, requestId);
}

/**
 * Tells the subject their deletion is postponed: what (everything, or the purge planned for
 * `purgeAt` once erasure ran), why (the hold's category) and on what basis. Once per hold.
 */
export async function sendHoldNotice(
  deps: ActivityDeps,
  requestId: string,
  hold: { id: string; category: HoldCategory },
  jurisdiction: Jurisdiction,
  purgeAt?: string,
): Promise<void> {
  const request = await loadRequest(deps.engineDb, requestId);
  await sendOnce(deps.engineDb, deps.mailer, deps.config.MAIL_FROM, {
    key: `${requestId}:deletion-held:${hold.id}`,
    requestId,
    kind: 'deletion_held',
    to: request.subjectEmail,
    ...deletionHeldMail({
      requestId,
      why: HOLD_WORDING[hold.category].why,
      basis: holdBasis(hold.category, jurisdiction),
      purgeAt: purgeAt ? new Date(purgeAt) : undefined,
      ...(await noticeLawOf(deps, requestId)),
    }),
  });
}
