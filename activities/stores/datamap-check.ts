// `dsar datamap check` and the worker's start-up check: the data map against its live SQL stores.
// Tables, columns and privileges (schema-check.ts), then from a snapshot of each store's schema:
// erase order against the real foreign keys, reference cycles, masks and soft-deletes that must
// fit their columns, indexes for lookups (with the planner's estimate), and coverage — where the
// map misses personal data. Other stores are checked for reachability only.
import { escapeIdentifier } from 'pg';
import type { Finding, DataMapCheckResult } from '../../schemas/datamap-check';
import { checkResult } from '../../schemas/datamap-check';
import { addressKey, type CollectionEntry, type CompiledDataMap } from '../../schemas/datamap-graph';
import {
  actionFindings,
  coverageFindings,
  cycleFindings,
  eraseOrderFindings,
  indexNeeds,
  isIndexed,
  todoFindings,
  type IndexNeed,
} from '../../lib/datamap-rules';
import type { SchemaSnapshot } from '../../lib/schema-snapshot';
import { classifyError } from '../failures';
import { mysqlPool } from './mysql';
import { introspectMysql } from './mysql-introspect';
import { storePool } from './postgres';
import { estimateLookup, introspectPostgres } from './postgres-introspect';
import { checkStoreSchemas } from './schema-check';
import { CASE_INSENSITIVE_IDENTITIES } from './selector';

const splitProblem = (p: string): { path: string; message: string } => {
  const at = p.indexOf(': ');
  return at < 0 ? { path: '(stores)', message: p } : { path: p.slice(0, at), message: p.slice(at + 2) };
};

export async function checkDataMap(map: CompiledDataMap): Promise<DataMapCheckResult> {
  const findings: Finding[] = [...todoFindings(map.source)];
  const unreachable = new Set<string>(map.unreachable);
  for (const key of map.unreachable) {
    const [store, collection] = key.split('.');
    findings.push({
      severity: 'error',
      kind: 'reachability',
      path: `stores.${store}.collections.${collection}`,
      message: 'no identity or reference chain reaches it, so no request would find a subject there; add identity or references',
    });
  }
  for (const w of map.warnings)
    if (!map.unreachable.some((k) => w.startsWith(`${k}:`))) findings.push({ severity: 'warning', kind: 'map', ...splitProblem(w) });

  const schemas = await checkStoreSchemas(map);
  for (const p of schemas.problems) {
    const { path, message } = splitProblem(p);
    findings.push({ severity: 'error', kind: /lacks/.test(message) ? 'privilege' : 'existence', path, message });
  }
  const offline = new Set<string>();
  for (const w of schemas.warnings) {
    const { path, message } = splitProblem(w);
    offline.add(path.replace(/^stores\./, ''));
    findings.push({ severity: 'warning', kind: 'unreachable_store', path, message });
  }

  const byStore = new Map<string, CollectionEntry[]>();
  for (const c of map.collections) byStore.set(c.store, [...(byStore.get(c.store) ?? []), c]);
  const levelOf = (e: CollectionEntry) => map.eraseOrder.findIndex((level) => level.some((t) => addressKey(t) === addressKey(e)));
  for (const [store, entries] of byStore) {
    if (offline.has(store) || schemas.problems.some((p) => p.startsWith(`stores.${store}: `))) continue;
    try {
      const snapshot = await snapshotOf(entries[0]);
      findings.push(...entries.flatMap((e) => actionFindings(e, snapshot)));
      findings.push(...eraseOrderFindings(entries, snapshot, levelOf));
      findings.push(...cycleFindings(entries, snapshot));
      findings.push(...coverageFindings(store, entries, snapshot));
      const ci = (identity: string) => entries[0].kind === 'postgres' && CASE_INSENSITIVE_IDENTITIES.has(identity);
      const needs = indexNeeds(
        entries.filter((e) => !unreachable.has(addressKey(e))),
        (e) => map.referencedColumns(e),
        ci,
      ).filter((n) => snapshot.tables.some((t) => t.name === n.table && t.columns.some((c) => c.name === n.column)));
      for (const need of needs.filter((n) => !isIndexed(snapshot, n))) findings.push(await indexFinding(entries[0], need));
    } catch (err) {
      const c = classifyError(err);
      findings.push({
        severity: 'warning',
        kind: 'unreachable_store',
        path: `stores.${store}`,
        message: `its schema could not be read (${c.errorClass}), so erase order, indexes, masks and coverage were not checked`,
      });
    }
  }
  return checkResult(findings);
}

/** The schema of the store's database (PostgreSQL: the collections' schema, `public` by default). */
function snapshotOf(entry: CollectionEntry): Promise<SchemaSnapshot> {
  return entry.kind === 'postgres'
    ? introspectPostgres(storePool(entry.url), entry.schema ?? 'public')
    : introspectMysql(mysqlPool(entry.url), entry.schema);
}

async function indexFinding(entry: CollectionEntry, need: IndexNeed): Promise<Finding> {
  const lower = /^lower\((.+)\)$/.exec(need.expression);
  const quote = entry.kind === 'postgres' ? escapeIdentifier : (s: string) => `\`${s.replace(/`/g, '``')}\``;
  const on = lower ? `lower(${quote(lower[1])})` : quote(need.expression);
  const statement = `CREATE INDEX ${entry.kind === 'postgres' ? 'CONCURRENTLY ' : ''}${quote(`${need.table}_${need.column}_dsar`)} ON ${quote(need.table)} (${on});`;
  let estimate = '';
  if (entry.kind === 'postgres') {
    const e = await estimateLookup(storePool(entry.url), entry.schema ?? 'public', need.table, need.expression);
    if (e)
      estimate = `; the planner now estimates a ${e.scan} of ${e.rows === null ? 'a never-analysed table' : `~${e.rows} rows`} (cost ${e.cost.toFixed(0)}) per lookup`;
  }
  return {
    severity: 'warning',
    kind: 'index',
    path: need.path,
    message: `no index leads with ${need.expression} (${need.why}), so every request scans ${need.table}${estimate}. Run: ${statement}`,
  };
}
