// At worker start: does every table and column the data map names exist in its live SQL store,
// and may the store's role do what each collection's actions need? A mismatch would fail every
// request that reaches the collection, so the worker refuses to start, naming each path. A
// store that cannot be reached is only a warning: it may come back, and its steps are retried.
import type { CollectionEntry, CompiledDataMap } from '../../schemas/datamap-graph';
import { classifyError } from '../failures';
import { sqlBackendFor } from './registry';

export type TablePrivilege = 'SELECT' | 'UPDATE' | 'DELETE';

/** What the engine will do with a collection's table: the columns it names and the privileges it uses, each with why. */
export interface TableNeeds {
  columns: Map<string, string>;
  privileges: Map<TablePrivilege, string>;
}

export function tableNeeds(map: CompiledDataMap, entry: CollectionEntry): TableNeeds {
  const columns = new Map<string, string>();
  const privileges = new Map<TablePrivilege, string>([['SELECT', 'reads']]);
  const need = (column: string | undefined, why: string) => column && !columns.has(column) && columns.set(column, why);
  const spec = entry.spec;
  need(spec.key, 'key');
  Object.values(entry.identity).forEach((c) => need(c, 'identity'));
  Object.values(entry.provides).forEach((c) => need(c, 'provides'));
  entry.references.forEach((r) => need(r.column, 'references'));
  map.referencedColumns(entry).forEach((c) => need(c, 'referenced by another collection'));
  need(spec.retention?.timestamp, 'retention.timestamp');
  const residence = map.source.jurisdictionFrom;
  if (residence?.store === entry.store && residence.collection === entry.collection) need(residence.column, 'jurisdictionFrom');
  if (spec.retention) privileges.set('DELETE', 'the retention sweep');
  const erasure = spec.onErasure ?? { action: 'delete' as const };
  const byErasure = `onErasure: ${erasure.action}`;
  if (erasure.action === 'delete') privileges.set('DELETE', byErasure);
  if (erasure.action === 'mask' || erasure.action === 'retain') {
    Object.keys(erasure.mask ?? {}).forEach((c) => need(c, 'onErasure.mask'));
    if (erasure.action === 'retain') need(erasure.restrictColumn, 'onErasure.restrictColumn');
    if (Object.keys(erasure.mask ?? {}).length || (erasure.action === 'retain' && erasure.restrictColumn))
      privileges.set('UPDATE', byErasure);
  }
  if (erasure.action === 'purge') {
    Object.keys(erasure.softDelete.set).forEach((c) => need(c, 'onErasure.softDelete.set'));
    need(erasure.softDelete.timestamp, 'onErasure.softDelete.timestamp');
    privileges.set('UPDATE', byErasure).set('DELETE', byErasure);
  }
  const correctable = Object.entries(spec.fields).filter(([, f]) => f.correctable);
  correctable.forEach(([c]) => need(c, 'fields (correctable)'));
  if (correctable.length && !privileges.has('UPDATE')) privileges.set('UPDATE', 'correction');
  // the rights that change processing: the columns they set, and UPDATE to set them
  const processing: [string[], string][] = [
    [Object.keys(spec.onOptOut?.set ?? {}), 'onOptOut.set'],
    [Object.keys(spec.onLimit?.set ?? {}), 'onLimit.set'],
    [spec.restrictColumn ? [spec.restrictColumn] : [], 'restrictColumn'],
    ...Object.entries(map.source.purposes).map(([purpose, p]): [string[], string] => [
      p.stop.filter((x) => x.store === entry.store && x.collection === entry.collection).flatMap((x) => Object.keys(x.set)),
      `purposes.${purpose}.stop`,
    ]),
  ];
  for (const [cols, why] of processing) {
    cols.forEach((c) => need(c, why));
    if (cols.length && !privileges.has('UPDATE')) privileges.set('UPDATE', why);
  }
  return { columns, privileges };
}

export interface SchemaCheck {
  /** `stores.<store>.collections.<collection>: …` for each table, column or privilege missing. */
  problems: string[];
  /** Stores that could not be reached (not checked). */
  warnings: string[];
}

export async function checkStoreSchemas(map: CompiledDataMap): Promise<SchemaCheck> {
  const problems: string[] = [];
  const warnings: string[] = [];
  const byStore = new Map<string, CollectionEntry[]>();
  for (const c of map.collections) byStore.set(c.store, [...(byStore.get(c.store) ?? []), c]);
  await Promise.all(
    [...byStore].map(async ([store, entries]) => {
      for (const entry of entries) {
        try {
          const found = await sqlBackendFor(entry).checkSchema(entry, tableNeeds(map, entry));
          problems.push(...found.map((p) => `stores.${store}.collections.${entry.collection}: ${p}`));
        } catch (err) {
          const c = classifyError(err);
          if (!c.retryable) {
            problems.push(`stores.${store}: ${c.errorClass}: ${c.reason}`);
          } else {
            warnings.push(`stores.${store}: not reachable at start (${c.errorClass}), its tables were not checked`);
          }
          return; // one answer per store: the same failure would repeat for each collection
        }
      }
    }),
  );
  return { problems: problems.sort(), warnings };
}
