// MySQL and MariaDB: one pool per store URL, the columns of a mapped table, and the SQL that
// picks out a subject's rows. Values are always bound (`?`, server-side prepared statements);
// identifiers come from the validated data map and are quoted with the driver's escapeId.
import { AsyncLocalStorage } from 'node:async_hooks';
import { createPool, escapeId, type Pool, type PoolConnection, type ResultSetHeader, type RowDataPacket } from 'mysql2/promise';
import type { CollectionOf } from '../../schemas/datamap-graph';
import type { Predicate } from './selector';

/** A collection of a MySQL store. */
export type MyCollection = CollectionOf<'mysql'>;

const pools = new Map<string, Pool>();

/**
 * One pool per store URL, shared by all activities of a worker process. Sessions run in UTC, so
 * TIMESTAMP columns read and compare as UTC and DATETIME columns are taken to hold UTC. Dates
 * are read as the server's text (nothing is shifted by the worker's time zone); integers beyond
 * 2^53 as text.
 */
export function mysqlPool(url: string): Pool {
  let pool = pools.get(url);
  if (!pool) {
    pool = createPool({
      uri: url,
      connectionLimit: 8,
      dateStrings: true,
      supportBigNumbers: true,
      maxPreparedStatements: 256,
    });
    pool.pool.on('connection', (conn) => {
      // A connection that fails while idle leaves the pool; a statement in flight fails with it
      // (and with it the activity, which Temporal retries) — never the process.
      conn.on('error', () => undefined);
      conn.query("SET time_zone = '+00:00'", (err: Error | null) => err && conn.destroy());
    });
    pools.set(url, pool);
  }
  return pool;
}

export async function closeMysqlPools(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.end()));
  pools.clear();
}

export const q = (identifier: string) => escapeId(identifier, true);

interface Column {
  /** A character column (it has a collation); its comparisons follow the collation. */
  text: boolean;
  /** Its collation ignores case (and often accents): `a = 'A'` holds. */
  collationIgnoresCase: boolean;
  collationIsBinary: boolean;
  /** An integer column: values are compared as exact integers, not as doubles. */
  integer: 'SIGNED' | 'UNSIGNED' | null;
}

/** A mapped table: where it is, its columns, and the pool that reaches it. */
export interface MysqlTable {
  pool: Pool;
  entry: MyCollection;
  /** `db`.`table`, or `table` in the URL's database. Statements name no alias: columns are qualified by it. */
  ref: string;
  /** A column qualified by the table (`table`.`column`), valid in SELECT, UPDATE and single-table DELETE. */
  col(name: string): string;
  column(name: string): Column;
  /**
   * How rows with one value of `column` lie in an index that starts with it: in order of the
   * index's second column, then the key (`[second]`); in key order (`[]`, an index of the column
   * alone ends with the key); or null when no index starts with the column.
   */
  indexOrder(column: string): string[] | null;
}

interface TableInfo {
  columns: Map<string, Column>;
  /** first column of an index → its second column (null: the index has one column) */
  indexes: Map<string, string | null>;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint']);
const tables = new Map<string, Promise<TableInfo>>();

async function loadTableInfo(pool: Pool, entry: MyCollection): Promise<TableInfo> {
  const [rows] = await pool.execute<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS type, COLUMN_TYPE AS columnType, COLLATION_NAME AS collation
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ?`,
    [entry.schema, entry.table],
  );
  if (!rows.length)
    // as the server would name it, so the failure is classified as one no retry can fix
    throw Object.assign(
      new Error(`${entry.store}.${entry.collection}: table ${entry.table} not found (or not visible to the store's user)`),
      {
        code: 'ER_NO_SUCH_TABLE',
        errno: 1146,
        sqlState: '42S02',
      },
    );
  const [indexed] = await pool.execute<RowDataPacket[]>(
    `SELECT a.COLUMN_NAME AS first, b.COLUMN_NAME AS second
       FROM information_schema.STATISTICS a
       LEFT JOIN information_schema.STATISTICS b
         ON b.TABLE_SCHEMA = a.TABLE_SCHEMA AND b.TABLE_NAME = a.TABLE_NAME AND b.INDEX_NAME = a.INDEX_NAME AND b.SEQ_IN_INDEX = 2
      WHERE a.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND a.TABLE_NAME = ? AND a.SEQ_IN_INDEX = 1
      ORDER BY a.INDEX_NAME`,
    [entry.schema, entry.table],
  );
  const columns = new Map<string, Column>(
    rows.map((r) => {
      const collation = (r.collation as string | null)?.toLowerCase() ?? null;
      const type = String(r.type).toLowerCase();
      return [
        String(r.name),
        {
          text: collation !== null,
          collationIgnoresCase: !!collation?.endsWith('_ci'),
          collationIsBinary: !!collation?.endsWith('_bin'),
          integer: INTEGER_TYPES.has(type) ? (/unsigned/i.test(String(r.columnType)) ? 'UNSIGNED' : 'SIGNED') : null,
        },
      ];
    }),
  );
  const indexes = new Map<string, string | null>();
  for (const r of indexed) if (!indexes.has(String(r.first))) indexes.set(String(r.first), r.second === null ? null : String(r.second));
  return { columns, indexes };
}

/** The table of a collection, its columns and indexes looked up once per worker process. */
export async function openTable(entry: MyCollection): Promise<MysqlTable> {
  const pool = mysqlPool(entry.url);
  const cacheKey = `${entry.url}\n${entry.schema ?? ''}\n${entry.table}`;
  let info = tables.get(cacheKey);
  if (!info) {
    info = loadTableInfo(pool, entry);
    tables.set(cacheKey, info);
    info.catch(() => tables.delete(cacheKey));
  }
  const { columns, indexes } = await info;
  const ref = entry.schema ? `${q(entry.schema)}.${q(entry.table)}` : q(entry.table);
  return {
    pool,
    entry,
    ref,
    col: (name) => `${ref}.${q(name)}`,
    column(name) {
      const c = columns.get(name);
      if (!c)
        throw Object.assign(new Error(`${entry.store}.${entry.collection}: column ${name} not found in table ${entry.table}`), {
          code: 'ER_BAD_FIELD_ERROR',
          errno: 1054,
          sqlState: '42S22',
        });
      return c;
    },
    indexOrder(column) {
      if (!indexes.has(column)) return null;
      const second = indexes.get(column);
      return second && second !== entry.spec.key ? [second] : [];
    },
  };
}

/** SQL with its `?` values, in order. */
export interface Sql {
  sql: string;
  params: unknown[];
}

/** `n` placeholders for values of a column: CAST for integers, so `'9007199254740993'` stays exact. */
export const marks = (c: Column, n: number) => Array.from({ length: n }, () => (c.integer ? `CAST(? AS ${c.integer})` : '?')).join(', ');

/** The values an integer column can hold (a non-integer cannot match one; CAST would make it 0). */
const usable = (c: Column, values: unknown[]) => (c.integer ? values.map(String).filter((v) => /^-?\d+$/.test(v)) : values);

/** `column IN (values)`, compared exactly; an empty list is FALSE. */
export function inList(table: MysqlTable, column: string, values: unknown[]): Sql {
  const c = table.column(column);
  const v = usable(c, values);
  return v.length ? { sql: `${table.col(column)} IN (${marks(c, v.length)})`, params: v } : { sql: 'FALSE', params: [] };
}

/**
 * One predicate, exact as in PostgreSQL although MySQL's usual collations ignore case and
 * accents ('josé' = 'jose'): a character column is matched through its index by its collation,
 * then byte for byte (utf8mb4_bin); an email (caseInsensitive) as lower(column), byte for byte.
 */
function predicateSql(table: MysqlTable, p: Predicate): Sql {
  const c = table.column(p.column);
  const col = table.col(p.column);
  const values = usable(c, p.values);
  if (!values.length) return { sql: 'FALSE', params: [] };
  const m = marks(c, values.length);
  const exact = (expr: string) => `CONVERT(${expr} USING utf8mb4) COLLATE utf8mb4_bin IN (${m})`;
  if (!c.text) return { sql: `${col} IN (${m})`, params: values };
  if (p.caseInsensitive) {
    return c.collationIgnoresCase
      ? { sql: `(${col} IN (${m}) AND ${exact(`lower(${col})`)})`, params: [...values, ...values] }
      : { sql: exact(`lower(${col})`), params: values };
  }
  if (c.collationIsBinary) return { sql: `${col} IN (${m})`, params: values };
  return { sql: `(${col} IN (${m}) AND ${exact(col)})`, params: [...values, ...values] };
}

/** A subject's rows: any of the predicates holds. */
export function subjectWhere(table: MysqlTable, preds: Predicate[]): Sql {
  if (!preds.length) return { sql: 'FALSE', params: [] };
  const parts = preds.map((p) => predicateSql(table, p));
  return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
}

/** Rows belonging to none of the held subjects; NULL-safe. */
export function notHeldWhere(table: MysqlTable, held: Predicate[]): Sql {
  if (!held.length) return { sql: 'TRUE', params: [] };
  const w = subjectWhere(table, held);
  return { sql: `NOT COALESCE(${w.sql}, FALSE)`, params: w.params };
}

/** Joins fragments with AND, their values in order. */
export function and(...parts: Sql[]): Sql {
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}

/** Runs one prepared statement on the table's pool: the rows of a SELECT. */
export async function select<T = Record<string, unknown>>(table: MysqlTable, sql: string, params: unknown[] = []): Promise<T[]> {
  const [rows] = await table.pool.execute<RowDataPacket[]>(sql, params as never[]);
  return rows as T[];
}

const writeRecorder = new AsyncLocalStorage<(sql: string) => number>();

/** Runs `fn` with every write recorded instead of run (`record` answers the rows it "changed"): a plan's statements. */
export const withWritesRecorded = <T>(record: (sql: string) => number, fn: () => Promise<T>): Promise<T> => writeRecorder.run(record, fn);

const ER_LOCK_DEADLOCK = 1213;
const DEADLOCK_RETRIES = 5;

/**
 * Runs one prepared write statement on the table's pool: the rows it changed. Each runs on its
 * own (autocommit), so when InnoDB picks it as a deadlock's victim it was rolled back whole and
 * is run again (batches in parallel lanes, or the product's own writes, can meet on a lock).
 */
export async function write(table: MysqlTable, sql: string, params: unknown[] = []): Promise<number> {
  const record = writeRecorder.getStore();
  if (record) return record(sql);
  for (let attempt = 1; ; attempt++) {
    try {
      const [result] = await table.pool.execute<ResultSetHeader>(sql, params as never[]);
      return result.affectedRows;
    } catch (err) {
      if ((err as { errno?: number }).errno !== ER_LOCK_DEADLOCK || attempt >= DEADLOCK_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * attempt));
    }
  }
}

/** A connection of its own, for a transaction; released (or dropped when it failed) after `use`. */
export async function withConnection<T>(pool: Pool, use: (conn: PoolConnection) => Promise<T>): Promise<T> {
  const conn = await pool.getConnection();
  try {
    return await use(conn);
  } catch (err) {
    conn.destroy(); // its state (an open transaction, a half-read stream) is not worth keeping
    throw err;
  } finally {
    conn.release();
  }
}
