// ISO 8601 durations as used by the data map (P30D, P90D, P7Y, PT24H). Pure.

const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export interface DurationParts {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export function parseIsoDuration(text: string): DurationParts | null {
  const m = ISO_DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return null;
  const n = (i: number) => (m[i] ? Number(m[i]) : 0);
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

/**
 * A duration as the two parts it is added in: whole calendar months (years and months) first,
 * then fixed seconds (weeks, days, hours, minutes, seconds). SQL stores add the same two parts
 * (PostgreSQL intervals, MySQL DATE_ADD … MONTH then … SECOND), so every store agrees on an expiry.
 */
export function durationSteps(text: string): { months: number; seconds: number } {
  const d = parseIsoDuration(text);
  if (!d) throw new Error(`not an ISO 8601 duration: ${text}`);
  return { months: d.years * 12 + d.months, seconds: (((d.weeks * 7 + d.days) * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds };
}

/** Adds a duration to a date in UTC, calendar-aware for years and months (clamped to month end). */
export function addIsoDuration(from: Date, text: string): Date {
  const { months, seconds } = durationSteps(text);
  const base = new Date(from.getTime());
  if (months) {
    const day = base.getUTCDate();
    base.setUTCDate(1);
    base.setUTCMonth(base.getUTCMonth() + months);
    const lastDay = new Date(Date.UTC(base.getUTCFullYear(), base.getUTCMonth() + 1, 0)).getUTCDate();
    base.setUTCDate(Math.min(day, lastDay));
  }
  return new Date(base.getTime() + seconds * 1000);
}

/** A human phrase for manifests and reports: P7Y → "7 years". */
export function describeIsoDuration(text: string): string {
  const d = parseIsoDuration(text);
  if (!d) return text;
  const parts: string[] = [];
  const add = (n: number, unit: string) => n && parts.push(`${n} ${unit}${n === 1 ? '' : 's'}`);
  add(d.years, 'year');
  add(d.months, 'month');
  add(d.weeks, 'week');
  add(d.days, 'day');
  add(d.hours, 'hour');
  add(d.minutes, 'minute');
  add(d.seconds, 'second');
  return parts.join(' ') || '0 days';
}
