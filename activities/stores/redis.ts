// Redis connector: a subject's keys by pattern per identity (caches, sessions), found with
// SCAN (never KEYS) and removed with UNLINK.
import Redis from 'ioredis';
import type { RedisStore } from '../../schemas/datamap';
import type { IdentityValues } from './selector';

const clients = new Map<string, Redis>();

export function redisClient(url: string): Redis {
  let c = clients.get(url);
  if (!c) {
    c = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    c.on('error', () => undefined); // surfaced on the next command; Temporal retries the activity
    clients.set(url, c);
  }
  return c;
}

export async function closeRedisClients(): Promise<void> {
  await Promise.all([...clients.values()].map((c) => c.quit().catch(() => c.disconnect())));
  clients.clear();
}

/** Glob-escapes a value so an identity can never widen a pattern. */
const globEscape = (v: string) => v.replace(/[*?[\]\\]/g, (c) => `\\${c}`);

/** The concrete SCAN patterns for a subject: one per pattern and identity value. */
export function subjectPatterns(store: RedisStore, identities: IdentityValues): string[] {
  const out: string[] = [];
  for (const pattern of store.keys) {
    const names = [...pattern.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
    let expanded = [pattern];
    for (const name of new Set(names)) {
      const values = identities[name] ?? [];
      expanded = expanded.flatMap((p) => values.map((v) => p.split(`{${name}}`).join(globEscape(v))));
    }
    out.push(...expanded);
  }
  return out;
}

export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

export async function countSubjectKeys(store: RedisStore, identities: IdentityValues): Promise<number> {
  const redis = redisClient(store.url);
  let n = 0;
  for (const p of subjectPatterns(store, identities)) n += (await scanKeys(redis, p)).length;
  return n;
}

/**
 * Removes the subject's keys, 500 per UNLINK. `tally` (erasure) is told how many distinct keys
 * are due before the first UNLINK, and how many each one removed.
 */
export async function unlinkSubjectKeys(
  store: RedisStore,
  identities: IdentityValues,
  tally?: { start(due: number): Promise<void>; batch(removed: number): Promise<void> },
): Promise<{ removed: number; remaining: number }> {
  const redis = redisClient(store.url);
  const keys = new Set<string>();
  for (const p of subjectPatterns(store, identities)) for (const key of await scanKeys(redis, p)) keys.add(key);
  await tally?.start(keys.size);
  const all = [...keys];
  let removed = 0;
  for (let i = 0; i < all.length; i += 500) {
    const n = await redis.unlink(...all.slice(i, i + 500));
    removed += n;
    await tally?.batch(n);
  }
  return { removed, remaining: await countSubjectKeys(store, identities) };
}

/** One key as the archive shows it: its type, its value in that type's shape, and its time to live. */
export interface KeyRecord {
  key: string;
  type: string;
  /** Seconds left, or null when the key does not expire. */
  ttlSeconds: number | null;
  value: unknown;
}

async function keyValue(redis: Redis, key: string, type: string): Promise<unknown> {
  switch (type) {
    case 'string':
      return redis.get(key);
    case 'hash':
      return redis.hgetall(key);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'set':
      return (await redis.smembers(key)).sort();
    case 'zset': {
      const flat = await redis.zrange(key, 0, -1, 'WITHSCORES');
      const out: { member: string; score: number }[] = [];
      for (let i = 0; i < flat.length; i += 2) out.push({ member: flat[i], score: Number(flat[i + 1]) });
      return out;
    }
    case 'stream':
      return redis.xrange(key, '-', '+');
    default:
      return null; // a key gone between SCAN and TYPE ("none"), or a module type
  }
}

/** The subject's keys with their values, one at a time (a key's value is read when it is written out). */
export async function* subjectKeyRecords(store: RedisStore, identities: IdentityValues): AsyncGenerator<KeyRecord> {
  const redis = redisClient(store.url);
  const seen = new Set<string>();
  for (const p of subjectPatterns(store, identities)) {
    for (const key of (await scanKeys(redis, p)).sort()) {
      if (seen.has(key)) continue;
      seen.add(key);
      const type = await redis.type(key);
      if (type === 'none') continue;
      const [value, ttl] = await Promise.all([keyValue(redis, key, type), redis.ttl(key)]);
      yield { key, type, ttlSeconds: ttl >= 0 ? ttl : null, value };
    }
  }
}
