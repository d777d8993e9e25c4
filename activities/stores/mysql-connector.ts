// MySQL and MariaDB collections: rows found by bound values, streamed out of one snapshot, and
// `onErasure` per collection (delete, mask, retain, purge) through the shared SQL connector.
import { mysqlPool, openTable } from './mysql';
import { checkMysqlTable } from './mysql-schema';
import {
  correctColumn,
  countSubjectRows,
  countUnmasked,
  deleteSubjectRows,
  latestExpiry,
  latestOf,
  maskSubjectRows,
  softDeleteSubjectRows,
} from './mysql-erase';
import { countFlagsUnset, setSubjectFlags } from './mysql-flags';
import { distinctValues, exportSubjectRows } from './mysql-read';
import { sweepExpiredRows } from './mysql-sweep';
import { sqlConnector, type SqlBackend } from './sql-connector';

export const mysqlBackend: SqlBackend<'mysql'> = {
  distinctValues,
  exportRows: exportSubjectRows,
  countRows: async (entry, preds) => countSubjectRows(await openTable(entry), preds),
  countUnmasked: async (entry, preds, mask) => countUnmasked(await openTable(entry), preds, mask),
  async deleteRows(entry, preds, hooks) {
    const table = await openTable(entry);
    await hooks?.onStart?.(await countSubjectRows(table, preds));
    return deleteSubjectRows(table, preds, undefined, hooks?.onBatch);
  },
  maskRows: async (entry, preds, opts) => maskSubjectRows(await openTable(entry), preds, opts),
  softDeleteRows: async (entry, preds, set, timestampColumn) => softDeleteSubjectRows(await openTable(entry), preds, set, timestampColumn),
  latest: async (entry, preds, column) => latestOf(await openTable(entry), preds, column),
  latestExpiry: async (entry, preds, timestampColumn, maxAge) => latestExpiry(await openTable(entry), preds, timestampColumn, maxAge),
  correctColumn: async (entry, preds, column, value, guard) => correctColumn(await openTable(entry), preds, column, value, guard),
  setFlags: async (entry, preds, set) => setSubjectFlags(await openTable(entry), preds, set),
  countFlagsUnset: async (entry, preds, set) => countFlagsUnset(await openTable(entry), preds, set),
  sweepExpired: sweepExpiredRows,
  checkSchema: (entry, needs) => checkMysqlTable(mysqlPool(entry.url), entry, needs),
};

export const mysqlConnector = sqlConnector(mysqlBackend);
