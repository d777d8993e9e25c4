// Which columns a processing request sets on a SQL collection, as the data map says: `onOptOut`,
// `onLimit`, `restrictColumn` (a timestamp; cleared when the restriction is lifted), and for an
// objection the `stop` entries of the purpose objected to.
import type { DataMap } from '../../schemas/datamap';
import type { CollectionEntry } from '../../schemas/datamap-graph';
import type { ProcessingChange } from '../../schemas/processing';
import { NOW, type FlagValues } from './flag-values';

export function flagsFor(map: DataMap, entry: CollectionEntry, change: ProcessingChange): FlagValues {
  const spec = entry.spec;
  switch (change.kind) {
    case 'opt_out':
      return { ...spec.onOptOut?.set };
    case 'limit':
      return { ...spec.onLimit?.set };
    case 'restrict':
      return spec.restrictColumn ? { [spec.restrictColumn]: NOW } : {};
    case 'lift_restriction':
      return spec.restrictColumn ? { [spec.restrictColumn]: null } : {};
    case 'object':
      return Object.assign(
        {},
        ...(map.purposes[change.purpose ?? '']?.stop ?? [])
          .filter((s) => s.store === entry.store && s.collection === entry.collection)
          .map((s) => s.set),
      ) as FlagValues;
  }
}
