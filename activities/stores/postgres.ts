// PostgreSQL connector: pools, finding a subject's rows (postgres-export.ts streams them out with COPY).
// Values never enter SQL text: they are bound as parameters, or loaded into a temporary
// table through a parameter (COPY itself takes no parameters). Identifiers come from the
// validated data map and are quoted.
import { AsyncLocalStorage } from 'node:async_hooks';
import { escapeIdentifier as q, type Pool, type PoolClient } from 'pg';
import { createPool, type PoolOptions } from '../../records/pool';
import type { Predicate } from './selector';
import { columnExpr, subjectWhere, tableRef, type PgCollection } from './sql';

const pools = new Map<string, Pool>();

type StoreTimeouts = Pick<PoolOptions, 'statementTimeoutMs' | 'lockTimeoutMs' | 'connectTimeoutMs'> & { exportStatementTimeoutMs: number };
let storeTimeouts: StoreTimeouts = {
  statementTimeoutMs: 60_000,
  lockTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  exportStatementTimeoutMs: 1_800_000,
};

/** The timeouts of product-store pools opened from now on (the worker sets them from its configuration). */
export function configureStorePools(timeouts: StoreTimeouts): void {
  storeTimeouts = { ...timeouts };
}

/** The statement budget of an export's read: a subject with millions of rows is copied for minutes. */
export const exportStatementTimeoutMs = () => storeTimeouts.exportStatementTimeoutMs;

/** One pool per store URL, shared by all activities of a worker process. A lost connection fails
 *  the query under way (the activity is retried), never the process. */
export function storePool(url: string): Pool {
  let pool = pools.get(url);
  if (!pool) {
    const { statementTimeoutMs, lockTimeoutMs, connectTimeoutMs } = storeTimeouts;
    pool = createPool(url, { statementTimeoutMs, lockTimeoutMs, connectTimeoutMs, max: 8 });
    pools.set(url, pool);
  }
  const wrap = poolWrapper.getStore();
  return wrap ? wrap(pool) : pool;
}

const poolWrapper = new AsyncLocalStorage<(pool: Pool) => Pool>();

/** Runs `fn` with every store pool it asks for wrapped (a plan records the statements an erase would run). */
export const withStorePoolsWrapped = <T>(wrap: (pool: Pool) => Pool, fn: () => Promise<T>): Promise<T> => poolWrapper.run(wrap, fn);

export async function closeStorePools(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.end()));
  pools.clear();
}

/** Distinct values of `columns` in a subject's rows (for `provides` and `references`). */
export async function distinctValues(
  pool: Pool,
  entry: PgCollection,
  preds: Predicate[],
  columns: string[],
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (!preds.length) return out;
  const where = subjectWhere(preds, 1);
  for (const column of columns) {
    const { rows } = await pool.query<{ v: string }>(
      `SELECT DISTINCT t.${q(column)}::text AS v FROM ${tableRef(entry)} t WHERE ${where.sql} AND t.${q(column)} IS NOT NULL`,
      where.params,
    );
    out[column] = rows.map((r) => r.v);
  }
  return out;
}

export async function countRows(pool: Pool, entry: PgCollection, preds: Predicate[]): Promise<number> {
  if (!preds.length) return 0;
  const where = subjectWhere(preds, 1);
  const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${tableRef(entry)} t WHERE ${where.sql}`, where.params);
  return Number(rows[0].n);
}

/**
 * Loads each predicate's values into a temporary table (typed like the column, via
 * jsonb_populate_recordset) and returns a WHERE clause over them, for use inside COPY.
 */
export async function loadSelection(client: PoolClient, entry: PgCollection, preds: Predicate[]): Promise<string> {
  const clauses: string[] = [];
  for (const [i, p] of preds.entries()) {
    const sel = `dsar_sel_${i}`;
    await client.query(`CREATE TEMP TABLE ${sel} ON COMMIT DROP AS SELECT ${columnExpr(p)} AS v FROM ${tableRef(entry)} t WHERE false`);
    await client.query(`INSERT INTO ${sel} SELECT * FROM jsonb_populate_recordset(NULL::${sel}, $1::jsonb)`, [
      JSON.stringify(p.values.map((v) => ({ v }))),
    ]);
    await client.query(`ANALYZE ${sel}`);
    clauses.push(`${columnExpr(p)} IN (SELECT v FROM ${sel})`);
  }
  return clauses.join(' OR ');
}

/** `t.*`, or the table's columns but `omit` (fields never disclosed) when there are any. */
export async function disclosedColumns(pool: Pool, entry: PgCollection, omit: readonly string[]): Promise<string> {
  if (!omit.length) return 't.*';
  const { fields } = await pool.query(`SELECT t.* FROM ${tableRef(entry)} t LIMIT 0`);
  return fields
    .map((f) => f.name)
    .filter((name) => !omit.includes(name))
    .map((name) => `t.${q(name)}`)
    .join(', ');
}

/** The first `limit` rows of a subject in key order (for the human-readable access report). */
export async function sampleRows(
  pool: Pool,
  entry: PgCollection,
  preds: Predicate[],
  limit: number,
  omit: readonly string[] = [],
): Promise<Record<string, unknown>[]> {
  if (!preds.length) return [];
  const where = subjectWhere(preds, 1);
  const { rows } = await pool.query(
    `SELECT ${await disclosedColumns(pool, entry, omit)} FROM ${tableRef(entry)} t WHERE ${where.sql} ORDER BY t.${q(entry.spec.key)} LIMIT ${Math.max(0, Math.floor(limit))}`,
    where.params,
  );
  return rows;
}
