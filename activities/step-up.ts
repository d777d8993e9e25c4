// CCPA §7062 step-up: when the request's type is in STEP_UP_FOR and the data map names a `stepUp`
// fact, the fact is read from the subject's account as the code is issued and kept only as keyed
// hashes beside it; the API compares the subject's answer with them.
import { stepUpAnswerHash } from '../lib/verification-code';
import { readStepUpValue } from '../schemas/step-up';
import type { ActivityDeps } from './deps';
import { withPlace } from './failures';
import { operationOf } from './stores/registry';
import { NO_SUBJECT } from './stores/resolve';
import { CASE_INSENSITIVE_IDENTITIES } from './stores/selector';

/** The hashes to keep with a new code; null when no step-up is asked for this request. */
export async function stepUpHashesFor(
  deps: ActivityDeps,
  request: { id: string; type: string; subjectEmail: string },
): Promise<string[] | null> {
  const spec = deps.dataMap.source.stepUp;
  if (!spec || !deps.config.STEP_UP_FOR.includes(request.type)) return null;
  const entry = deps.dataMap.collections.find((c) => c.store === spec.store && c.collection === spec.collection);
  const identity = entry && Object.entries(entry.identity).find(([name]) => CASE_INSENSITIVE_IDENTITIES.has(name));
  // no account to ask about: the step-up is still asked, and no answer matches (the same answer either way)
  if (!entry || !identity) return [];
  const found = await operationOf(entry, 'resolve')(
    { deps, node: entry, subject: NO_SUBJECT },
    [{ column: identity[1], caseInsensitive: true, values: [request.subjectEmail.toLowerCase()] }],
    [spec.column],
  ).catch((err: unknown) => Promise.reject(withPlace(err, entry)));
  const values = (found[spec.column] ?? []).map((v) => readStepUpValue(spec.match, v)).filter((v): v is string => v !== null);
  return [...new Set(values)].map((v) => stepUpAnswerHash(deps.config.SIGNING_SECRET, request.id, v));
}
