// The idempotency_keys table: a client's Idempotency-Key (or a mail's Message-ID) per channel,
// bound to the request it created and the hash of the body that created it.
import type { Channel } from '../schemas/request';
import type { Queryable } from './db';
import { storedRequestColumns, toStoredRequest, type StoredRequest } from './requests';

export async function idempotencyKeyExists(db: Queryable, channel: Channel, key: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM idempotency_keys WHERE channel = $1 AND key = $2', [channel, key]);
  return !!rowCount;
}

/** Binds the key to the request; false when the key is already bound. */
export async function claimIdempotencyKey(
  db: Queryable,
  k: { channel: Channel; key: string; bodyHash: string; requestId: string },
): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO idempotency_keys (channel, key, body_hash, request_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
    [k.channel, k.key, k.bodyHash, k.requestId],
  );
  return !!rowCount;
}

/** The request a key is bound to, and the hash of the body it was first sent with. */
export async function findRequestByIdempotencyKey(
  db: Queryable,
  channel: Channel,
  key: string,
): Promise<{ request: StoredRequest; bodyHash: string } | null> {
  const { rows } = await db.query(
    `SELECT ${storedRequestColumns('r')}, k.body_hash
       FROM idempotency_keys k JOIN requests r ON r.id = k.request_id WHERE k.channel = $1 AND k.key = $2`,
    [channel, key],
  );
  return rows[0] ? { request: toStoredRequest(rows[0]), bodyHash: rows[0].body_hash } : null;
}
