// A third-party processor's API, described in the data map (method, path template, headers
// with ${ENV} values, success statuses, pagination). A failure throws, and Temporal retries the
// activity; a 429 is waited out here, as long as its Retry-After says.
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpExportCall, HttpStore } from '../../schemas/datamap';
import type { IdentityValues } from './selector';

export type ProcessorOperation = 'erase' | 'correct';

export class ProcessorError extends Error {}

export interface ProcessorCall {
  operation: ProcessorOperation;
  calls: number;
  statuses: number[];
  absent: number;
}

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

async function send(store: HttpStore, url: string, init: { method: string; body?: unknown }): Promise<Response> {
  for (let limited = 0; ; limited++) {
    const res = await fetch(url, {
      method: init.method,
      headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...store.headers },
      body: init.body ? JSON.stringify(init.body) : undefined,
      signal: AbortSignal.timeout(store.timeoutMs),
    });
    if (res.status !== 429 || limited >= MAX_RATE_LIMITED) return res;
    await res.arrayBuffer();
    await sleep(retryAfterMs(res.headers.get('retry-after')));
  }
}

const urlFor = (store: HttpStore, path: string, identity: string, value: string) =>
  store.baseUrl.replace(/\/$/, '') + path.split(`{${identity}}`).join(encodeURIComponent(value));

/** Calls the processor once per identity value of the subject (usually one). */
export async function callProcessor(
  store: HttpStore,
  operation: ProcessorOperation,
  identities: IdentityValues,
  body?: unknown,
): Promise<ProcessorCall & { bodies: unknown[] }> {
  const spec = store[operation];
  if (!spec) throw new ProcessorError(`processor has no ${operation} call in the data map`);
  const values = identities[store.identity] ?? [];
  const result: ProcessorCall & { bodies: unknown[] } = { operation, calls: 0, statuses: [], absent: 0, bodies: [] };
  for (const value of values) {
    const res = await send(store, urlFor(store, spec.path, store.identity, value), { method: spec.method, body });
    result.calls++;
    result.statuses.push(res.status);
    if (spec.absent.includes(res.status)) {
      result.absent++;
      await res.arrayBuffer();
      continue;
    }
    if (!spec.success.includes(res.status)) {
      await res.arrayBuffer();
      throw new ProcessorError(`${operation} answered HTTP ${res.status} (expected ${spec.success.join('/')})`);
    }
    const text = await res.text();
    if (text) {
      try {
        result.bodies.push(JSON.parse(text));
      } catch {
        result.bodies.push(text);
      }
    }
  }
  return result;
}

/** The value at a dotted path (`data`, `links.next`); the value itself for an empty path. */
export function atPath(value: unknown, path: string): unknown {
  if (!path) return value;
  return path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

/**
 * The records of one export call for every identity value of the subject, page by page: a
 * cursor sent back as a query parameter, or a next link on the processor's own origin (a link
 * elsewhere is refused: the request carries the processor's credentials).
 */
export async function* processorRecords(
  store: HttpStore,
  name: string,
  call: HttpExportCall,
  identities: IdentityValues,
): AsyncGenerator<unknown> {
  const origin = new URL(store.baseUrl).origin;
  for (const value of identities[store.identity] ?? []) {
    let url: string | null = urlFor(store, call.path, store.identity, value);
    for (let page = 0; url; page++) {
      if (page >= call.maxPages) throw new ProcessorError(`export ${name} returned more than ${call.maxPages} pages (maxPages)`);
      const res = await send(store, url, { method: call.method });
      if (call.absent.includes(res.status)) {
        await res.arrayBuffer();
        break;
      }
      if (!call.success.includes(res.status)) {
        await res.arrayBuffer();
        throw new ProcessorError(`export ${name} answered HTTP ${res.status} (expected ${call.success.join('/')})`);
      }
      const body: unknown = await res.json().catch(() => {
        throw new ProcessorError(`export ${name} answered with a body that is not JSON`);
      });
      const records = atPath(body, call.records);
      if (Array.isArray(records)) yield* records;
      else if (records !== undefined && records !== null) yield records;
      url = nextPage(call, body, url, origin);
    }
  }
}

function nextPage(call: HttpExportCall, body: unknown, current: string, origin: string): string | null {
  if (!call.pagination) return null;
  const next = atPath(body, call.pagination.next);
  if (next === undefined || next === null || next === '' || next === false) return null;
  if (call.pagination.style === 'cursor') {
    const u = new URL(current);
    u.searchParams.set(call.pagination.param, String(next));
    return u.toString();
  }
  const u = new URL(String(next), current);
  if (u.origin !== origin) throw new ProcessorError(`export next link leaves the processor's origin (${u.origin})`);
  return u.toString();
}
