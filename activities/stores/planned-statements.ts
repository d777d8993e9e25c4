// The statements a deletion would run on a SQL collection (PostgreSQL, MySQL), for `dsar plan`:
// the connector's own erase (and, for a purge, its hard delete) runs with its writes recorded.
// Reads run for real, so every choice the erase makes (an index to batch along, a key range, the
// pages of a mask) is the one it would make; writes are recorded, not run. No statement text is
// copied from the erase code.
import type { Pool } from 'pg';
import type { CollectionEntry } from '../../schemas/datamap-graph';
import { ERASE_BATCH } from './batches';
import type { ConnectorContext } from './connector';
import { withWritesRecorded } from './mysql';
import { mysqlConnector } from './mysql-connector';
import { withStorePoolsWrapped } from './postgres';
import { postgresConnector } from './postgres-connector';

const sqlConnectorFor = (node: CollectionEntry) => (node.kind === 'mysql' ? mysqlConnector : postgresConnector);

export interface PlannedStatements {
  /** Data-changing statements of the erase, distinct, in the order they first run (`$n`: a bound value, never shown). */
  statements: string[];
  /** purge: those of the hard delete when the grace period ends. */
  purgeStatements?: string[];
}

const isRead = (sql: string) => /^\s*SELECT\b/i.test(sql);

/** One line per statement: whitespace collapsed (the text is otherwise exactly what is sent). */
export const statementText = (sql: string) => sql.replace(/\s+/g, ' ').trim();

/**
 * A pool that runs reads and records writes. A write answers as having touched no row, so a batch
 * loop stops; with `fullBatches` (the subject has more rows than one batch), the first run of each
 * statement answers as a full batch, so the loop's continuation (the next keyset batch) is recorded too.
 */
export function recordingPool(pool: Pool, recorded: string[], fullBatches = false): Pool {
  const query = (text: unknown, params?: unknown[]) => {
    const sql = typeof text === 'string' ? text : String((text as { text?: string }).text);
    if (isRead(sql)) return pool.query(sql, params);
    const line = statementText(sql);
    const first = !recorded.includes(line);
    if (first) recorded.push(line);
    const n = first && fullBatches ? ERASE_BATCH : 0;
    return Promise.resolve({ rows: [{ n, last: n ? 0 : null }], rowCount: n, command: 'RECORDED', fields: [], oid: 0 });
  };
  return { query } as unknown as Pool;
}

/** Runs `fn` with PostgreSQL pools recording and MySQL writes recorded into `recorded`. */
function recording<T>(recorded: string[], fullBatches: boolean, fn: () => Promise<T>): Promise<T> {
  const recordMysql = (sql: string) => {
    const line = statementText(sql);
    if (!recorded.includes(line)) recorded.push(line);
    return 0; // MySQL's batch loops are driven by their reads: each range or page is recorded as it would run
  };
  return withStorePoolsWrapped(
    (pool) => recordingPool(pool, recorded, fullBatches),
    () => withWritesRecorded(recordMysql, fn),
  );
}

/** `rows`: the subject's rows in the collection (the plan's count). */
export async function plannedStatements(ctx: ConnectorContext<CollectionEntry>, rows: number): Promise<PlannedStatements> {
  const connector = sqlConnectorFor(ctx.node);
  const fullBatches = rows > ERASE_BATCH;
  const statements: string[] = [];
  await recording(statements, fullBatches, () => connector.erase(ctx));
  if (ctx.node.spec.onErasure?.action !== 'purge') return { statements };
  const purgeStatements: string[] = [];
  await recording(purgeStatements, fullBatches, () => connector.purge!(ctx));
  return { statements, purgeStatements };
}
