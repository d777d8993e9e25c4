// What changed between two data maps, as `dsar datamap diff` shows it: collections (and whole
// stores: Redis, HTTP, manual, S3) added and removed, and per place kept, a changed erasure
// action, categories or retention. Read from the maps as written (no `${VAR}` needs a value);
// any other change of a place or of the map's other sections is named, never left out.

type Loose = Record<string, unknown>;

const isMapping = (v: unknown): v is Loose => !!v && typeof v === 'object' && !Array.isArray(v);
const asMapping = (v: unknown): Loose => (isMapping(v) ? v : {});

/** What deletion does where no `onErasure` says it, by store kind. */
const KIND_ACTION: Record<string, string> = { redis: 'delete', s3: 'delete', manual: 'manual task', http: 'processor call' };

interface Place {
  kind: string;
  action: string | null;
  categories: string[];
  retention: string | null;
  /** Everything the map says of the place, to notice a change the three above do not show. */
  whole: string;
}

export interface PlaceChange {
  /** `store.collection`, or the store's name for a store without collections. */
  place: string;
  action?: { from: string | null; to: string | null };
  categories?: { added: string[]; removed: string[] };
  retention?: { from: string | null; to: string | null };
  /** Something else of the place changed (fields' labels, identity, references, purposes…). */
  otherChanges?: true;
}

export interface DataMapDiff {
  added: { place: string; kind: string }[];
  removed: { place: string; kind: string }[];
  changed: PlaceChange[];
  /** Top-level sections other than `stores` that differ (identities, purposes, transfers…). */
  otherSections: string[];
}

function describeAction(erasure: unknown, kind: string): string | null {
  if (!isMapping(erasure)) return KIND_ACTION[kind] ?? null;
  const action = String(erasure.action);
  const masked = isMapping(erasure.mask)
    ? ` (${Object.entries(erasure.mask)
        .map(([col, how]) => `${col}: ${String(how)}`)
        .join(', ')})`
    : '';
  const after = typeof erasure.after === 'string' ? ` after ${erasure.after}` : '';
  return `${action}${after}${masked}`;
}

function describeRetention(retention: unknown): string | null {
  if (!isMapping(retention)) return null;
  const by = typeof retention.timestamp === 'string' ? ` by ${retention.timestamp}` : '';
  const basis = typeof retention.basis === 'string' ? ` (basis: ${retention.basis})` : '';
  return `${String(retention.maxAge)}${by}${basis}`;
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();

/** Stable text of a value, keys sorted, to compare what two maps say. */
function stable(value: unknown): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : isMapping(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort(v[k])]),
          )
        : v;
  return JSON.stringify(sort(value)) ?? 'null';
}

function placesOf(content: unknown): Map<string, Place> {
  const places = new Map<string, Place>();
  for (const [store, specValue] of Object.entries(asMapping(asMapping(content).stores))) {
    const spec = asMapping(specValue);
    const kind = String(spec.kind);
    if (isMapping(spec.collections)) {
      for (const [collection, c] of Object.entries(spec.collections)) {
        const col = asMapping(c);
        places.set(`${store}.${collection}`, {
          kind,
          action: describeAction(col.onErasure, kind),
          categories: sorted(Object.values(asMapping(col.fields)).map((f) => String(asMapping(f).category))),
          retention: describeRetention(col.retention),
          whole: stable({ ...col, url: spec.url }),
        });
      }
      continue;
    }
    places.set(store, {
      kind,
      action: describeAction(spec.onErasure, kind),
      categories: sorted(Array.isArray(spec.categories) ? spec.categories.map(String) : []),
      retention: describeRetention(spec.retention),
      whole: stable(spec),
    });
  }
  return places;
}

/** The difference from `before` to `after`, both maps' content as written (lib/datamap-version.ts hashes the same). */
export function diffDataMaps(before: unknown, after: unknown): DataMapDiff {
  const old = placesOf(before);
  const now = placesOf(after);
  const diff: DataMapDiff = { added: [], removed: [], changed: [], otherSections: [] };
  for (const [place, p] of now) if (!old.has(place)) diff.added.push({ place, kind: p.kind });
  for (const [place, p] of old) if (!now.has(place)) diff.removed.push({ place, kind: p.kind });
  for (const [place, a] of old) {
    const b = now.get(place);
    if (!b || a.whole === b.whole) continue;
    const change: PlaceChange = { place };
    if (a.action !== b.action) change.action = { from: a.action, to: b.action };
    const addedCategories = b.categories.filter((c) => !a.categories.includes(c));
    const removedCategories = a.categories.filter((c) => !b.categories.includes(c));
    if (addedCategories.length || removedCategories.length) change.categories = { added: addedCategories, removed: removedCategories };
    if (a.retention !== b.retention) change.retention = { from: a.retention, to: b.retention };
    if (!onlyShownChanged(a, b)) change.otherChanges = true;
    diff.changed.push(change);
  }
  const sections = new Set([...Object.keys(asMapping(before)), ...Object.keys(asMapping(after))]);
  sections.delete('stores');
  diff.otherSections = sorted([...sections].filter((s) => stable(asMapping(before)[s]) !== stable(asMapping(after)[s])));
  return diff;
}

/** Whether the places differ only in what the diff shows (action, categories, retention). */
function onlyShownChanged(a: Place, b: Place): boolean {
  return a.kind === b.kind && stripShown(a.whole) === stripShown(b.whole);
}

function stripShown(whole: string): string {
  const spec = JSON.parse(whole) as Loose;
  const fields = Object.fromEntries(Object.entries(asMapping(spec.fields)).map(([k, f]) => [k, { ...asMapping(f), category: undefined }]));
  return stable({ ...spec, onErasure: undefined, retention: undefined, categories: undefined, fields });
}

/** The diff as lines for people. */
export function formatDataMapDiff(diff: DataMapDiff): string[] {
  const lines: string[] = [];
  for (const a of diff.added) lines.push(`+ ${a.place} (${a.kind}): added`);
  for (const r of diff.removed) lines.push(`- ${r.place} (${r.kind}): removed`);
  for (const c of diff.changed) {
    lines.push(`~ ${c.place}:`);
    if (c.action) lines.push(`    action: ${c.action.from ?? '(none)'} → ${c.action.to ?? '(none)'}`);
    if (c.categories) {
      if (c.categories.added.length) lines.push(`    categories added: ${c.categories.added.join(', ')}`);
      if (c.categories.removed.length) lines.push(`    categories removed: ${c.categories.removed.join(', ')}`);
    }
    if (c.retention) lines.push(`    retention: ${c.retention.from ?? '(none)'} → ${c.retention.to ?? '(none)'}`);
    if (c.otherChanges) lines.push('    other changes (fields, identities, references, purposes…)');
  }
  if (diff.otherSections.length) lines.push(`~ other sections changed: ${diff.otherSections.join(', ')}`);
  if (!lines.length) lines.push('no changes');
  return lines;
}
