// What is never disclosed in an access or export archive: security credentials, secrets and
// security questions (CCPA §7024(d); GDPR Art. 15(4): a copy must not adversely affect the rights
// of others, and handing out a password hash or an API-key hash puts the account at risk).
// A field is withheld when its spec says `disclose: false`, or when its category matches a
// never-disclosed category (the defaults below plus the map's `neverDisclosed`) and the spec does
// not say `disclose: true`. The archive says which fields were withheld and why, never their values.
import { z } from 'zod';

/** A category, or a category prefix ending in `.*` (`user.credentials.*` matches `user.credentials.hash`). */
export const CategoryPattern = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?$/, 'must be a dotted category, optionally ending in .* (user.credentials.*)');

/** Never disclosed in any deployment, whatever the map adds. */
export const DEFAULT_NEVER_DISCLOSED = ['user.credentials.*', 'user.authentication.*', 'user.security_questions.*', 'system.secrets.*'];

export function categoryMatches(pattern: string, category: string): boolean {
  if (!pattern.endsWith('.*')) return pattern === category;
  const prefix = pattern.slice(0, -2);
  return category === prefix || category.startsWith(`${prefix}.`);
}

export interface WithheldField {
  field: string;
  category: string;
  reason: string;
}

const CREDENTIALS_REASON = 'security credentials and secrets are never disclosed (CCPA §7024(d), GDPR Art. 15(4))';

/** The fields of a collection an archive leaves out, each with why. */
export function withheldFields(
  fields: Record<string, { category: string; disclose?: boolean }>,
  neverDisclosed: readonly string[] = [],
): WithheldField[] {
  const patterns = [...DEFAULT_NEVER_DISCLOSED, ...neverDisclosed];
  const out: WithheldField[] = [];
  for (const [field, spec] of Object.entries(fields)) {
    if (spec.disclose === true) continue;
    const pattern = patterns.find((p) => categoryMatches(p, spec.category));
    if (spec.disclose === false) out.push({ field, category: spec.category, reason: 'marked never to be disclosed in the data map' });
    else if (pattern) out.push({ field, category: spec.category, reason: `category ${pattern}: ${CREDENTIALS_REASON}` });
  }
  return out;
}
