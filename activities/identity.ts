// Where a subject is written to: the address on record for the account their claimed
// identity resolves to — never a From, Reply-To or any other address taken from the request.
import { escapeIdentifier as q } from 'pg';
import type { ActivityDeps } from './deps';
import { storePool } from './stores/postgres';
import { CASE_INSENSITIVE_IDENTITIES } from './stores/selector';
import { tableRef } from './stores/sql';

/** The stored address of the account this email resolves to, or null when none does. */
export async function addressOnRecord(deps: ActivityDeps, email: string): Promise<string | null> {
  for (const entry of deps.dataMap.collections) {
    for (const [identity, column] of Object.entries(entry.identity)) {
      if (!CASE_INSENSITIVE_IDENTITIES.has(identity)) continue;
      const { rows } = await storePool(entry.url).query<{ v: string }>(
        `SELECT t.${q(column)}::text AS v FROM ${tableRef(entry)} t WHERE lower(t.${q(column)}) = $1 LIMIT 1`,
        [email.toLowerCase()],
      );
      if (rows[0]) return rows[0].v;
    }
  }
  return null;
}

/**
 * The recipient of a request's mail. With an account: its address on record. Without one, the
 * address asked from: it learns only that nothing is held for itself, and the API's answer is
 * the same either way.
 */
export async function recipientFor(deps: ActivityDeps, claimedEmail: string): Promise<string> {
  return (await addressOnRecord(deps, claimedEmail)) ?? claimedEmail;
}
