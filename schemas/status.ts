// Request statuses, and the ones a request never leaves. Pure and zod-free: workflows use it.
export const REQUEST_STATUSES = [
  'received',
  'awaiting_verification',
  'in_progress',
  // a deletion that met a legal hold: nothing of the held subject is deleted until the hold is released, then it resumes
  'on_hold',
  // a data step failed in a way no retry can fix (a missing table, a refused privilege): waits for an admin's retry
  'needs_attention',
  'completed',
  'denied',
  'expired_unverified',
  'failed',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<RequestStatus> = new Set(['completed', 'denied', 'expired_unverified', 'failed']);
export const isTerminal = (s: RequestStatus): boolean => TERMINAL_STATUSES.has(s);

/** Statuses in which a subject can no longer confirm the request. */
export const CLOSED_TO_VERIFICATION: ReadonlySet<RequestStatus> = new Set(['expired_unverified', 'denied', 'failed']);
