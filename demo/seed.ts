// Seeds the demo product database with deterministic sample data (no randomness: the same
// seed gives the same rows, so tests and demos are repeatable).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pool } from 'pg';

export interface DemoAccount {
  email: string;
  name: string;
  usageRows: number;
}

/** The accounts printed by `npm start` for people to try. */
export const DEMO_ACCOUNTS: DemoAccount[] = [
  { email: 'alice@example.com', name: 'Alice Martin', usageRows: 5000 },
  { email: 'bob@example.com', name: 'Bob Keller', usageRows: 1200 },
  { email: 'carol@example.com', name: 'Carol Diaz', usageRows: 40 },
];

export async function applyDemoSchema(pool: Pool): Promise<void> {
  await pool.query(await readFile(path.join(__dirname, 'schema.sql'), 'utf8'));
}

export interface SeedOptions {
  /** Generated accounts besides the named demo accounts. */
  extraAccounts?: number;
  /** Usage rows for each generated account. */
  usagePerExtraAccount?: number;
}

/** Inserts the demo accounts and many generated ones, unless accounts already exist. */
export async function seedDemo(pool: Pool, opts: SeedOptions = {}): Promise<{ seeded: boolean }> {
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM accounts');
  if (Number(rows[0].n) > 0) return { seeded: false };
  const extra = opts.extraAccounts ?? 200;
  const usagePerExtra = opts.usagePerExtraAccount ?? 50;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const a of DEMO_ACCOUNTS) {
      const {
        rows: [acc],
      } = await client.query<{ id: string }>(
        `INSERT INTO accounts (email, name, company, plan, created_at)
         VALUES ($1, $2, $3, 'pro', now() - interval '400 days') RETURNING id`,
        [a.email, a.name, `${a.name.split(' ')[1]} GmbH`],
      );
      await addAccountData(client, acc.id, a.usageRows);
    }
    const { rows: generated } = await client.query<{ id: string }>(
      `INSERT INTO accounts (email, name, company, plan, created_at)
       SELECT 'user' || g || '@example.net', 'User ' || g, CASE WHEN g % 3 = 0 THEN 'Company ' || g END,
              (ARRAY['free','pro','team'])[1 + g % 3], now() - make_interval(days => 10 + g % 700)
       FROM generate_series(1, $1::int) g RETURNING id`,
      [extra],
    );
    for (const g of generated) await addAccountData(client, g.id, usagePerExtra);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
  return { seeded: true };
}

type Queryable = Pick<Pool, 'query'>;

/** API keys, usage logs, invoices and tickets for one account, all derived from its id. */
export async function addAccountData(db: Queryable, accountId: string | number, usageRows: number): Promise<void> {
  await db.query(
    `INSERT INTO api_keys (account_id, label, key_prefix, key_hash, created_at, last_used_at)
     SELECT $1::bigint, label, 'sk_live_' || substr(md5($1::text || label), 1, 6),
            encode(sha256(convert_to('raw-key-' || $1::text || '-' || label, 'UTF8')), 'hex'),
            now() - interval '200 days', now() - interval '1 day'
     FROM unnest(ARRAY['production', 'staging']) AS label`,
    [accountId],
  );
  await addUsageRows(db, accountId, usageRows);
  await db.query(
    `INSERT INTO billing_records (account_id, invoice_number, billing_email, billing_name, amount_cents, issued_at)
     SELECT a.id, 'INV-' || a.id || '-' || m, a.email, a.name, 1900 + (a.id % 5) * 1000,
            date_trunc('month', now()) - make_interval(months => m)
     FROM accounts a, generate_series(0, 11) m WHERE a.id = $1::bigint`,
    [accountId],
  );
  await db.query(
    `INSERT INTO support_tickets (account_id, subject, body, created_at)
     SELECT $1::bigint, 'Question ' || t, 'Ticket ' || t || ' about rate limits on account ' || $1::text, now() - make_interval(days => t * 20)
     FROM generate_series(1, 2) t`,
    [accountId],
  );
}

/** Usage rows spread over the last 120 days (so some are past the 90-day retention). */
export async function addUsageRows(db: Queryable, accountId: string | number, rows: number): Promise<void> {
  if (rows <= 0) return;
  await db.query(
    `INSERT INTO usage_logs (account_id, ts, method, endpoint, status, latency_ms, ip, user_agent)
     SELECT $1::bigint, now() - make_interval(secs => (g::bigint * 7919 % 10368000)::double precision),
            (ARRAY['GET','POST','DELETE'])[1 + g % 3],
            (ARRAY['/v1/charts','/v1/charts/render','/v1/datasets','/v1/usage'])[1 + g % 4],
            (ARRAY[200,200,200,201,400,429])[1 + g % 6], 5 + g % 400,
            ('10.' || ($1::bigint % 250) || '.' || (g % 250) || '.' || (g % 7 + 1))::inet,
            (ARRAY['curl/8.5.0','chartkit-python/2.1','Mozilla/5.0'])[1 + g % 3]
     FROM generate_series(1, $2::int) g`,
    [accountId, rows],
  );
}
