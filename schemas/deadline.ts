// The response deadline rules (pure, and free of zod: this module is bundled into workflow
// code). All dates are UTC instants; the calendar arithmetic is done on UTC calendar days.

export const JURISDICTIONS = ['policy', 'gdpr', 'ccpa'] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** The company's own response promise, which may be stricter than the law. */
export const POLICY_DAYS_DEFAULT = 30;

export interface Deadline {
  /** The label the request is filed under (see primaryJurisdiction). */
  jurisdiction: Jurisdiction;
  /** Every law that applies (or `policy` alone); the limits below are the strictest of them. */
  jurisdictions: Jurisdiction[];
  receivedAt: Date;
  /** When the answer is due: the strictest of the laws and the company's policy. */
  dueAt: Date;
  /** What the law alone allows. */
  legalDueAt: Date;
  /** The latest date an extension may set. */
  maxExtendedDueAt: Date;
  /** An extension must be notified to the subject before this instant. */
  extensionNoticeBy: Date;
  /** How many extensions the law allows. */
  maxExtensions: number;
  /** CCPA: acknowledge receipt within 10 business days. */
  acknowledgeBy?: Date;
}

const DAY_MS = 86_400_000;

export function addDays(d: Date, days: number): Date {
  return new Date(d.getTime() + days * DAY_MS);
}

/**
 * Adds calendar months the way GDPR Art. 12(3) reads "one month": the same day of the month,
 * or the month's last day when it has no such day (31 Jan + 1 month = 28/29 Feb).
 */
export function addMonths(d: Date, months: number): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + months;
  const lastDay = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(
    Date.UTC(y, m, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds()),
  );
}

/** Adds business days (Monday to Friday; public holidays are not modelled). */
export function addBusinessDays(d: Date, days: number): Date {
  let out = new Date(d.getTime());
  let left = days;
  while (left > 0) {
    out = addDays(out, 1);
    const wd = out.getUTCDay();
    if (wd !== 0 && wd !== 6) left--;
  }
  return out;
}

const earliest = (dates: Date[]) => new Date(Math.min(...dates.map((x) => x.getTime())));

/** The laws the engine knows; `policy` alone means none of them is known to apply. */
export type Law = Exclude<Jurisdiction, 'policy'>;
export const LAWS: readonly Law[] = ['gdpr', 'ccpa'];

interface LawLimits {
  legalDueAt: Date;
  maxExtendedDueAt: Date;
  acknowledgeBy?: Date;
}

function limitsOf(law: Law, receivedAt: Date): LawLimits {
  if (law === 'gdpr') {
    // Art. 12(3): one month, extendable by two further months, the subject told within the first month.
    return { legalDueAt: addMonths(receivedAt, 1), maxExtendedDueAt: addMonths(receivedAt, 3) };
  }
  // §1798.130 and §7021: acknowledge in 10 business days, respond in 45 calendar days, extend once by 45.
  return { legalDueAt: addDays(receivedAt, 45), maxExtendedDueAt: addDays(receivedAt, 90), acknowledgeBy: addBusinessDays(receivedAt, 10) };
}

/** The laws among `jurisdictions`, in a fixed order, without repeats (`policy` is no law). */
export function lawsOf(jurisdictions: readonly Jurisdiction[]): Law[] {
  return LAWS.filter((l) => jurisdictions.includes(l));
}

/**
 * The label a request is filed under when several laws apply: the one whose answer is due
 * first (GDPR on a tie); `policy` when none is known.
 */
export function primaryJurisdiction(jurisdictions: readonly Jurisdiction[], receivedAt: Date): Jurisdiction {
  const laws = lawsOf(jurisdictions);
  if (!laws.length) return 'policy';
  return laws.reduce((a, b) => (limitsOf(b, receivedAt).legalDueAt.getTime() < limitsOf(a, receivedAt).legalDueAt.getTime() ? b : a));
}

/**
 * The deadline of a request to which every law in `jurisdictions` applies: the strictest of
 * them all and of the company's policy. The policy can only shorten a law's limits: when no
 * law is known to apply, the policy is still held to the strictest of the laws the engine
 * knows (due no later than one calendar month nor 45 days; extended no later than 90 days nor
 * three months), so it never promises more time than either allows.
 */
export function computeDeadline(
  receivedAt: Date,
  jurisdictions: Jurisdiction | readonly Jurisdiction[],
  policyDays = POLICY_DAYS_DEFAULT,
  requestType?: string,
): Deadline {
  const list: readonly Jurisdiction[] = typeof jurisdictions === 'string' ? [jurisdictions] : jurisdictions;
  const laws = lawsOf(list);
  const bounding = (laws.length ? laws : LAWS).map((l) => limitsOf(l, receivedAt));
  const actBy = requestType && ACT_WITHIN_BUSINESS_DAYS[requestType];
  const legalDueAt = earliest([...bounding.map((b) => b.legalDueAt), ...(actBy ? [addBusinessDays(receivedAt, actBy)] : [])]);
  const acknowledgements = laws.map((l) => limitsOf(l, receivedAt).acknowledgeBy).filter((x): x is Date => !!x);
  const dueAt = earliest([addDays(receivedAt, policyDays), legalDueAt]);
  return {
    jurisdiction: primaryJurisdiction(list, receivedAt),
    jurisdictions: laws.length ? laws : ['policy'],
    receivedAt,
    legalDueAt: laws.length ? legalDueAt : dueAt,
    dueAt,
    maxExtendedDueAt: earliest(bounding.map((b) => b.maxExtendedDueAt)),
    extensionNoticeBy: laws.length ? legalDueAt : dueAt,
    maxExtensions: 1,
    ...(acknowledgements.length ? { acknowledgeBy: earliest(acknowledgements) } : {}),
  };
}

/**
 * CCPA §7026(f) and §7027(g): an opt-out of sale/sharing and a request to limit are acted on
 * within 15 business days of receipt (under any law: the engine holds every such request to it).
 */
export const ACT_WITHIN_BUSINESS_DAYS: Readonly<Record<string, number>> = { opt_out: 15, limit: 15 };

/** Countries whose residents the GDPR protects: the EU and the EEA, and the UK (UK GDPR, same limits). */
const GDPR_COUNTRIES = new Set(
  (
    'AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE ' + // EU
    'IS LI NO ' + // EEA
    'GB UK EL'
  ) // UK GDPR; EL is the EU's code for Greece
    .split(' '),
);

/**
 * The law that a place of residence brings: `EU`, `EEA` or an EU/EEA/UK country code → GDPR;
 * `US-CA` (or `California`) → CCPA; anything else → none. Case and `_`/`-` do not matter.
 */
export function lawForResidence(residence: string | null | undefined): Law | null {
  const r = (residence ?? '').trim().toUpperCase().replace(/_/g, '-');
  if (!r) return null;
  if (r === 'EU' || r === 'EEA' || GDPR_COUNTRIES.has(r) || GDPR_COUNTRIES.has(r.split('-')[0])) return 'gdpr';
  if (r === 'US-CA' || r === 'CALIFORNIA' || r === 'CA-US') return 'ccpa';
  return null;
}

/**
 * Which laws apply, decided by the engine: the deployment's default, the label the requester
 * chose, the residence declared at intake and the residence the data map holds. Each one can
 * only add a law, never remove one, so no label loosens the deadline another source sets.
 */
export function applicableJurisdictions(sources: {
  configured?: Jurisdiction;
  requested?: Jurisdiction;
  residences?: (string | null | undefined)[];
}): Jurisdiction[] {
  const found: Jurisdiction[] = [];
  if (sources.configured) found.push(sources.configured);
  if (sources.requested) found.push(sources.requested);
  for (const r of sources.residences ?? []) {
    const law = lawForResidence(r);
    if (law) found.push(law);
  }
  const laws = lawsOf(found);
  return laws.length ? laws : ['policy'];
}

export type ExtensionCheck = { ok: true } | { ok: false; reason: string };

/** Whether an extension to `newDueAt`, asked at `now`, is lawful. */
export function checkExtension(d: Deadline, now: Date, newDueAt: Date, extensionsSoFar: number, reason: string): ExtensionCheck {
  if (!reason.trim()) return { ok: false, reason: 'an extension needs a reason (it is sent to the subject)' };
  if (extensionsSoFar >= d.maxExtensions)
    return { ok: false, reason: `${d.jurisdiction} allows ${d.maxExtensions} extension${d.maxExtensions === 1 ? '' : 's'}` };
  if (now.getTime() >= d.extensionNoticeBy.getTime()) {
    return { ok: false, reason: `the subject had to be told before ${d.extensionNoticeBy.toISOString()}` };
  }
  if (newDueAt.getTime() <= d.dueAt.getTime()) return { ok: false, reason: 'the new due date must be later than the current one' };
  if (newDueAt.getTime() > d.maxExtendedDueAt.getTime()) {
    return { ok: false, reason: `the new due date is beyond the legal maximum of ${d.maxExtendedDueAt.toISOString()}` };
  }
  return { ok: true };
}

/** When the privacy team is reminded of an open request. */
export const REMINDER_BEFORE_DAYS = 7;
export const reminderAt = (dueAt: Date) => addDays(dueAt, -REMINDER_BEFORE_DAYS);
