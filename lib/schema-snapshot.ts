// What `dsar datamap init` and `dsar datamap check` know of a live SQL schema: tables, columns,
// foreign keys and indexes. Sampled values are classified where they are read (`looks`), so no
// value itself ever leaves the introspection.

export type SampleLook = 'email' | 'ip' | 'phone';

export interface SnapshotColumn {
  name: string;
  /** The database's type name, lower-case: `text`, `character varying`, `inet`, `bigint`, `timestamp with time zone`… */
  type: string;
  /** Character columns: the declared length (`varchar(40)` → 40); null when unlimited. */
  maxLength: number | null;
  nullable: boolean;
  /** What most non-null sampled values look like, if anything personal. */
  looks: SampleLook | null;
}

export interface SnapshotTable {
  name: string;
  columns: SnapshotColumn[];
  primaryKey: string[];
}

export type OnDelete = 'cascade' | 'set null' | 'set default' | 'restrict' | 'no action';

export interface SnapshotForeignKey {
  name: string;
  table: string;
  columns: string[];
  refTable: string;
  refColumns: string[];
  onDelete: OnDelete;
}

export interface SchemaSnapshot {
  tables: SnapshotTable[];
  foreignKeys: SnapshotForeignKey[];
  /** Per table, the columns that lead an index (plain, or lower(column)). */
  indexedLeading: Record<string, string[]>;
}

export const tableOf = (s: SchemaSnapshot, name: string): SnapshotTable | undefined => s.tables.find((t) => t.name === name);
export const columnOf = (t: SnapshotTable | undefined, name: string): SnapshotColumn | undefined => t?.columns.find((c) => c.name === name);

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const IPV4 = /^(\d{1,3}\.){3}\d{1,3}(\/\d+)?$/;
const IPV6 = /^[0-9a-f:]+:[0-9a-f:]*(\/\d+)?$/i;
const PHONE = /^\+?[\d ()./-]{7,20}$/;

/** What most (≥ half) of the sampled values look like; null when nothing personal stands out. */
export function classifySample(values: string[]): SampleLook | null {
  const present = values.filter((v) => v !== '');
  if (!present.length) return null;
  const share = (re: RegExp) => present.filter((v) => re.test(v.trim())).length / present.length;
  if (share(EMAIL) >= 0.5) return 'email';
  if (Math.max(share(IPV4), share(IPV6)) >= 0.5) return 'ip';
  if (share(PHONE) >= 0.5 && present.some((v) => /\d{6,}/.test(v.replace(/\D/g, '')))) return 'phone';
  return null;
}
