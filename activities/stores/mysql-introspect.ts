// A MySQL/MariaDB schema as `dsar datamap init` and `check` see it (information_schema): tables,
// columns, foreign keys, the leading column of each index, and what a few sampled values of each
// text column look like (classified here; the values go nowhere). Indexes on expressions are not
// read: MySQL compares case-insensitively by collation, so a plain index serves e-mail lookups.
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { classifySample, type OnDelete, type SchemaSnapshot, type SnapshotForeignKey, type SnapshotTable } from '../../lib/schema-snapshot';
import { q } from './mysql';
import { SAMPLE_ROWS } from './postgres-introspect';

export async function introspectMysql(pool: Pool, database: string | null = null): Promise<SchemaSnapshot> {
  const db = [database];
  const [cols] = await pool.query<RowDataPacket[]>(
    `SELECT c.TABLE_NAME AS t, c.COLUMN_NAME AS c, LOWER(c.DATA_TYPE) AS type, c.CHARACTER_MAXIMUM_LENGTH AS len,
            c.IS_NULLABLE = 'YES' AS nullable, c.COLUMN_KEY = 'PRI' AS pk
       FROM information_schema.COLUMNS c JOIN information_schema.TABLES t
         ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
      WHERE c.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND t.TABLE_TYPE = 'BASE TABLE'
      ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION`,
    db,
  );
  const [fks] = await pool.query<RowDataPacket[]>(
    `SELECT k.CONSTRAINT_NAME AS name, k.TABLE_NAME AS t, k.COLUMN_NAME AS c, k.REFERENCED_TABLE_NAME AS ref,
            k.REFERENCED_COLUMN_NAME AS refc, LOWER(r.DELETE_RULE) AS del
       FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
         ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
      WHERE k.TABLE_SCHEMA = COALESCE(?, DATABASE()) AND k.REFERENCED_TABLE_NAME IS NOT NULL
      ORDER BY k.CONSTRAINT_NAME, k.ORDINAL_POSITION`,
    db,
  );
  const [idx] = await pool.query<RowDataPacket[]>(
    `SELECT TABLE_NAME AS t, COLUMN_NAME AS c FROM information_schema.STATISTICS
      WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND SEQ_IN_INDEX = 1 AND COLUMN_NAME IS NOT NULL`,
    db,
  );
  const tables = new Map<string, SnapshotTable>();
  for (const r of cols) {
    const name = String(r.t);
    const table = tables.get(name) ?? { name, columns: [], primaryKey: [] };
    tables.set(name, table);
    table.columns.push({
      name: String(r.c),
      type: String(r.type),
      maxLength: r.len === null ? null : Number(r.len),
      nullable: !!Number(r.nullable),
      looks: null,
    });
    if (Number(r.pk)) table.primaryKey.push(String(r.c));
  }
  const byName = new Map<string, SnapshotForeignKey>();
  for (const r of fks) {
    const key = `${r.t}.${r.name}`;
    const fk = byName.get(key) ?? {
      name: String(r.name),
      table: String(r.t),
      columns: [],
      refTable: String(r.ref),
      refColumns: [],
      onDelete: String(r.del) as OnDelete,
    };
    fk.columns.push(String(r.c));
    fk.refColumns.push(String(r.refc));
    byName.set(key, fk);
  }
  const indexedLeading: Record<string, string[]> = {};
  for (const r of idx) (indexedLeading[String(r.t)] ??= []).push(String(r.c));
  for (const table of tables.values()) {
    const text = table.columns.filter((c) => /char|text/.test(c.type));
    if (!text.length) continue;
    const from = database ? `${q(database)}.${q(table.name)}` : q(table.name);
    try {
      const [rows] = await pool.query<RowDataPacket[]>(`SELECT ${text.map((c) => q(c.name)).join(', ')} FROM ${from} LIMIT ${SAMPLE_ROWS}`);
      for (const c of text) c.looks = classifySample(rows.map((r) => r[c.name]).filter((v): v is string => typeof v === 'string'));
    } catch {
      // no SELECT on the table: judged by name and type only
    }
  }
  return { tables: [...tables.values()], foreignKeys: [...byName.values()], indexedLeading };
}
