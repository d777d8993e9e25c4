// CCPA §7062 step-up: for sensitive request types (STEP_UP_FOR) the subject also confirms a fact
// from their account that the data map names (`stepUp`), beside the mailed code. Both the stored
// value and the typed answer are read the same way before they are compared (as keyed hashes).
import { z } from 'zod';
import { Identifier } from './datamap-common';

export const STEP_UP_MATCHES = ['exact', 'last4', 'month'] as const;
export type StepUpMatch = (typeof STEP_UP_MATCHES)[number];

export const StepUp = z
  .object({
    store: Identifier,
    collection: Identifier,
    column: Identifier,
    /** What the subject is asked, in their words: "In which month did you open your account (YYYY-MM)?" */
    question: z.string().trim().min(3).max(300),
    /** exact: the same text (case and spacing aside); last4: the last four digits; month: the same YYYY-MM. */
    match: z.enum(STEP_UP_MATCHES).default('exact'),
  })
  .strict();
export type StepUp = z.infer<typeof StepUp>;

/** A stored value or a typed answer as it is compared; null when it cannot be one. */
export function readStepUpValue(match: StepUpMatch, value: string): string | null {
  const v = value.trim();
  if (match === 'last4') {
    const digits = v.replace(/\D/g, '');
    return digits.length >= 4 ? digits.slice(-4) : null;
  }
  if (match === 'month') {
    const iso = /^(\d{4})-(\d{1,2})(?:\D|$)/.exec(v);
    const us = /^(\d{1,2})\/(\d{4})$/.exec(v);
    const [year, month] = iso ? [iso[1], iso[2]] : us ? [us[2], us[1]] : [null, null];
    if (!year || !month || Number(month) < 1 || Number(month) > 12) return null;
    return `${year}-${month.padStart(2, '0')}`;
  }
  return v ? v.toLowerCase().replace(/\s+/g, ' ') : null;
}
