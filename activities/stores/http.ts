// A third-party processor's API, described in the data map (method, path template, headers
// with ${ENV} values, success statuses). A failure throws, and Temporal retries the activity.
import type { HttpStore } from '../../schemas/datamap';
import type { IdentityValues } from './selector';

export type ProcessorOperation = 'export' | 'erase' | 'correct';

export class ProcessorError extends Error {}

export interface ProcessorCall {
  operation: ProcessorOperation;
  calls: number;
  statuses: number[];
  absent: number;
}

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
    const url = store.baseUrl.replace(/\/$/, '') + spec.path.split(`{${store.identity}}`).join(encodeURIComponent(value));
    const res = await fetch(url, {
      method: spec.method,
      headers: { accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}), ...store.headers },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(store.timeoutMs),
    });
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
