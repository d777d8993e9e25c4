// Intake of the rights that change processing: an objection names a purpose the map knows (or
// direct marketing), a limit request needs a store holding sensitive information, and the
// Global Privacy Control signal (`Sec-GPC: 1`) of a signed-in subject records an opt-out.
import { sha256Hex } from '../lib/hash';
import { DIRECT_MARKETING } from '../schemas/processing';
import type { RequestIntake } from '../schemas/request';
import type { StoredRequest } from '../records/requests';
import type { ApiDeps } from './deps';
import { badRequest } from './errors';
import { createRequest } from './intake';

export const GPC_HEADER = 'sec-gpc';

/** The purposes a subject may object to: the map's, and direct marketing (GDPR Art. 21(3)). */
export const objectablePurposes = (deps: ApiDeps): string[] => [
  ...new Set([DIRECT_MARKETING, ...Object.keys(deps.dataMap.source.purposes)]),
];

/** 400 naming the field when the map cannot carry out the request as asked. */
export function refuseUnprocessable(deps: ApiDeps, intake: RequestIntake): void {
  if (intake.type === 'objection' && intake.purpose && !objectablePurposes(deps).includes(intake.purpose))
    throw badRequest('purpose', `unknown purpose "${intake.purpose}"; one of: ${objectablePurposes(deps).join(', ')}`);
  if (intake.type === 'limit' && !deps.dataMap.targetsFor('limit').targets.length)
    throw badRequest('type', 'the data map declares no sensitive personal information, so there is nothing to limit');
}

/** `Sec-GPC: 1` (the header's only defined value). */
export const gpcSignalled = (headers: Record<string, unknown>): boolean => String(headers[GPC_HEADER] ?? '').trim() === '1';

/**
 * CCPA §7025: a GPC signal from a signed-in subject is a request to opt out of sale/sharing. It is
 * recorded pre-verified once per subject and day (an idempotency key of the subject and the date).
 */
export async function recordGpcOptOut(deps: ApiDeps, email: string, now = new Date()): Promise<StoredRequest> {
  const key = `gpc-${sha256Hex(`${email}\n${now.toISOString().slice(0, 10)}`)}`;
  const { request } = await createRequest(deps, { type: 'opt_out', email }, 'self_service', key, true, now);
  return request;
}
