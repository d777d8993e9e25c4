// The response deadline rules (pure, and free of zod: this module is bundled into workflow
// code). All dates are UTC instants; the calendar arithmetic is done on UTC calendar days.

export const JURISDICTIONS = ['policy', 'gdpr', 'ccpa'] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

/** The company's own response promise, which may be stricter than the law. */
export const POLICY_DAYS_DEFAULT = 30;

export interface Deadline {
  jurisdiction: Jurisdiction;
  receivedAt: Date;
  /** When the answer is due: the stricter of the law and the company's policy. */
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

const earlier = (a: Date, b: Date) => (a.getTime() <= b.getTime() ? a : b);

export function computeDeadline(receivedAt: Date, jurisdiction: Jurisdiction, policyDays = POLICY_DAYS_DEFAULT): Deadline {
  const policyDue = addDays(receivedAt, policyDays);
  switch (jurisdiction) {
    case 'gdpr': {
      // Art. 12(3): one month, extendable by two further months, the subject told within the first month.
      const legalDueAt = addMonths(receivedAt, 1);
      return {
        jurisdiction,
        receivedAt,
        legalDueAt,
        dueAt: earlier(policyDue, legalDueAt),
        maxExtendedDueAt: addMonths(receivedAt, 3),
        extensionNoticeBy: legalDueAt,
        maxExtensions: 1,
      };
    }
    case 'ccpa': {
      // §1798.130 and §7021: acknowledge in 10 business days, respond in 45 calendar days, extend once by 45.
      const legalDueAt = addDays(receivedAt, 45);
      return {
        jurisdiction,
        receivedAt,
        legalDueAt,
        dueAt: earlier(policyDue, legalDueAt),
        maxExtendedDueAt: addDays(receivedAt, 90),
        extensionNoticeBy: legalDueAt,
        maxExtensions: 1,
        acknowledgeBy: addBusinessDays(receivedAt, 10),
      };
    }
    default: {
      // The policy alone: answer in `policyDays`; an extension follows the GDPR's outer limit.
      return {
        jurisdiction,
        receivedAt,
        legalDueAt: policyDue,
        dueAt: policyDue,
        maxExtendedDueAt: addMonths(receivedAt, 3),
        extensionNoticeBy: policyDue,
        maxExtensions: 1,
      };
    }
  }
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
