// A subject's rows of one PostgreSQL collection, read once: one COPY in CSV, whose output is the
// CSV file and from which the worker renders the JSON array (copy-csv-split.ts).
import { escapeIdentifier as q, type Pool } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileDigest } from '../../schemas/workflow';
import type { ReadSink } from '../staging';
import { CopyCsvSplitter, renderingOf } from './copy-csv-split';
import { exportStatementTimeoutMs, loadSelection } from './postgres';
import type { Predicate } from './selector';
import { tableRef, type PgCollection } from './sql';

export interface CollectionFiles {
  rows: number;
  json?: FileDigest;
  csv?: FileDigest;
}

/** The archive entries to write: a JSON array, a CSV file, or both. */
export type FileNames = { json?: string; csv?: string };

/**
 * Writes a subject's rows of one collection (without the `omit` columns), in key order, into the
 * archive's staging as the files `names` asks for. The product database runs one COPY; its CSV is
 * the CSV file, and the JSON is rendered in the worker exactly as `row_to_json` would.
 */
export async function exportCollectionFiles(
  pool: Pool,
  entry: PgCollection,
  preds: Predicate[],
  sink: ReadSink,
  names: FileNames,
  omit: readonly string[] = [],
): Promise<CollectionFiles> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ; SET LOCAL statement_timeout = ${Math.floor(exportStatementTimeoutMs())}`);
    const { fields } = await client.query(`SELECT t.* FROM ${tableRef(entry)} t LIMIT 0`);
    const { rows: style } = await client.query<{ d: string }>(`SELECT current_setting('DateStyle') AS d`);
    const isoDates = style[0].d.startsWith('ISO');
    const columns = fields.filter((f) => !omit.includes(f.name));
    const renderings = columns.map((f) => renderingOf(f.dataTypeID, isoDates));
    const selected = columns.map((f) => `t.${q(f.name)}`);
    // columns whose JSON PostgreSQL must render: selected again through to_json, after the others
    const extras = columns.filter((_, i) => renderings[i] === 'extra').map((f) => `to_json(t.${q(f.name)})`);
    const where = preds.length ? await loadSelection(client, entry, preds) : 'false';
    const sql = `COPY (SELECT ${[...selected, ...extras].join(', ')} FROM ${tableRef(entry)} t WHERE ${where} ORDER BY t.${q(entry.spec.key)}) TO STDOUT WITH (FORMAT csv, HEADER true)`;

    const json = names.json ? new PassThrough({ highWaterMark: 256 * 1024 }) : null;
    const csv = names.csv ? new PassThrough({ highWaterMark: 256 * 1024 }) : null;
    const copy = client.query(copyTo(sql));
    const splitter = new CopyCsvSplitter({ names: columns.map((f) => f.name), renderings }, json, csv);
    const written = Promise.all([
      json && names.json ? sink.write(names.json, json) : undefined,
      csv && names.csv ? sink.write(names.csv, csv) : undefined,
    ]);
    try {
      const [, [jsonFile, csvFile]] = await Promise.all([pipeline(copy, splitter), written]);
      await client.query('COMMIT');
      return { rows: splitter.rows, ...(jsonFile ? { json: jsonFile } : {}), ...(csvFile ? { csv: csvFile } : {}) };
    } catch (err) {
      [copy, splitter, json, csv].forEach((s) => s?.destroy(err as Error));
      throw err;
    }
  } catch (err) {
    failed = err as Error;
    throw err;
  } finally {
    // a connection that failed mid-COPY is not reused (closing it rolls the transaction back)
    client.release(failed ?? undefined);
  }
}
