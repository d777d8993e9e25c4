// Storing an accepted request, whatever the channel (self-service, inbox, admin): the
// per-subject limit, the deadline, idempotency keys and corrections, in one transaction.
import { randomUUID } from 'node:crypto';
import { canonicalJson } from '../lib/canonical-json';
import { sha256Hex } from '../lib/hash';
import { computeDeadline } from '../schemas/deadline';
import { IDEMPOTENCY_KEY_HEADER, type Channel, type RequestIntake } from '../schemas/request';
import type { ApiDeps } from './deps';
import { ApiError, unprocessable } from './errors';
import { REQUEST_COLUMNS, type RequestRow } from './views';

/** Stores a request (idempotently by key); returns the stored row and whether it existed. */
export async function createRequest(
  deps: ApiDeps,
  intake: RequestIntake,
  channel: Channel,
  key?: string,
  preVerified = false,
): Promise<{ row: RequestRow; replayed: boolean }> {
  const bodyHash = sha256Hex(canonicalJson(intake));
  const client = await deps.engineDb.connect();
  try {
    await client.query('BEGIN');
    const id = randomUUID();
    // Serialise intake per subject, so the per-subject limit holds under concurrent requests.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [sha256Hex(intake.email)]);
    const recent = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM requests WHERE subject_hash = $1 AND received_at > now() - interval '1 day'",
      [sha256Hex(intake.email)],
    );
    const replay = key ? await client.query('SELECT 1 FROM idempotency_keys WHERE channel = $1 AND key = $2', [channel, key]) : null;
    if (!replay?.rowCount && recent.rows[0].n >= deps.config.SUBJECT_REQUESTS_PER_DAY) {
      throw new ApiError(429, 'rate_limited', 'too many requests for this subject today; try again tomorrow', [
        { path: 'email', message: 'daily limit reached' },
      ]);
    }
    const deadline = computeDeadline(new Date(), intake.jurisdiction ?? deps.config.DEFAULT_JURISDICTION, deps.config.RESPONSE_DAYS);
    const { rows } = await client.query<RequestRow>(
      `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, legal_due_at, jurisdiction, pre_verified)
       VALUES ($1, $2, $3, 'received', $4, $5, $6, $7, $8, $9, $10)
       RETURNING ${REQUEST_COLUMNS}`,
      [
        id,
        intake.type,
        channel,
        intake.email,
        sha256Hex(intake.email),
        deadline.receivedAt,
        deadline.dueAt,
        deadline.legalDueAt,
        deadline.jurisdiction,
        preVerified,
      ],
    );
    for (const [field, value] of Object.entries(intake.corrections ?? {})) {
      await client.query('INSERT INTO request_corrections (request_id, field, new_value) VALUES ($1, $2, $3)', [id, field, value]);
    }
    if (key) {
      const claimed = await client.query(
        'INSERT INTO idempotency_keys (channel, key, body_hash, request_id) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [channel, key, bodyHash, id],
      );
      if (!claimed.rowCount) {
        await client.query('ROLLBACK');
        const prior = await client.query<RequestRow & { body_hash: string }>(
          `SELECT ${REQUEST_COLUMNS.split(', ')
            .map((c) => `r.${c}`)
            .join(', ')}, k.body_hash
             FROM idempotency_keys k JOIN requests r ON r.id = k.request_id WHERE k.channel = $1 AND k.key = $2`,
          [channel, key],
        );
        if (prior.rows[0].body_hash !== bodyHash) {
          throw unprocessable(`headers.${IDEMPOTENCY_KEY_HEADER}`, 'this key was already used for a different request');
        }
        return { row: prior.rows[0], replayed: true };
      }
    }
    await client.query('COMMIT');
    return { row: rows[0], replayed: false };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
