// The public option keys of the self-service pages: the page names a correctable field, a purpose
// or a place by an opaque key, never by the store, table or column it stands for. A key is an HMAC
// of the name under the deployment's signing secret, so it is stable across restarts and cannot be
// guessed from a likely column name. Intake turns a key back into its name (names still work).
import { createHmac } from 'node:crypto';
import type { RequestIntake } from '../schemas/request';

export type OptionKind = 'field' | 'purpose' | 'place';

/** `k_` + 16 hex characters: also a valid field or purpose name, so the intake schema takes it as is. */
export const optionKey = (secret: string, kind: OptionKind, name: string): string =>
  `k_${createHmac('sha256', secret).update(`self-service option\n${kind}\n${name}`).digest('hex').slice(0, 16)}`;

export const placeKey = (secret: string, store: string, collection: string): string =>
  optionKey(secret, 'place', `${store}\u0000${collection}`);

/** Turns the page's keys back into the map's names: corrections' fields and an objection's purpose. */
export function resolveOptionKeys(
  secret: string,
  intake: RequestIntake,
  fields: Iterable<string>,
  purposes: Iterable<string>,
): RequestIntake {
  const byKey = (kind: OptionKind, names: Iterable<string>) => new Map([...names].map((n) => [optionKey(secret, kind, n), n]));
  const out = { ...intake };
  if (intake.corrections) {
    const fieldOf = byKey('field', fields);
    out.corrections = Object.fromEntries(Object.entries(intake.corrections).map(([k, v]) => [fieldOf.get(k) ?? k, v]));
  }
  if (intake.purpose) out.purpose = byKey('purpose', purposes).get(intake.purpose) ?? intake.purpose;
  return out;
}
