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

export async function unlinkSubjectKeys(store: RedisStore, identities: IdentityValues): Promise<{ removed: number; remaining: number }> {
  const redis = redisClient(store.url);
  let removed = 0;
  for (const p of subjectPatterns(store, identities)) {
    const keys = await scanKeys(redis, p);
    for (let i = 0; i < keys.length; i += 500) removed += await redis.unlink(...keys.slice(i, i + 500));
  }
  return { removed, remaining: await countSubjectKeys(store, identities) };
}
