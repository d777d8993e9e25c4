// Where a subject is written to: the address on record for the account their claimed
// identity resolves to — never a From, Reply-To or any other address taken from the request.
import type { ActivityDeps } from './deps';
import { operationOf } from './stores/registry';
import { NO_SUBJECT } from './stores/resolve';
import { CASE_INSENSITIVE_IDENTITIES } from './stores/selector';

/** The stored address of the account this email resolves to, or null when none does. */
export async function addressOnRecord(deps: ActivityDeps, email: string): Promise<string | null> {
  for (const entry of deps.dataMap.collections) {
    for (const [identity, column] of Object.entries(entry.identity)) {
      if (!CASE_INSENSITIVE_IDENTITIES.has(identity)) continue;
      // the stored spelling of the address, found case-insensitively in whichever SQL store holds it
      const found = await operationOf(entry, 'resolve')(
        { deps, node: entry, subject: NO_SUBJECT },
        [{ column, caseInsensitive: true, values: [email.toLowerCase()] }],
        [column],
      );
      const stored = found[column]?.sort()[0];
      if (stored) return stored;
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
