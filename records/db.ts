// What every records function runs its SQL on: the engine database's pool, or one client of it
// inside a transaction.
import type { Pool, PoolClient } from 'pg';

export type Queryable = Pool | PoolClient;

/** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
export async function inTransaction<T>(db: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await db.connect();
  // A client whose connection failed is destroyed, not handed back to the pool.
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: unknown) => {
      broken = e instanceof Error ? e : new Error('rollback failed');
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
