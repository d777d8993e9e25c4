// Guesses about a column or table from its name, type and what its sampled values look like:
// which category of personal data it holds (for `dsar datamap init`) and whether it looks
// personal at all (the coverage part of `dsar datamap check`). Pure: no I/O.
import type { SnapshotColumn, SnapshotTable } from './schema-snapshot';

interface Rule {
  test: (c: SnapshotColumn) => boolean;
  category: string;
  /** Personal data a map must cover (coverage); false: a category worth naming, e.g. timestamps. */
  personal: boolean;
  why: string;
}

const named = (re: RegExp) => (c: SnapshotColumn) => re.test(c.name.toLowerCase());
const isTimestamp = (c: SnapshotColumn) => /^(timestamp|date|datetime)/.test(c.type);
const isText = (c: SnapshotColumn) => /char|text|string|citext/.test(c.type);

/** First match wins: the more specific rules come first. */
const RULES: Rule[] = [
  {
    test: named(/(^|_)(password|passwd|pwd|secret|token|api_?key)(_|$)|_hash$|^hash$|digest/),
    category: 'user.credentials.hash',
    personal: true,
    why: 'name says token, secret or hash',
  },
  {
    test: (c) => c.looks === 'email' || named(/e_?mail/)(c),
    category: 'contact.email',
    personal: true,
    why: 'e-mail by name or sampled values',
  },
  {
    test: (c) => c.type === 'inet' || c.type === 'cidr' || c.looks === 'ip' || named(/(^|_)ip(_|$)|ip_?addr/)(c),
    category: 'device.ip_address',
    personal: true,
    why: 'IP address by type, name or sampled values',
  },
  { test: named(/user_?agent|(^|_)ua$/), category: 'device.user_agent', personal: true, why: 'name says user agent' },
  {
    test: (c) => c.looks === 'phone' || named(/phone|mobile|(^|_)tel(_|$)|fax/)(c),
    category: 'contact.phone',
    personal: true,
    why: 'phone number by name or sampled values',
  },
  {
    test: named(/(street|address|addr|city|zip|postal|postcode)/),
    category: 'contact.address',
    personal: true,
    why: 'name says postal address',
  },
  { test: named(/birth|(^|_)dob(_|$)/), category: 'user.date_of_birth', personal: true, why: 'name says date of birth' },
  {
    test: named(/(^|_)(first_?|last_?|full_?|sur|given_?|display_?|billing_|user_?)?name$/),
    category: 'user.name',
    personal: true,
    why: "name says a person's name",
  },
  { test: named(/company|organi[sz]ation|employer/), category: 'user.organisation', personal: false, why: 'name says organisation' },
  { test: named(/amount|price|cents|total|balance|iban|card/), category: 'user.financial', personal: false, why: 'name says money' },
  {
    test: named(/(^|_)(subject|body|message|comment|note|notes|text|content)$/),
    category: 'user.communication',
    personal: false,
    why: 'name says message text',
  },
  { test: named(/opt_?(in|out)|consent|preference/), category: 'user.preferences', personal: false, why: 'name says a choice' },
  { test: isTimestamp, category: 'system.timestamps', personal: false, why: 'a timestamp or date' },
];

export interface CategoryGuess {
  category: string;
  why: string;
}

/** A suggested category for a column; null when nothing is recognised (init writes a TODO then). */
export function guessCategory(column: SnapshotColumn): CategoryGuess | null {
  const rule = RULES.find((r) => r.test(column));
  return rule ? { category: rule.category, why: rule.why } : null;
}

/** Why a column looks personal (for coverage); null when it does not. */
export function personalReason(column: SnapshotColumn): string | null {
  const rule = RULES.find((r) => r.test(column));
  if (!rule?.personal) return null;
  if (rule.category === 'user.name' && !isText(column)) return null;
  return rule.why;
}

export type TableKind = 'log' | 'financial' | 'other';

/** Log-like tables are deleted on erasure; invoice/payment-like ones are kept for a legal duty. */
export function tableKind(table: SnapshotTable): TableKind {
  const n = table.name.toLowerCase();
  if (/invoice|billing|payment|transaction|receipt|order|ledger|tax/.test(n)) return 'financial';
  if (/log|event|audit|usage|activity|history|session|visit|click|request/.test(n)) return 'log';
  return 'other';
}

/** The column a retention rule would count from: a timestamp, preferring the row's own moment. */
export function retentionTimestamp(table: SnapshotTable): string | null {
  const stamps = table.columns.filter(isTimestamp).map((c) => c.name);
  const preferred = ['ts', 'timestamp', 'occurred_at', 'issued_at', 'created_at', 'inserted_at'];
  return preferred.find((p) => stamps.includes(p)) ?? stamps.find((s) => !/deleted|restricted|revoked|updated/.test(s)) ?? null;
}

/** The singular name of a table for an identity (`accounts` → `account_id`). */
export function identityNameFor(table: string, key: string): string {
  const singular = table.replace(/ies$/, 'y').replace(/s$/, '');
  return `${singular}_${key}`;
}
