// What `dsar datamap init` and `check` run: introspection of a live database, the draft, the
// check and its text form. Loaded only by those commands.
import { closeMysqlPools, mysqlPool } from '../activities/stores/mysql';
import { introspectMysql } from '../activities/stores/mysql-introspect';
import { closeStorePools, storePool } from '../activities/stores/postgres';
import { introspectPostgres } from '../activities/stores/postgres-introspect';
import { checkDataMap } from '../activities/stores/datamap-check';
import { draftDataMap, DraftError, type DraftOptions } from '../lib/datamap-draft';
import { checkResult, type DataMapCheckResult, type Finding } from '../schemas/datamap-check';
import { DataMapError } from '../schemas/datamap';
import { loadDataMap } from '../schemas/datamap-load';
import { CliError } from './errors';

export async function draftFromUrl(url: string, opts: Omit<DraftOptions, 'kind'>): Promise<string> {
  const kind = /^mysql:/.test(url) ? 'mysql' : /^postgres(ql)?:/.test(url) ? 'postgres' : null;
  if (!kind) throw new CliError('--url must be a postgres://… or mysql://… URL');
  try {
    const snapshot = kind === 'postgres' ? await introspectPostgres(storePool(url)) : await introspectMysql(mysqlPool(url));
    if (!snapshot.tables.length) throw new CliError('the database has no tables to draft a map from');
    return draftDataMap(snapshot, { ...opts, kind });
  } catch (err) {
    if (err instanceof DraftError) throw new CliError(err.message);
    throw err;
  } finally {
    await closeStorePools();
    await closeMysqlPools();
  }
}

export async function checkMapFiles(spec: string, env: Record<string, string | undefined>): Promise<DataMapCheckResult> {
  let map;
  try {
    map = await loadDataMap(spec, env);
  } catch (err) {
    // an invalid map is a result like any other (one error per path), so --json stays JSON for CI
    if (!(err instanceof DataMapError)) throw err;
    return checkResult(err.issues.map((i) => ({ severity: 'error', kind: 'map', path: i.path, message: i.message })));
  }
  try {
    return await checkDataMap(map);
  } finally {
    await closeStorePools();
    await closeMysqlPools();
  }
}

const line = (f: Finding) => `  ${f.path}: ${f.message}`;

export function formatCheck(r: DataMapCheckResult): string {
  const parts = [
    r.errors.length ? `errors (${r.errors.length}):\n${r.errors.map(line).join('\n')}` : '',
    r.warnings.length ? `warnings (${r.warnings.length}):\n${r.warnings.map(line).join('\n')}` : '',
    r.errors.length
      ? `data map check failed: ${r.errors.length} error(s), ${r.warnings.length} warning(s)`
      : `data map check passed${r.warnings.length ? ` with ${r.warnings.length} warning(s)` : ''}`,
  ];
  return parts.filter(Boolean).join('\n');
}
