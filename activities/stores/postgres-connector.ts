// PostgreSQL collections: rows found by bound values, read with one COPY, and `onErasure` per
// collection (delete, mask, retain, purge) through the shared SQL connector.
import { REPORT_SAMPLE_RECORDS } from '../staging';
import { distinctValues, sampleRows, storePool } from './postgres';
import { exportCollectionFiles } from './postgres-export';
import {
  countSubjectRows,
  correctSubjectColumn,
  countUnmasked,
  deleteSubjectRows,
  latestExpiry,
  maskSubjectRows,
  restrictedUntil,
  softDeleteSubjectRows,
} from './postgres-erase';
import { countFlagsUnset, setSubjectFlags } from './postgres-flags';
import { checkPostgresTable } from './postgres-schema';
import { sweepExpiredRows } from './postgres-sweep';
import { sqlConnector, type SqlBackend } from './sql-connector';

export const postgresBackend: SqlBackend<'postgres'> = {
  distinctValues: (entry, preds, columns) => distinctValues(storePool(entry.url), entry, preds, columns),

  async exportRows(entry, preds, sink, names, omit) {
    const pool = storePool(entry.url);
    const files = await exportCollectionFiles(pool, entry, preds, sink, names, omit);
    return { ...files, sample: await sampleRows(pool, entry, preds, REPORT_SAMPLE_RECORDS, omit) };
  },

  countRows: (entry, preds) => countSubjectRows(storePool(entry.url), entry, preds),
  countUnmasked: (entry, preds, mask) => countUnmasked(storePool(entry.url), entry, preds, mask),
  deleteRows: (entry, preds, hooks) => deleteSubjectRows(storePool(entry.url), entry, preds, { ...hooks }),
  maskRows: (entry, preds, opts) => maskSubjectRows(storePool(entry.url), entry, preds, opts),
  softDeleteRows: (entry, preds, set, timestampColumn) => softDeleteSubjectRows(storePool(entry.url), entry, preds, set, timestampColumn),
  latest: async (entry, preds, column) => dateOrNull((await restrictedUntil(storePool(entry.url), entry, preds, column)).latest),
  latestExpiry: async (entry, preds, timestampColumn, maxAge) =>
    dateOrNull(await latestExpiry(storePool(entry.url), entry, preds, timestampColumn, maxAge)),

  correctColumn: (entry, preds, column, value, guard) => correctSubjectColumn(storePool(entry.url), entry, preds, column, value, guard),

  setFlags: (entry, preds, set) => setSubjectFlags(storePool(entry.url), entry, preds, set),
  countFlagsUnset: (entry, preds, set) => countFlagsUnset(storePool(entry.url), entry, preds, set),

  sweepExpired: (entry, held, column, age) => sweepExpiredRows(storePool(entry.url), entry, held, column, age),
  checkSchema: (entry, needs) => checkPostgresTable(storePool(entry.url), entry, needs),
};

const dateOrNull = (v: Date | string | null) => (v === null ? null : new Date(v));

export const postgresConnector = sqlConnector(postgresBackend);
