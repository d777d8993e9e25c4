// Reading lists from a processor page by page: a cursor sent back as a query parameter, a next
// link on the processor's own origin (a link elsewhere is refused: the request carries the
// processor's credentials), or the id of the last record sent back while a flag says there is more.
import type { HttpExportCall, HttpPagination, HttpStore } from '../../schemas/datamap';
import { answerOf, atPath, isAbsent, ProcessorError, send, urlFor } from './http';
import type { IdentityValues } from './selector';

/** What a call reading a list says: the export calls and the lookup share it. */
export type ListCall = Pick<
  HttpExportCall,
  'method' | 'path' | 'success' | 'absent' | 'absentWhen' | 'records' | 'pagination' | 'maxPages'
>;

/** The records at `records` in an answer: a list as it is, one object as a list of one, nothing as none. */
export function recordsOf(body: unknown, records: string): unknown[] {
  const at = atPath(body, records);
  if (Array.isArray(at)) return at;
  return at === undefined || at === null ? [] : [at];
}

/** The URL of the page after `current`, or null when this was the last. */
export function nextPage(
  pagination: HttpPagination | undefined,
  page: { body: unknown; records: unknown[] },
  current: string,
  origin: string,
  label: string,
): string | null {
  if (!pagination) return null;
  if (pagination.style === 'after_last') {
    if (atPath(page.body, pagination.more) !== true) return null;
    const id = atPath(page.records.at(-1), pagination.id);
    if (typeof id !== 'string' && typeof id !== 'number')
      throw new ProcessorError(`${label} says there is more, but the last record of the page has no ${pagination.id} to continue after`);
    const u = new URL(current);
    u.searchParams.set(pagination.param, String(id));
    return u.toString();
  }
  const next = atPath(page.body, pagination.next);
  if (next === undefined || next === null || next === '' || next === false) return null;
  if (pagination.style === 'cursor') {
    const u = new URL(current);
    u.searchParams.set(pagination.param, String(next));
    return u.toString();
  }
  const u = new URL(String(next), current);
  if (u.origin !== origin) throw new ProcessorError(`${label} next link leaves the processor's origin (${u.origin})`);
  return u.toString();
}

/**
 * The records of one list call for one identity value, page by page. An answer meaning "nothing
 * held" (`absent`, `absentWhen`) ends the list; any other answer that is not a success fails.
 */
export async function* pagedRecords(
  store: HttpStore,
  label: string,
  call: ListCall,
  identity: string,
  value: string,
): AsyncGenerator<unknown> {
  const origin = new URL(store.baseUrl).origin;
  let url: string | null = urlFor(store, call.path, identity, value);
  for (let page = 0; url; page++) {
    if (page >= call.maxPages) throw new ProcessorError(`${label} returned more than ${call.maxPages} pages (maxPages)`);
    const answer = await answerOf(await send(store, url, { method: call.method }));
    if (isAbsent(call, answer)) return;
    if (!call.success.includes(answer.status))
      throw new ProcessorError(`${label} answered HTTP ${answer.status} (expected ${call.success.join('/')})`);
    if (typeof answer.body !== 'object' || answer.body === null) throw new ProcessorError(`${label} answered with a body that is not JSON`);
    const records = recordsOf(answer.body, call.records);
    yield* records;
    url = nextPage(call.pagination, { body: answer.body, records }, url, origin, label);
  }
}

/** A record with only the given dotted paths, nested as they were; paths it lacks are left out. */
export function pickFields(record: unknown, paths: string[]): unknown {
  if (!record || typeof record !== 'object') return record;
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const value = atPath(record, path);
    if (value === undefined) continue;
    const keys = path.split('.');
    let into = out;
    for (const k of keys.slice(0, -1)) into = (into[k] ??= {}) as Record<string, unknown>;
    into[keys.at(-1)!] = value;
  }
  return out;
}

/** The records of one export call for every identity value of the subject, with only `pick`ed fields when it says so. */
export async function* processorRecords(
  store: HttpStore,
  name: string,
  call: HttpExportCall,
  identities: IdentityValues,
): AsyncGenerator<unknown> {
  for (const value of identities[store.identity] ?? []) {
    for await (const record of pagedRecords(store, `export ${name}`, call, store.identity, value))
      yield call.pick ? pickFields(record, call.pick) : record;
  }
}
