// PostgreSQL collections: rows found by bound values, read with COPY, and `onErasure` per
// collection (delete, mask, retain, purge) through the shared SQL connector.
import { escapeIdentifier as q } from 'pg';
import { REPORT_SAMPLE_RECORDS } from '../staging';
import { distinctValues, exportCollectionFiles, sampleRows, storePool } from './postgres';
import {
  countSubjectRows,
  countUnmasked,
  deleteSubjectRows,
  latestExpiry,
  maskSubjectRows,
  restrictedUntil,
  softDeleteSubjectRows,
} from './postgres-erase';
import { checkPostgresTable } from './postgres-schema';
import { sweepExpiredRows } from './postgres-sweep';
import { sqlConnector, type SqlBackend } from './sql-connector';
import { subjectWhere, tableRef } from './sql';

export const postgresBackend: SqlBackend<'postgres'> = {
  distinctValues: (entry, preds, columns) => distinctValues(storePool(entry.url), entry, preds, columns),

  async exportRows(entry, preds, sink, names) {
    const pool = storePool(entry.url);
    const files = await exportCollectionFiles(pool, entry, preds, sink, names);
    return { ...files, sample: await sampleRows(pool, entry, preds, REPORT_SAMPLE_RECORDS) };
  },

  countRows: (entry, preds) => countSubjectRows(storePool(entry.url), entry, preds),
  countUnmasked: (entry, preds, mask) => countUnmasked(storePool(entry.url), entry, preds, mask),
  deleteRows: (entry, preds, onBatch) => deleteSubjectRows(storePool(entry.url), entry, preds, { onBatch }),
  maskRows: (entry, preds, opts) => maskSubjectRows(storePool(entry.url), entry, preds, opts),
  softDeleteRows: (entry, preds, set, timestampColumn) => softDeleteSubjectRows(storePool(entry.url), entry, preds, set, timestampColumn),
  latest: async (entry, preds, column) => dateOrNull((await restrictedUntil(storePool(entry.url), entry, preds, column)).latest),
  latestExpiry: async (entry, preds, timestampColumn, maxAge) =>
    dateOrNull(await latestExpiry(storePool(entry.url), entry, preds, timestampColumn, maxAge)),

  async correctColumn(entry, preds, column, value) {
    const pool = storePool(entry.url);
    const table = tableRef(entry);
    const w = subjectWhere(preds, 2);
    const col = `t.${q(column)}`;
    const old = await pool.query<{ v: string | null }>(
      `SELECT DISTINCT ${col}::text AS v FROM ${table} t WHERE ${w.sql} AND ${col} IS DISTINCT FROM $1`,
      [value, ...w.params],
    );
    const r = await pool.query(`UPDATE ${table} t SET ${q(column)} = $1 WHERE ${w.sql} AND ${col} IS DISTINCT FROM $1`, [
      value,
      ...w.params,
    ]);
    return { rows: r.rowCount ?? 0, old: old.rows.map((o) => o.v ?? '') };
  },

  sweepExpired: (entry, held, column, age) => sweepExpiredRows(storePool(entry.url), entry, held, column, age),
  checkSchema: (entry, needs) => checkPostgresTable(storePool(entry.url), entry, needs),
};

const dateOrNull = (v: Date | string | null) => (v === null ? null : new Date(v));

export const postgresConnector = sqlConnector(postgresBackend);
