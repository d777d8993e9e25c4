// The words a person reads for the data map's names: a `label:` from the map when it gives one,
// else a default made from the name (`created_at` → "Created", `usage_logs` → "Usage logs"), and
// category codes (`user.contact.email`) in plain words through one table.

const ACRONYMS: Record<string, string> = { id: 'ID', ip: 'IP', api: 'API', url: 'URL', sms: 'SMS', vat: 'VAT', iban: 'IBAN' };

/** Words for a column, table or store name without a `label:`. */
export function defaultLabel(name: string): string {
  if (name === 'ts' || name === 'timestamp') return 'Time';
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[_\s.-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  // `created_at`, `last_used_at`: the moment something happened reads as the verb alone
  if (words.length > 1 && (words.at(-1) === 'at' || words.at(-1) === 'on')) words.pop();
  if (!words.length) return name;
  const text = words.map((w) => ACRONYMS[w] ?? w).join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Category codes in plain words. Keys are the code's last parts: `user.contact.email` and
 * `contact.email` both find `contact.email`, then `email`.
 */
const CATEGORY_WORDS: Record<string, string> = {
  'contact.email': 'Email address',
  email: 'Email address',
  'contact.phone': 'Phone number',
  phone: 'Phone number',
  'contact.address': 'Postal address',
  'contact.postal_address': 'Postal address',
  'user.name': 'Name',
  name: 'Name',
  organisation: 'Company or organisation',
  organization: 'Company or organisation',
  contract: 'Plan and contract',
  preferences: 'Settings and preferences',
  financial: 'Payments and invoices',
  communication: 'Messages between you and us',
  activity: 'What you did in our service',
  uploads: 'Files you uploaded',
  'credentials.label': 'Names you gave your keys',
  'credentials.identifier': 'Key identifier (not the key itself)',
  'credentials.hash': 'Scrambled copy of a key or password (hash)',
  credentials: 'Login details',
  'security.questions': 'Security questions',
  secrets: 'Secrets (passwords, keys)',
  account_state: 'Account status',
  timestamps: 'Dates and times',
  session: 'Sign-in sessions',
  ip_address: 'IP address (network address of your device)',
  user_agent: 'Browser and device type',
  usage_charts: 'Charts of your usage',
  location: 'Location',
  birth_date: 'Date of birth',
  health: 'Health information',
};

/** A category code in plain words: the table above, else the code's last part made readable. */
export function categoryLabel(code: string): string {
  const parts = code.split('.');
  for (let i = 0; i < parts.length; i++) {
    const words = CATEGORY_WORDS[parts.slice(i).join('.')];
    if (words) return words;
  }
  return defaultLabel(parts.at(-1) ?? code);
}

/** The language a report is written for: a BCP 47 tag Intl knows, else English. */
export function readerLanguage(lang?: string): string {
  if (!lang) return 'en';
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([lang]).length ? lang : 'en';
  } catch {
    return 'en';
  }
}

/** A date and time as the reader's language writes it, in UTC (said, so no one is misled by an hour). */
export function formatDateTime(value: Date | string, lang?: string, style: 'long' | 'medium' = 'long'): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(readerLanguage(lang), {
    dateStyle: style,
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(d);
}

/** A calendar date alone (no time), in the reader's language. */
export function formatDate(value: Date | string, lang?: string, style: 'long' | 'medium' = 'long'): string {
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return new Intl.DateTimeFormat(readerLanguage(lang), { dateStyle: style, timeZone: 'UTC' }).format(d);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Whether a stored value is an ISO 8601 date or timestamp (as JSON carries dates). */
export const isIsoDate = (v: unknown): v is string => typeof v === 'string' && ISO_DATE.test(v) && !Number.isNaN(Date.parse(v));

/** A value from a record as a person reads it: dates in their language (short enough for a table cell), a bare date without a time. */
export function readableValue(v: unknown, lang?: string): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return formatDateTime(v, lang, 'medium');
  if (isIsoDate(v)) return v.length === 10 ? formatDate(v, lang, 'medium') : formatDateTime(v, lang, 'medium');
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map((x) => readableValue(x, lang)).join(', ');
  if (typeof v === 'object')
    return Object.entries(v)
      .map(([k, x]) => `${defaultLabel(k)}: ${readableValue(x, lang)}`)
      .join('; ');
  return String(v);
}
