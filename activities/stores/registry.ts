import type { CollectionEntry, Node, SqlKind, StoreKind } from '../../schemas/datamap-graph';
import { OPERATIONS, supportOf, type Operation } from '../../schemas/store-kinds';
import type { Connector, ConnectorFor } from './connector';
import { httpConnector } from './http-connector';
import { manualConnector } from './manual-connector';
import { mysqlBackend, mysqlConnector } from './mysql-connector';
import { postgresBackend, postgresConnector } from './postgres-connector';
import { redisConnector } from './redis-connector';
import { s3Connector } from './s3-connector';
import type { SqlBackend } from './sql-connector';

const CONNECTORS: { [K in StoreKind]: ConnectorFor<K> } = {
  postgres: postgresConnector,
  mysql: mysqlConnector,
  redis: redisConnector,
  http: httpConnector,
  manual: manualConnector,
  s3: s3Connector,
};

const SQL_BACKENDS: { [K in SqlKind]: SqlBackend<K> } = {
  postgres: postgresBackend,
  mysql: mysqlBackend,
};

export const connectorFor = <N extends Node>(node: N): Connector<N> => CONNECTORS[node.kind] as unknown as Connector<N>;

/** The statements of a SQL collection's kind (what the retention sweep runs). */
export const sqlBackendFor = (entry: CollectionEntry): SqlBackend<SqlKind> => SQL_BACKENDS[entry.kind] as SqlBackend<SqlKind>;

/** The connector's implementation of an operation the store supports; an error naming both otherwise. */
export function operationOf<O extends Exclude<Operation, 'plan' | 'read' | 'erase' | 'verify'>>(
  node: Node,
  op: O,
): NonNullable<Connector[O]> {
  const impl = (connectorFor(node) as Connector)[op];
  if (!impl) throw new Error(`${node.kind} connector does not implement ${op} (needed by ${node.store}.${node.collection})`);
  return impl as NonNullable<Connector[O]>;
}

/** Operations the data map says a node supports but its connector lacks (a unit test keeps this empty). */
export function missingOperations(node: Node): Operation[] {
  const c = connectorFor(node) as Connector;
  const has: Record<Operation, boolean> = {
    resolve: !!c.resolve,
    read: !!c.read,
    plan: !!c.plan,
    erase: !!c.erase,
    correct: !!c.correct,
    purge: !!c.purge,
    verify: !!c.verify,
    process: !!c.process,
  };
  return OPERATIONS.filter((op) => supportOf(node, op).ok && !has[op]);
}
