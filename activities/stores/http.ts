// A third-party processor's API, described in the data map (method, path template, headers
// with ${ENV} values, success and "absent" answers). A failure throws, and Temporal retries the
// activity; a 429 is waited out here, as long as its Retry-After says. Paging lives in
// http-pagination.ts, lookups in http-lookup.ts, request bodies in http-body.ts.
// Error messages name the call and the status, never a URL: a path may hold the subject's address.
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpCall, HttpStore } from '../../schemas/datamap';
import type { IdentityValues } from './selector';

export type ProcessorOperation = 'erase' | 'correct' | 'opt_out' | 'limit' | 'restrict' | 'lift_restriction' | 'object';

export class ProcessorError extends Error {}

/** 429s waited out per call before the activity fails (and Temporal retries it later). */
const MAX_RATE_LIMITED = 5;
const MAX_RETRY_AFTER_MS = 120_000;

/** Retry-After as seconds or an HTTP date; one second when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 1000;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, Number.isFinite(ms) ? ms : 1000));
}

/** An encoded request body. */
export interface RequestBody {
  contentType: string;
  text: string;
}

export async function send(store: HttpStore, url: string, init: { method: string; body?: RequestBody }): Promise<Response> {
  for (let limited = 0; ; limited++) {
    const res = await fetch(url, {
      method: init.method,
      headers: { accept: 'application/json', ...(init.body ? { 'content-type': init.body.contentType } : {}), ...store.headers },
      body: init.body?.text,
      signal: AbortSignal.timeout(store.timeoutMs),
    });
    if (res.status !== 429 || limited >= MAX_RATE_LIMITED) return res;
    await res.arrayBuffer();
    await sleep(retryAfterMs(res.headers.get('retry-after')));
  }
}

/** The store's base URL and a path template with `{identity}` filled with one URL-encoded value. */
export const urlFor = (store: HttpStore, path: string, identity: string, value: string): string =>
  store.baseUrl.replace(/\/$/, '') + path.split(`{${identity}}`).join(encodeURIComponent(value));

/** The value at a dotted path (`data`, `links.next`); the value itself for an empty path. */
export function atPath(value: unknown, path: string): unknown {
  if (!path) return value;
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

/** An answer read once: its status, and its body as JSON when it parses (else the text; undefined when empty). */
export interface Answer {
  status: number;
  body: unknown;
}

export async function answerOf(res: Response): Promise<Answer> {
  const text = await res.text();
  if (!text) return { status: res.status, body: undefined };
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: res.status, body: text };
  }
}

/**
 * Whether an answer means "nothing held for this subject": one of the call's `absent` statuses,
 * or an `absentWhen` condition (its status, else a success status; and the value at its path).
 */
export function isAbsent(call: Pick<HttpCall, 'success' | 'absent' | 'absentWhen'>, answer: Answer): boolean {
  if (call.absent.includes(answer.status)) return true;
  return call.absentWhen.some(
    (c) =>
      (c.status !== undefined ? c.status === answer.status : call.success.includes(answer.status)) &&
      (c.path === undefined || atPath(answer.body, c.path) === c.equals),
  );
}

export interface CallOutcome {
  /** HTTP calls made (a list of calls is made once per identity value). */
  calls: number;
  statuses: number[];
  /** Identity values sent. */
  values: number;
  /** Identity values for which some call acted (the others were all answered "absent"). */
  acted: number;
}

/**
 * Makes the calls, in order, once per identity value of the subject (usually one). An answer that
 * is neither a success nor "absent" fails the activity, and a retry starts the list again:
 * every call must therefore be idempotent, which a DELETE answered "absent" the second time is.
 */
export async function callProcessor(
  store: HttpStore,
  operation: ProcessorOperation,
  calls: HttpCall[],
  identities: IdentityValues,
  body?: RequestBody,
): Promise<CallOutcome> {
  if (!calls.length) throw new ProcessorError(`processor has no ${operation} call in the data map`);
  const result: CallOutcome = { calls: 0, statuses: [], values: 0, acted: 0 };
  for (const value of identities[store.identity] ?? []) {
    result.values++;
    let acted = false;
    for (const [i, call] of calls.entries()) {
      const answer = await answerOf(await send(store, urlFor(store, call.path, store.identity, value), { method: call.method, body }));
      result.calls++;
      result.statuses.push(answer.status);
      if (isAbsent(call, answer)) continue;
      if (!call.success.includes(answer.status)) {
        const which = calls.length > 1 ? `${operation} call ${i + 1} of ${calls.length}` : operation;
        throw new ProcessorError(`${which} answered HTTP ${answer.status} (expected ${call.success.join('/')})`);
      }
      acted = true;
    }
    if (acted) result.acted++;
  }
  return result;
}
