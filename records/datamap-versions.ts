// The datamap_versions table: the content of each data map version a worker or the API started with.
import type { CompiledDataMap } from '../schemas/datamap-graph';
import type { Queryable } from './db';

/** Stores a version's content once (the first process to start with it records itself). */
export async function saveDataMapVersion(db: Queryable, v: { version: string; content: unknown; seenBy: 'worker' | 'api' }): Promise<void> {
  await db.query('INSERT INTO datamap_versions (version, content, first_seen_by) VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING', [
    v.version,
    JSON.stringify(v.content),
    v.seenBy,
  ]);
}

/** A version's content as stored; null when no process ever started with it. */
export async function loadDataMapVersionContent(db: Queryable, version: string): Promise<unknown> {
  const { rows } = await db.query<{ content: unknown }>('SELECT content FROM datamap_versions WHERE version = $1', [version]);
  return rows[0]?.content ?? null;
}

/** At a worker's or the API's start: stores the version of the map it runs with (a map built in code has none). */
export async function recordStartingDataMap(db: Queryable, map: CompiledDataMap, seenBy: 'worker' | 'api'): Promise<void> {
  if (map.origin) await saveDataMapVersion(db, { version: map.origin.version, content: map.origin.content, seenBy });
}
