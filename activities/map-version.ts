// Every request runs with the data map it started with. The request's version (stored at intake)
// picks the activities it runs with: the worker's own map when they are the same, otherwise that
// version's content from the engine database, compiled once per version with this worker's
// environment. A version that cannot be loaded or compiled here stops the request's data steps
// in needs_attention; no step that reads or changes the stores ever runs with another map.
import { compileDataMapContent } from '../lib/datamap-version';
import { loadDataMapVersionContent } from '../records/datamap-versions';
import { requestDataMapVersion } from '../records/requests';
import { DataMapError } from '../schemas/datamap';
import type { CompiledDataMap } from '../schemas/datamap-graph';
import type { ActivityDeps } from './deps';
import { COMBINED_DATA_STEPS } from './combined-steps';
import { DATA_STEPS, failureFor } from './failures';

type Activity = (...args: never[]) => Promise<unknown>;

/** Activities whose first argument is not a request's id: they run with the worker's own map. */
export const NOT_REQUEST_STEPS = new Set([
  'planDeletion',
  'resolveHoldIdentities',
  'sweepTargets',
  'sweepCollection',
  'sweepExports',
  'expireRecords',
  'recordSweep',
  'anchorAuditChain',
]);

/** Steps that read or change the stores: they never run with another map than the request's. */
const STORE_STEPS: ReadonlySet<string> = new Set([...DATA_STEPS, ...COMBINED_DATA_STEPS]);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Request ids whose version is known, at most this many (a version never changes once stored). */
const REMEMBERED_REQUESTS = 10_000;

/** The map of one version, from the engine database; a missing version is a data map error (no retry can fix it). */
export async function compileStoredVersion(deps: ActivityDeps, version: string): Promise<CompiledDataMap> {
  const content = await loadDataMapVersionContent(deps.engineDb, version);
  if (content === null)
    throw new DataMapError([{ path: '(version)', message: `data map version ${version} is not in the engine database` }]);
  const map = compileDataMapContent(content, deps.dataMap.origin?.env ?? {});
  if (map.origin?.version !== version)
    throw new DataMapError([{ path: '(version)', message: `the stored content of data map version ${version} does not hash to it` }]);
  return map;
}

/** `build(deps)` for the worker's map, and for each other version a request started with, built on first use. */
export function pinnedToRequestMap<A extends Record<string, Activity>>(deps: ActivityDeps, build: (deps: ActivityDeps) => A): A {
  const current = build(deps);
  const own = deps.dataMap.origin?.version;
  if (!own) return current;
  const byVersion = new Map<string, Promise<A>>([[own, Promise.resolve(current)]]);
  const versionOf = new Map<string, string | null>();

  const activitiesFor = async (requestId: string): Promise<A> => {
    let version = versionOf.get(requestId);
    if (version === undefined) {
      const stored = await requestDataMapVersion(deps.engineDb, requestId);
      if (stored === undefined) return current;
      version = stored;
      if (versionOf.size >= REMEMBERED_REQUESTS) versionOf.delete(versionOf.keys().next().value as string);
      versionOf.set(requestId, version);
    }
    if (version === null) return current; // received before map versions were recorded
    let built = byVersion.get(version);
    if (!built) {
      built = compileStoredVersion(deps, version).then((dataMap) => build({ ...deps, dataMap }));
      built.catch(() => byVersion.delete(version)); // a failed load is tried again on the next call
      byVersion.set(version, built);
    }
    return built;
  };

  const out: Record<string, Activity> = { ...current };
  for (const name of Object.keys(current)) {
    if (NOT_REQUEST_STEPS.has(name)) continue;
    out[name] = async (...args: never[]) => {
      const requestId: unknown = args[0];
      if (typeof requestId !== 'string' || !UUID.test(requestId)) return current[name](...args);
      let activities: A;
      try {
        activities = await activitiesFor(requestId);
      } catch (err) {
        // A version that can never load here: a step that reads or changes the stores stops the
        // request for a person (needs_attention); bookkeeping (statuses, audit events, mails) goes on
        // with this worker's map, so the request reaches that stop instead of retrying forever.
        if (STORE_STEPS.has(name)) throw failureFor(err, { store: 'engine', collection: 'datamap' });
        if (!(err instanceof DataMapError)) throw err; // the engine database is busy or away: retried
        console.warn(
          `request ${requestId}: its data map version cannot be loaded here (${(err as Error).message}); ${name} runs with the worker's map`,
        );
        activities = current;
      }
      return activities[name](...args);
    };
  }
  return out as A;
}
