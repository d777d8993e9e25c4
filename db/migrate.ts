import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool, QueryConfig } from 'pg';

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Serialises concurrent migrators (API and worker starting together).
const MIGRATION_LOCK = 7_311_001;
// Migrations may take longer than the statement and lock timeouts the engine's pools set (a large
// index, waiting for another process's migrations): they run without them, and the client-side
// limit on an unanswered query is raised for them to the largest timer Node allows.
const NO_CLIENT_LIMIT = 2 ** 31 - 1;
const unbounded = (text: string, values?: unknown[]) => ({ text, values, query_timeout: NO_CLIENT_LIMIT }) as QueryConfig;

/** Applies the SQL files in db/migrations in name order, each once, each in a transaction. */
export async function migrate(pool: Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SET statement_timeout = 0; SET lock_timeout = 0');
    await client.query(unbounded('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]));
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
    for (const file of files) {
      if (done.has(file)) continue;
      const sql = await readFile(path.join(dir, file), 'utf8');
      await client.query('BEGIN');
      try {
        await client.query(unbounded(sql));
        await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
        await client.query('COMMIT');
        applied.push(file);
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file} failed: ${(err as Error).message}`, { cause: err });
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    const reset = await client.query('RESET statement_timeout; RESET lock_timeout').then(
      () => undefined,
      (err: unknown) => (err instanceof Error ? err : new Error('reset failed')),
    );
    client.release(reset);
  }
  return applied;
}
