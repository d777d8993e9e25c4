// One interface for every kind of store (DESIGN §4): what a subject's data there is (plan),
// removing it (erase), proving it gone (verify), and correcting it (correct). A connector
// acts on one target: a PostgreSQL collection, or a whole Redis, HTTP or manual store.
import type { Store, Target } from '../../schemas/datamap';
import type { CorrectionOutcome, ErasureOutcome, PlanEntry } from '../../schemas/workflow';
import type { ActivityDeps } from '../deps';
import type { IdentityValues, Predicate } from './selector';

/** How a connector finds the subject: persisted for a request, or resolved in memory for a plan. */
export interface SubjectView {
  predicates(store: string, collection: string): Promise<Predicate[]>;
  identities(): Promise<IdentityValues>;
}

export interface ConnectorContext {
  deps: ActivityDeps;
  target: Target;
  subject: SubjectView;
}

export interface Connector {
  /** Read only: the action deletion would take and how many rows/keys/calls it would touch. */
  plan(ctx: ConnectorContext): Promise<PlanEntry>;
  /** Does what the data map says, idempotently; `remainingDue` is the proof (must be 0). */
  erase(ctx: ConnectorContext): Promise<ErasureOutcome>;
  /** Rows or keys still present where deletion was due. */
  verify(ctx: ConnectorContext): Promise<number>;
  /** Rewrites correctable fields; absent where the store cannot be corrected. */
  correct?(ctx: ConnectorContext, corrections: Record<string, string>): Promise<CorrectionOutcome>;
}

export const NOTHING_DONE = { deleted: 0, masked: 0, retained: 0, softDeleted: 0, remainingDue: 0, longestStatementMs: 0 };

export function storeSpec<K extends Store['kind']>(ctx: ConnectorContext, kind: K): Extract<Store, { kind: K }> {
  const s = ctx.deps.dataMap.stores[ctx.target.store];
  if (!s || s.kind !== kind) throw new Error(`store ${ctx.target.store} is not a ${kind} store in the data map`);
  return s as Extract<Store, { kind: K }>;
}
