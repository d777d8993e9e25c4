// The fault tests' figures for `bench/faults.ts`: each scenario appends one JSON line to the file
// named by FAULTS_REPORT (nothing happens without it, so `npm test` writes no file). The figures
// are the ones the test has just asserted on, measured — never literals.
import { appendFileSync } from 'node:fs';

export interface FaultOutcome {
  scenario: string;
  /** Requests the scenario submitted. */
  requests: number;
  /** Of those, how many reached their expected end (completed, or stored and started). */
  completed: number;
  /** Accepted but never stored, stored but never answered, or never finished. */
  lost: number;
  /** Mails delivered more than once for one outbox key (copies beyond the first). */
  duplicateMails: number;
  /** Slowest intake answer in ms, when the scenario submits through the API. */
  maxIntakeMs?: number;
  /** One line on what the duplicate or the figure means, when it needs saying. */
  note?: string;
}

export function recordFaultOutcome(outcome: FaultOutcome): void {
  const file = process.env.FAULTS_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(outcome)}\n`);
}

/** Copies beyond the first of each mail, told apart by Message-ID. */
export function duplicateCopies(mails: { messageId?: string }[]): number {
  const seen = new Set<string>();
  let dup = 0;
  for (const m of mails) {
    if (!m.messageId) continue;
    if (seen.has(m.messageId)) dup++;
    seen.add(m.messageId);
  }
  return dup;
}
