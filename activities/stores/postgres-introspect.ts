// A PostgreSQL schema as `dsar datamap init` and `check` see it: tables, columns, foreign keys,
// the leading expression of each index, and what a few sampled values of each text column look
// like (classified here; the values themselves go nowhere). And the planner's estimate of a
// lookup, for the warning about a missing index.
import { escapeIdentifier as q, type Pool } from 'pg';
import {
  classifySample,
  type OnDelete,
  type SchemaSnapshot,
  type SnapshotColumn,
  type SnapshotForeignKey,
  type SnapshotTable,
} from '../../lib/schema-snapshot';

export const SAMPLE_ROWS = 20;

const ON_DELETE: Record<string, OnDelete> = { a: 'no action', r: 'restrict', c: 'cascade', n: 'set null', d: 'set default' };

/** `lower((email)::text)` → `lower(email)`; `"Email"` → `Email`. */
export const normaliseIndexExpression = (s: string) =>
  s
    .replace(/::[a-z ]+/gi, '')
    .replace(/"/g, '')
    .replace(/\(\(([^()]+)\)\)/g, '($1)')
    .replace(/\s+/g, '')
    .replace(/^\((.*)\)$/, '$1');

export async function introspectPostgres(pool: Pool, schema = 'public'): Promise<SchemaSnapshot> {
  const { rows: cols } = await pool.query<{ t: string; c: string; type: string; len: number | null; nullable: boolean }>(
    `SELECT c.table_name AS t, c.column_name AS c, lower(c.data_type) AS type, c.character_maximum_length AS len,
            c.is_nullable = 'YES' AS nullable
       FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`,
    [schema],
  );
  const { rows: cons } = await pool.query<{
    name: string;
    type: string;
    t: string;
    cols: string[];
    ref: string | null;
    refcols: string[] | null;
    del: string;
  }>(
    `SELECT con.conname AS name, con.contype AS type, cl.relname AS t,
            array(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
            rc.relname AS ref,
            array(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                    JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) AS refcols,
            con.confdeltype AS del
       FROM pg_constraint con JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
       LEFT JOIN pg_class rc ON rc.oid = con.confrelid
      WHERE n.nspname = $1 AND con.contype IN ('p', 'f') ORDER BY con.conname`,
    [schema],
  );
  const { rows: idx } = await pool.query<{ t: string; lead: string }>(
    `SELECT cl.relname AS t, pg_get_indexdef(i.indexrelid, 1, true) AS lead
       FROM pg_index i JOIN pg_class cl ON cl.oid = i.indrelid JOIN pg_namespace n ON n.oid = cl.relnamespace
      WHERE n.nspname = $1`,
    [schema],
  );
  const tables = new Map<string, SnapshotTable>();
  for (const r of cols) {
    const table = tables.get(r.t) ?? { name: r.t, columns: [], primaryKey: [] };
    tables.set(r.t, table);
    table.columns.push({ name: r.c, type: r.type, maxLength: r.len, nullable: r.nullable, looks: null });
  }
  const foreignKeys: SnapshotForeignKey[] = [];
  for (const c of cons) {
    if (c.type === 'p' && tables.has(c.t)) tables.get(c.t)!.primaryKey = c.cols;
    if (c.type === 'f' && c.ref)
      foreignKeys.push({
        name: c.name,
        table: c.t,
        columns: c.cols,
        refTable: c.ref,
        refColumns: c.refcols ?? [],
        onDelete: ON_DELETE[c.del] ?? 'no action',
      });
  }
  const indexedLeading: Record<string, string[]> = {};
  for (const r of idx) (indexedLeading[r.t] ??= []).push(normaliseIndexExpression(r.lead));
  for (const table of tables.values()) await classifyColumns(pool, schema, table);
  return { tables: [...tables.values()], foreignKeys, indexedLeading };
}

const sampled = (c: SnapshotColumn) => /char|text/.test(c.type);

/** A few non-null values of each text column, classified (email, IP, phone) and dropped. */
async function classifyColumns(pool: Pool, schema: string, table: SnapshotTable): Promise<void> {
  const textColumns = table.columns.filter(sampled);
  if (!textColumns.length) return;
  try {
    const { rows } = await pool.query<Record<string, string | null>>(
      `SELECT ${textColumns.map((c) => `${q(c.name)}::text`).join(', ')} FROM ${q(schema)}.${q(table.name)} LIMIT ${SAMPLE_ROWS}`,
    );
    for (const c of textColumns) c.looks = classifySample(rows.map((r) => r[c.name]).filter((v): v is string => v !== null));
  } catch {
    // no SELECT on the table: judged by name and type only
  }
}

export interface LookupEstimate {
  scan: string;
  /** The table's estimated row count (pg_class.reltuples); null when never analysed. */
  rows: number | null;
  cost: number;
}

/** The planner's generic plan for finding one subject's rows by `expression`. */
export async function estimateLookup(pool: Pool, schema: string, table: string, expression: string): Promise<LookupEstimate | null> {
  const lower = /^lower\((.+)\)$/.exec(expression);
  const target = lower ? `lower(${q(lower[1])})` : q(expression);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
    await client.query(`PREPARE dsar_datamap_check AS SELECT 1 FROM ${q(schema)}.${q(table)} t WHERE ${target} = $1`);
    const { rows } = await client.query<{ 'QUERY PLAN': { Plan: Record<string, unknown> }[] }>(
      `EXPLAIN (FORMAT JSON) EXECUTE dsar_datamap_check(NULL)`,
    );
    const plan = rows[0]['QUERY PLAN'][0].Plan;
    const { rows: size } = await client.query<{ n: string }>(`SELECT reltuples::bigint AS n FROM pg_class WHERE oid = to_regclass($1)`, [
      `${q(schema)}.${q(table)}`,
    ]);
    const n = Number(size[0]?.n ?? -1);
    return { scan: String(plan['Node Type']), rows: n < 0 ? null : n, cost: Number(plan['Total Cost']) };
  } catch {
    return null;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    // a prepared statement outlives the transaction: the pooled session must not keep it
    await client.query('DEALLOCATE dsar_datamap_check').catch(() => undefined);
    client.release();
  }
}
