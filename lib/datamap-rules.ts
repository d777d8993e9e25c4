// The checks of `dsar datamap check` that need only the map and a snapshot of the live schema:
// erase order against the real foreign keys, reference cycles, masks and soft-delete values that
// must fit their columns, coverage, leftover TODOs, and which columns need an index. Pure: no I/O.
import type { CollectionEntry } from '../schemas/datamap-graph';
import type { Finding } from '../schemas/datamap-check';
import { personalReason } from './datamap-guess';
import { columnOf, tableOf, type SchemaSnapshot, type SnapshotColumn, type SnapshotForeignKey } from './schema-snapshot';

export const pathOf = (e: { store: string; collection: string }) => `stores.${e.store}.collections.${e.collection}`;

const MASKED_HASH_LENGTH = 'sha256:'.length + 64;
const REDACTED_LENGTH = '[redacted]'.length;

const isTextType = (c: SnapshotColumn) => /char|text|citext|string/.test(c.type);
const isTimestampType = (c: SnapshotColumn) => /^(timestamp|date|datetime)/.test(c.type);
const isNumericType = (c: SnapshotColumn) => /int|numeric|decimal|real|double|float|serial/.test(c.type);
const isBooleanType = (c: SnapshotColumn) => /^(boolean|bool|tinyint)/.test(c.type);
const fkText = (fk: SnapshotForeignKey) => `${fk.table}(${fk.columns.join(', ')}) → ${fk.refTable}(${fk.refColumns.join(', ')})`;
const erasureOf = (e: CollectionEntry) => e.spec.onErasure ?? { action: 'delete' as const };
const frees = (fk: SnapshotForeignKey) => fk.onDelete === 'cascade' || fk.onDelete === 'set null' || fk.onDelete === 'set default';

/** Does a mask of this kind fit the column? The problem, or null. */
export function maskProblem(kind: 'hash' | 'null' | 'redact', column: SnapshotColumn): string | null {
  if (kind === 'null') return column.nullable ? null : `mask "null" cannot be written: column "${column.name}" is NOT NULL`;
  const length = kind === 'hash' ? MASKED_HASH_LENGTH : REDACTED_LENGTH;
  if (!isTextType(column)) return `mask "${kind}" writes text, but column "${column.name}" is ${column.type}`;
  if (column.maxLength !== null && column.maxLength < length)
    return `mask "${kind}" writes ${length} characters, but column "${column.name}" holds at most ${column.maxLength} (${column.type}(${column.maxLength}))`;
  return null;
}

/** Can a soft-delete write this value into the column? The problem, or null. */
export function valueProblem(value: string | number | boolean | null, column: SnapshotColumn): string | null {
  const where = `column "${column.name}" (${column.type})`;
  if (value === null) return column.nullable ? null : `null cannot be written: ${where} is NOT NULL`;
  if (typeof value === 'boolean' && !isBooleanType(column)) return `${value} is a boolean, but ${where} is not`;
  if (typeof value === 'number' && !isNumericType(column)) return `${value} is a number, but ${where} is not`;
  if (typeof value === 'string' && isTextType(column) && column.maxLength !== null && value.length > column.maxLength)
    return `"${value}" has ${value.length} characters, but ${where} holds at most ${column.maxLength}`;
  if (typeof value === 'string' && (isNumericType(column) || isBooleanType(column))) return `"${value}" is text, but ${where} is not`;
  return null;
}

/** Masks, retain and purge against the columns they write. */
export function actionFindings(entry: CollectionEntry, snapshot: SchemaSnapshot): Finding[] {
  const table = tableOf(snapshot, entry.table);
  if (!table) return []; // reported by the existence check
  const at = pathOf(entry);
  const out: Finding[] = [];
  const error = (kind: Finding['kind'], path: string, message: string) => out.push({ severity: 'error', kind, path, message });
  const timestampColumn = (name: string | undefined, path: string) => {
    const c = name ? columnOf(table, name) : undefined;
    if (c && !isTimestampType(c)) error('retention', path, `column "${c.name}" is ${c.type}, not a timestamp`);
  };
  const erasure = erasureOf(entry);
  if (erasure.action === 'mask' || erasure.action === 'retain') {
    for (const [column, kind] of Object.entries(erasure.mask ?? {})) {
      const c = columnOf(table, column);
      const problem = c && maskProblem(kind, c);
      if (problem) error('mask', `${at}.onErasure.mask.${column}`, problem);
    }
  }
  if (erasure.action === 'retain') {
    if (!entry.spec.retention?.timestamp)
      error('retention', `${at}.retention`, 'retain needs retention.timestamp, the moment the kept rows are counted from');
    timestampColumn(entry.spec.retention?.timestamp, `${at}.retention.timestamp`);
    timestampColumn(erasure.restrictColumn, `${at}.onErasure.restrictColumn`);
  } else if (entry.spec.retention) {
    timestampColumn(entry.spec.retention.timestamp, `${at}.retention.timestamp`);
  }
  if (erasure.action === 'purge') {
    const set = Object.entries(erasure.softDelete.set);
    if (!set.length && !erasure.softDelete.timestamp)
      error(
        'purge',
        `${at}.onErasure.softDelete`,
        'purge needs a soft-delete: columns to set or a timestamp, or the rows stay active for the grace period',
      );
    for (const [column, value] of set) {
      const c = columnOf(table, column);
      const problem = c && valueProblem(value, c);
      if (problem) error('purge', `${at}.onErasure.softDelete.set.${column}`, problem);
    }
    timestampColumn(erasure.softDelete.timestamp, `${at}.onErasure.softDelete.timestamp`);
  }
  if (entry.spec.restrictColumn) timestampColumn(entry.spec.restrictColumn, `${at}.restrictColumn`);
  return out;
}

/**
 * Foreign keys against the planned erase order: deleting a parent's rows fails while a row that
 * references it remains — a child erased later (or at the same step), kept (retain, mask), or not
 * in the map. `levelOf` gives a collection's step in the erase order (children first).
 */
export function eraseOrderFindings(
  entries: CollectionEntry[],
  snapshot: SchemaSnapshot,
  levelOf: (e: CollectionEntry) => number,
): Finding[] {
  const byTable = new Map(entries.map((e) => [e.table, e]));
  const out: Finding[] = [];
  for (const fk of snapshot.foreignKeys) {
    const parent = byTable.get(fk.refTable);
    if (!parent || fk.table === fk.refTable || frees(fk)) continue;
    const parentAction = erasureOf(parent).action;
    if (parentAction !== 'delete' && parentAction !== 'purge') continue;
    const child = byTable.get(fk.table);
    const blocks = (why: string) =>
      out.push({
        severity: 'error',
        kind: 'erase_order',
        path: child ? pathOf(child) : pathOf(parent),
        message: `foreign key ${fkText(fk)} blocks erasing ${fk.refTable} (onErasure: ${parentAction}): ${why}`,
      });
    if (!child) {
      blocks(`table ${fk.table} is not in the map, so its rows stay; map it, or make the key ON DELETE CASCADE or SET NULL`);
      continue;
    }
    const childErasure = erasureOf(child);
    if (childErasure.action === 'retain' || childErasure.action === 'mask') {
      const nulled = fk.columns.every((c) => childErasure.mask?.[c] === 'null');
      if (!nulled)
        blocks(`${fk.table} keeps its rows (onErasure: ${childErasure.action}); mask ${fk.columns.join(', ')} as null, or change the key`);
      continue;
    }
    if (childErasure.action === 'purge' && parentAction === 'delete') {
      blocks(`${fk.table} is only soft-deleted (purge) when ${fk.refTable} is deleted`);
      continue;
    }
    if (childErasure.action === 'delete' && levelOf(child) >= levelOf(parent))
      blocks(
        `the map erases ${fk.table} at step ${levelOf(child) + 1}, not before ${fk.refTable} (step ${levelOf(parent) + 1}); declare references: { ${fk.columns[0]}: ${parent.collection}.${fk.refColumns[0]} } on ${child.collection}`,
      );
  }
  return out;
}

/** Cycles of foreign keys (that neither cascade nor set null) among the mapped tables: no order can erase them. */
export function cycleFindings(entries: CollectionEntry[], snapshot: SchemaSnapshot): Finding[] {
  const mapped = new Map(entries.map((e) => [e.table, e]));
  const edges = new Map<string, string[]>();
  for (const fk of snapshot.foreignKeys) {
    if (fk.table === fk.refTable || frees(fk) || !mapped.has(fk.table) || !mapped.has(fk.refTable)) continue;
    edges.set(fk.table, [...(edges.get(fk.table) ?? []), fk.refTable]);
  }
  const seen = new Set<string>();
  const out: Finding[] = [];
  const walk = (table: string, trail: string[]) => {
    for (const next of edges.get(table) ?? []) {
      const at = trail.indexOf(next);
      if (at >= 0) {
        const cycle = trail.slice(at);
        const key = [...cycle].sort().join(',');
        if (seen.has(key)) continue;
        seen.add(key);
        const first = cycle.reduce((a, b) => (a < b ? a : b));
        const start = cycle.indexOf(first);
        const ordered = [...cycle.slice(start), ...cycle.slice(0, start), first];
        out.push({
          severity: 'error',
          kind: 'cycle',
          path: pathOf(mapped.get(first)!),
          message: `reference cycle ${ordered.join(' → ')} (foreign keys): no erase order deletes each table's rows before those they reference; make one key ON DELETE SET NULL or CASCADE`,
        });
      } else {
        walk(next, [...trail, next]);
      }
    }
  };
  for (const table of [...edges.keys()].sort()) walk(table, [table]);
  return out;
}

/** Every column a collection's map entry names. */
function namedColumns(e: CollectionEntry): Set<string> {
  const erasure = erasureOf(e);
  return new Set(
    [
      e.spec.key,
      ...Object.keys(e.spec.fields),
      ...Object.values(e.identity),
      ...Object.values(e.provides),
      ...e.references.map((r) => r.column),
      e.spec.retention?.timestamp,
      e.spec.restrictColumn,
      ...(erasure.action === 'mask' || erasure.action === 'retain' ? Object.keys(erasure.mask ?? {}) : []),
      ...(erasure.action === 'purge' ? [...Object.keys(erasure.softDelete.set), erasure.softDelete.timestamp] : []),
    ].filter((c): c is string => !!c),
  );
}

/**
 * Where answers would be incomplete: columns of mapped tables that look personal but the map
 * does not name (warnings), and tables with a foreign key to a mapped table that the map does
 * not cover at all (errors: their rows are never exported or erased).
 */
export function coverageFindings(store: string, entries: CollectionEntry[], snapshot: SchemaSnapshot): Finding[] {
  const out: Finding[] = [];
  const mapped = new Map(entries.map((e) => [e.table, e]));
  for (const e of entries) {
    const table = tableOf(snapshot, e.table);
    if (!table) continue;
    const named = namedColumns(e);
    for (const column of table.columns) {
      const why = !named.has(column.name) && personalReason(column);
      if (why)
        out.push({
          severity: 'warning',
          kind: 'coverage',
          path: `${pathOf(e)}.fields.${column.name}`,
          message: `unmapped column "${column.name}" looks personal (${why}); list it under fields so answers describe it`,
        });
    }
  }
  const reported = new Set<string>();
  for (const fk of snapshot.foreignKeys) {
    if (mapped.has(fk.table) || !mapped.has(fk.refTable) || reported.has(fk.table)) continue;
    reported.add(fk.table);
    out.push({
      severity: 'error',
      kind: 'coverage',
      path: `stores.${store}.collections.${fk.table}`,
      message: `unmapped table ${fk.table} has a foreign key ${fkText(fk)} to a mapped collection: access and deletion answers would miss its rows; add it to the map`,
    });
  }
  return out;
}

/** An index a read or batched delete needs: on `expression` (a column, or lower(column)). */
export interface IndexNeed {
  path: string;
  table: string;
  expression: string;
  column: string;
  why: string;
}

/** Identity columns (lower(…) for case-insensitive ones), reference columns and referenced columns. */
export function indexNeeds(
  entries: CollectionEntry[],
  referenced: (e: CollectionEntry) => string[],
  caseInsensitive: (identity: string) => boolean,
): IndexNeed[] {
  const out = new Map<string, IndexNeed>();
  const need = (e: CollectionEntry, column: string, lower: boolean, why: string, path: string) => {
    const expression = lower ? `lower(${column})` : column;
    const key = `${e.table}.${expression}`;
    if (!out.has(key)) out.set(key, { path, table: e.table, expression, column, why });
  };
  for (const e of entries) {
    for (const [identity, column] of Object.entries(e.identity))
      need(e, column, caseInsensitive(identity), `identity ${identity}`, `${pathOf(e)}.identity.${identity}`);
    for (const r of e.references) need(e, r.column, false, `reference to ${r.target.collection}`, `${pathOf(e)}.references.${r.column}`);
    for (const column of referenced(e)) need(e, column, false, 'referenced by another collection', `${pathOf(e)}.key`);
  }
  return [...out.values()];
}

/** Whether an index leads with the needed expression. */
export const isIndexed = (snapshot: SchemaSnapshot, need: IndexNeed) =>
  (snapshot.indexedLeading[need.table] ?? []).includes(need.expression);

/** Values still `TODO` (as `dsar datamap init` writes them): the map is a draft until a human fills them. */
export function todoFindings(value: unknown, path: string[] = []): Finding[] {
  if (typeof value === 'string')
    return /^TODO\b/.test(value.trim())
      ? [
          {
            severity: 'error',
            kind: 'todo',
            path: path.join('.'),
            message: 'still TODO: a guess of `dsar datamap init` waits for a human to confirm it',
          },
        ]
      : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => todoFindings(v, [...path, String(i)]));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [
      ...(k === 'TODO'
        ? [{ severity: 'error' as const, kind: 'todo' as const, path: [...path, k].join('.'), message: 'still TODO: name the column' }]
        : []),
      ...todoFindings(v, [...path, k]),
    ]);
  return [];
}
