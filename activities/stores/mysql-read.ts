// Reading a subject's rows out of MySQL: distinct values for resolution, and the archive's files,
// streamed (the driver pauses the connection while the files catch up, so a subject's history is
// never held in memory) from one consistent snapshot.
import type { Connection as CoreConnection, FieldPacket } from 'mysql2';
import type { ReadSink } from '../staging';
import { REPORT_SAMPLE_RECORDS } from '../staging';
import { and, openTable, select, subjectWhere, withConnection, type MyCollection, type MysqlTable } from './mysql';
import { RowsAsCsv, RowsAsJsonArray } from './row-formats';
import type { Predicate } from './selector';
import type { ExportedRows } from './sql-connector';

/** Distinct values (as text) of `columns` in a subject's rows (for `provides` and `references`). */
export async function distinctValues(entry: MyCollection, preds: Predicate[], columns: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (!preds.length) return out;
  const table = await openTable(entry);
  for (const column of columns) {
    const c = table.col(column);
    const w = and(subjectWhere(table, preds), { sql: `${c} IS NOT NULL`, params: [] });
    const rows = await select<{ v: string }>(table, `SELECT DISTINCT CAST(${c} AS CHAR) AS v FROM ${table.ref} WHERE ${w.sql}`, w.params);
    out[column] = rows.map((r) => String(r.v));
  }
  return out;
}

/** `table.*`, or the table's columns but `omit` (fields never disclosed) when there are any. */
async function disclosedColumns(table: MysqlTable, omit: readonly string[]): Promise<string> {
  if (!omit.length) return `${table.ref}.*`;
  const [, fields] = await table.pool.query(`SELECT * FROM ${table.ref} LIMIT 0`);
  return (fields as FieldPacket[])
    .map((f) => f.name)
    .filter((name) => !omit.includes(name))
    .map((name) => table.col(name))
    .join(', ');
}

/**
 * One query in key order, in a REPEATABLE READ transaction started WITH CONSISTENT SNAPSHOT,
 * feeds both files (and the report's sample) as it streams, so all three hold the same rows.
 */
export async function exportSubjectRows(
  entry: MyCollection,
  preds: Predicate[],
  sink: ReadSink,
  names: { json?: string; csv?: string },
  omit: readonly string[] = [],
): Promise<ExportedRows> {
  const table = await openTable(entry);
  const w = subjectWhere(table, preds);
  const selected = await disclosedColumns(table, omit);
  return withConnection(table.pool, async (conn) => {
    await conn.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const core = conn.connection as unknown as CoreConnection;
    let columns: string[] = [];
    const json = new RowsAsJsonArray(REPORT_SAMPLE_RECORDS);
    const csv = new RowsAsCsv(() => columns);
    const rows = core
      .execute(`SELECT ${selected} FROM ${table.ref} WHERE ${w.sql} ORDER BY ${table.col(entry.spec.key)}`, w.params as never)
      .stream();
    rows.once('fields', (fields: FieldPacket[]) => (columns = fields.map((f) => f.name)));
    // a connection lost mid-stream fails the read (the driver reports it on the connection only)
    const lost = (err: Error) => rows.destroy(err);
    core.on('error', lost);
    rows.once('error', (err) => [json, csv].forEach((s) => s.destroy(err)));
    // the JSON renderer also counts the rows and keeps the report's sample: it runs even when no JSON file is kept
    rows.pipe(json);
    if (names.csv) rows.pipe(csv);
    if (!names.json) json.resume();
    try {
      const [jsonFile, csvFile] = await Promise.all([
        names.json ? sink.write(names.json, json) : undefined,
        names.csv ? sink.write(names.csv, csv) : undefined,
      ]);
      await conn.query('COMMIT');
      return { rows: json.rows, ...(jsonFile ? { json: jsonFile } : {}), ...(csvFile ? { csv: csvFile } : {}), sample: json.sample };
    } catch (err) {
      [rows, json, csv].forEach((s) => s.destroy());
      throw err;
    } finally {
      core.off('error', lost);
    }
  });
}
