// The data map compiled once into a graph: typed addresses, identity edges, the order in which a
// subject is found (resolution) and the order in which their data is erased (children first).
// Everything that asks "which stores does this request touch?" asks `targetsFor`.
import {
  DataMapError,
  isSqlKind,
  isSqlStore,
  type DataMap,
  type HttpStore,
  type ManualStore,
  type RedisStore,
  type S3Store,
  type SqlCollection,
  type SqlKind,
  type StoreKind,
} from './datamap';
import { placeholders } from './datamap-common';
import type { RequestType } from './request';
import { OPERATION_FOR, supportOf, type Operation } from './store-kinds';

export type { SqlKind, StoreKind };

/** Where a unit of work lives: a SQL collection (PostgreSQL, MySQL), or a whole Redis, HTTP, manual or S3 store. */
export interface Target {
  store: string;
  collection: string;
  kind: StoreKind;
}

export interface FieldAddress {
  store: string;
  collection: string;
  field: string;
}

/** `store.collection`: the one way a target is named in keys, file names and audit details. */
export type AddressKey = `${string}.${string}`;
export const addressKey = (a: { store: string; collection: string }): AddressKey => `${a.store}.${a.collection}`;

/** The collection name a whole-store target carries (a store of these kinds has no collections). */
export const STORE_TARGET_NAME: Record<Exclude<StoreKind, SqlKind>, string> = {
  redis: 'keys',
  http: 'processor',
  manual: 'manual_task',
  s3: 'objects',
};

/** Where a table is when the collection names no schema: PostgreSQL's `public`, MySQL's database of the URL. */
const DEFAULT_SCHEMA: Record<SqlKind, string | null> = { postgres: 'public', mysql: null };

/** A collection of a SQL store of kind K, with its table and its edges resolved. */
export interface CollectionOf<K extends SqlKind> extends Target {
  kind: K;
  url: string;
  spec: SqlCollection;
  table: string;
  /** null: the table is in the database the store's URL names. */
  schema: string | null;
  /** identity name → column holding it (the subject is found here directly). */
  identity: Record<string, string>;
  /** identity name → column that yields it for the other stores. */
  provides: Record<string, string>;
  /** This collection's column → the referenced collection's column. */
  references: { column: string; target: FieldAddress }[];
}

export type HttpNode = Target & { kind: 'http'; spec: HttpStore };

/** A collection of any SQL store: a node with identity, provides and references edges. */
export type CollectionEntry = { [K in SqlKind]: CollectionOf<K> }[SqlKind];

export const isCollection = (n: Node): n is CollectionEntry => isSqlKind(n.kind);

export type Node =
  | CollectionEntry
  | (Target & { kind: 'redis'; spec: RedisStore })
  | HttpNode
  | (Target & { kind: 'manual'; spec: ManualStore })
  | (Target & { kind: 's3'; spec: S3Store });

/** A processor's lookup: from an identity the subject has (`needs`) to those the processor's records give. */
export interface LookupEntry {
  node: HttpNode;
  /** The identity filled into the lookup's path. */
  needs: string;
  /** identity → the field of each record holding it. */
  provides: Record<string, string>;
}

/** Every request starts from the subject's verified address. */
export const START_IDENTITY = 'email';

export interface NotIncluded {
  target: Target;
  reason: string;
}

/** What one request type touches: every target it acts on (in the order to act) and every one it cannot, with why. */
export interface RequestTargets {
  operation: Operation;
  /** Levels: targets in one level may run side by side; a level starts when the one before is done. */
  levels: Target[][];
  targets: Target[];
  notIncluded: NotIncluded[];
}

/** Which version of the map this is (lib/datamap-version.ts): the hash of its content as written, and the environment its `${VAR}`s came from. */
export interface DataMapOrigin {
  version: string;
  content: unknown;
  env: Record<string, string | undefined>;
}

export interface CompiledDataMap {
  source: DataMap;
  /** Known when the map was compiled from its files' content (the worker, the API); absent for maps built in code. */
  origin?: DataMapOrigin;
  identities: string[];
  nodes: Node[];
  /** A target of the map by address; throws naming it when the map has no such target. */
  node(a: { store: string; collection: string }): Node;
  collection(a: { store: string; collection: string }): CollectionEntry;
  collections: CollectionEntry[];
  /** Breadth-first from collections holding an identity, through `provides` and `references`. */
  resolutionOrder: CollectionEntry[][];
  /** Levels of deletion: a collection comes after every collection that references it. */
  eraseOrder: Target[][];
  /** Processors' lookups, run once the identities they need are known (after and between collection passes). */
  lookups: LookupEntry[];
  /** Columns of a collection that other collections reference (their values are collected while resolving). */
  referencedColumns(a: { store: string; collection: string }): string[];
  /** Collections that no identity or reference chain reaches. */
  unreachable: AddressKey[];
  /** What a map author should know: operations a store cannot do, collections nothing reaches. */
  warnings: string[];
  targetsFor(type: RequestType | 'plan'): RequestTargets;
}

function compileNodes(map: DataMap): Node[] {
  const nodes: Node[] = [];
  for (const [store, s] of Object.entries(map.stores)) {
    if (!isSqlStore(s)) {
      nodes.push({ store, collection: STORE_TARGET_NAME[s.kind], kind: s.kind, spec: s } as Node);
      continue;
    }
    for (const [collection, spec] of Object.entries(s.collections)) {
      nodes.push({
        store,
        collection,
        kind: s.kind,
        url: s.url,
        spec,
        table: spec.table ?? collection,
        schema: spec.schema ?? DEFAULT_SCHEMA[s.kind],
        identity: { ...spec.identity },
        provides: { ...spec.provides },
        references: Object.entries(spec.references ?? {}).map(([column, target]) => {
          const [refCollection, field] = target.split('.');
          return { column, target: { store, collection: refCollection, field } };
        }),
      });
    }
  }
  return nodes;
}

function resolutionLevels(collections: CollectionEntry[]): CollectionEntry[][] {
  const levels: CollectionEntry[][] = [];
  const placed = new Set<AddressKey>();
  let frontier = collections.filter((c) => Object.keys(c.identity).length > 0);
  while (frontier.length) {
    levels.push(frontier);
    frontier.forEach((c) => placed.add(addressKey(c)));
    frontier = collections.filter((c) => !placed.has(addressKey(c)) && c.references.some((r) => placed.has(addressKey(r.target))));
  }
  return levels;
}

/** Children before parents; a reference cycle cannot be ordered and is an error that names it. */
function eraseLevels(nodes: Node[], collections: CollectionEntry[]): Target[][] {
  const byKey = new Map(collections.map((c) => [addressKey(c), c]));
  const referencedBy = new Map<AddressKey, AddressKey[]>();
  for (const c of collections) {
    for (const r of c.references) {
      const parent = addressKey(r.target);
      if (parent === addressKey(c)) continue;
      referencedBy.set(parent, [...(referencedBy.get(parent) ?? []), addressKey(c)]);
    }
  }
  const depth = new Map<AddressKey, number>();
  const visiting: AddressKey[] = [];
  const depthOf = (k: AddressKey): number => {
    const known = depth.get(k);
    if (known !== undefined) return known;
    const at = visiting.indexOf(k);
    if (at >= 0) {
      const cycle = [...visiting.slice(at), k].map((x) => byKey.get(x)!.collection);
      throw new DataMapError([
        {
          path: `stores.${byKey.get(k)!.store}.collections`,
          message: `reference cycle ${cycle.join(' → ')}: no order can erase children before parents`,
        },
      ]);
    }
    visiting.push(k);
    const d = Math.max(-1, ...(referencedBy.get(k) ?? []).map(depthOf)) + 1;
    visiting.pop();
    depth.set(k, d);
    return d;
  };
  const levels: Target[][] = [];
  for (const n of nodes) {
    const d = isCollection(n) ? depthOf(addressKey(n)) : 0;
    (levels[d] ??= []).push(asTarget(n));
  }
  return levels.filter(Boolean);
}

const asTarget = (n: Node): Target => ({ store: n.store, collection: n.collection, kind: n.kind });

export function compileDataMap(map: DataMap, origin?: DataMapOrigin): CompiledDataMap {
  const nodes = compileNodes(map);
  const collections = nodes.filter(isCollection);
  const byKey = new Map(nodes.map((n) => [addressKey(n), n]));
  const resolutionOrder = resolutionLevels(collections);
  const eraseOrder = eraseLevels(nodes, collections);
  const reached = new Set(resolutionOrder.flat().map(addressKey));
  const lookups: LookupEntry[] = nodes.flatMap((n) =>
    n.kind === 'http' && n.spec.lookup
      ? [{ node: n, needs: placeholders(n.spec.lookup.path)[0], provides: { ...n.spec.lookup.provides } }]
      : [],
  );
  const provided = new Set([
    START_IDENTITY,
    ...collections.flatMap((c) => Object.keys(c.provides)),
    ...lookups.flatMap((l) => Object.keys(l.provides)),
  ]);
  const unreachable = collections.map(addressKey).filter((k) => !reached.has(k));

  const node = (a: { store: string; collection: string }): Node => {
    const n = byKey.get(addressKey(a));
    if (!n) throw new Error(`${addressKey(a)} is not in the data map`);
    return n;
  };
  const referenced = new Map<AddressKey, string[]>();
  for (const c of collections) {
    for (const r of c.references) {
      const k = addressKey(r.target);
      referenced.set(k, [...new Set([...(referenced.get(k) ?? []), r.target.field])]);
    }
  }

  const targetsFor = (type: RequestType | 'plan'): RequestTargets => {
    const operation: Operation = type === 'plan' ? 'plan' : OPERATION_FOR[type];
    const order = operation === 'erase' || operation === 'plan' ? eraseOrder : [nodes.map(asTarget)];
    const notIncluded: NotIncluded[] = [];
    const levels = order
      .map((level) =>
        level.filter((t) => {
          const support = supportOf(node(t), operation, type === 'plan' ? 'deletion' : type);
          if (!support.ok && support.relevant) notIncluded.push({ target: t, reason: support.reason });
          return support.ok;
        }),
      )
      .filter((level) => level.length > 0);
    return { operation, levels, targets: levels.flat(), notIncluded };
  };

  const warnings = [
    ...unreachable.map((k) => `${k}: no identity or reference reaches it, so no request will find a subject there`),
    ...nodes.flatMap((n) =>
      n.kind === 'http' && !provided.has(n.spec.identity)
        ? [`${addressKey(n)}: no collection or lookup provides its identity "${n.spec.identity}", so no request reaches it`]
        : [],
    ),
    ...lookups.flatMap((l) =>
      provided.has(l.needs) ? [] : [`${addressKey(l.node)}: no collection or lookup provides "${l.needs}", which its lookup needs`],
    ),
    ...nodes.flatMap((n) =>
      (['read', 'erase', 'correct'] as const).flatMap((op) => {
        const s = supportOf(n, op);
        return !s.ok && s.relevant ? [`${addressKey(n)}: ${op} is not supported: ${s.reason}`] : [];
      }),
    ),
  ];

  return {
    source: map,
    ...(origin ? { origin } : {}),
    identities: map.identities,
    nodes,
    node,
    collection(a) {
      const n = node(a);
      if (!isCollection(n)) throw new Error(`${addressKey(a)} is a ${n.kind} store, not a SQL collection`);
      return n;
    },
    collections,
    resolutionOrder,
    lookups,
    eraseOrder,
    referencedColumns: (a) => referenced.get(addressKey(a)) ?? [],
    unreachable,
    warnings,
    targetsFor,
  };
}
