// One contract for every kind of store. A connector acts on one target — a SQL collection
// (PostgreSQL, MySQL), or a whole Redis, HTTP or manual store — and implements each operation its kind
// supports (schemas/store-kinds.ts says which); an operation a kind never supports is absent.
import type { Node, StoreKind } from '../../schemas/datamap-graph';
import type { ProcessingChange, ProcessingOutcome } from '../../schemas/processing';
import type { CollectionExportResult, CorrectionOutcome, ErasureOutcome, PlanEntry, RecordUnit } from '../../schemas/workflow';
import type { ActivityDeps } from '../deps';
import type { ReadSink } from '../staging';
import type { IdentityValues, Predicate } from './selector';

/** How a connector finds the subject: persisted for a request, or resolved in memory for a plan. */
export interface SubjectView {
  predicates(store: string, collection: string): Promise<Predicate[]>;
  identities(): Promise<IdentityValues>;
}

export interface ConnectorContext<N extends Node = Node> {
  deps: ActivityDeps;
  node: N;
  subject: SubjectView;
  /** The request acted for (absent for plans and sweeps). */
  requestId?: string;
  /** erase and purge: where deletions are counted as they commit, so counts add up across attempts. */
  tally?: DeletionTally;
}

/**
 * Counts a target's deletions across attempts (activities/deletion-tally.ts). A connector that
 * deletes in batches calls `start` once before deleting, with what is due then, and `batch` after
 * each batch commits; the total across attempts is then reported instead of this attempt's count.
 */
export interface DeletionTally {
  start(dueNow: number): Promise<void>;
  batch(deleted: number): Promise<void>;
}

export type ReadOutcome = Pick<CollectionExportResult, 'rows' | 'files'> & { unit: RecordUnit; note?: string };
export type PurgeOutcome = { deleted: number; remaining: number; statements: number; longestStatementMs: number };

export interface Connector<N extends Node = Node> {
  /** Distinct values of `columns` in the subject's records (identities it provides, referenced keys). */
  resolve?(ctx: ConnectorContext<N>, predicates: Predicate[], columns: string[]): Promise<Record<string, string[]>>;
  /** Streams the subject's records into the archive (access, export). */
  read(ctx: ConnectorContext<N>, sink: ReadSink): Promise<ReadOutcome>;
  /** Read only: the action deletion would take and how many records it would touch. */
  plan(ctx: ConnectorContext<N>): Promise<PlanEntry>;
  /** Does what the data map says, idempotently; `remainingDue` is the proof (must be 0). */
  erase(ctx: ConnectorContext<N>): Promise<ErasureOutcome>;
  /** Records still present where deletion was due. */
  verify(ctx: ConnectorContext<N>): Promise<number>;
  /** Rewrites correctable fields. */
  correct?(ctx: ConnectorContext<N>, corrections: Record<string, string>): Promise<CorrectionOutcome>;
  /** The hard delete when a purge's grace period ends; proves nothing is left. */
  purge?(ctx: ConnectorContext<N>): Promise<PurgeOutcome>;
  /** Opt-out, limit, restriction (and its lifting), objection: sets what the map names, or tells the processor; `remaining` is the proof. */
  process?(ctx: ConnectorContext<N>, change: ProcessingChange): Promise<ProcessingOutcome>;
}

export type ConnectorFor<K extends StoreKind> = Connector<Extract<Node, { kind: K }>>;

export const NOTHING_DONE = { deleted: 0, masked: 0, retained: 0, softDeleted: 0, remainingDue: 0, longestStatementMs: 0 };

export const targetOf = (n: Node) => ({ store: n.store, collection: n.collection, kind: n.kind });
