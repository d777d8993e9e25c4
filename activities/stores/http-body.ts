// The body of a processor's correct call: the corrected fields under the processor's names
// (`fields`), encoded as JSON or as a form (`a.b` sent as `a[b]`, the usual nesting of form APIs).
import type { HttpCorrectCall } from '../../schemas/datamap';
import type { RequestBody } from './http';

type Nested = { [key: string]: string | Nested };

function setAt(into: Nested, path: string, value: string): void {
  const keys = path.split('.');
  let at = into;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    at = typeof next === 'object' ? next : (at[k] = {});
  }
  at[keys.at(-1)!] = value;
}

function formPairs(value: Nested, prefix: string, out: [string, string][]): [string, string][] {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}[${k}]` : k;
    if (typeof v === 'string') out.push([key, v]);
    else formPairs(v, key, out);
  }
  return out;
}

export function encodeBody(value: Nested, encoding: HttpCorrectCall['encoding']): RequestBody {
  if (encoding === 'form')
    return { contentType: 'application/x-www-form-urlencoded', text: new URLSearchParams(formPairs(value, '', [])).toString() };
  return { contentType: 'application/json', text: JSON.stringify(value) };
}

/**
 * The body for these corrections and the correction fields it carries; null when the call's
 * `fields` name none of them (then there is nothing to tell this processor).
 */
export function correctionBody(call: HttpCorrectCall, corrections: Record<string, string>): { body: RequestBody; fields: string[] } | null {
  if (!call.fields) return { body: encodeBody({ corrections: { ...corrections } }, call.encoding), fields: Object.keys(corrections) };
  const fields = Object.keys(corrections).filter((f) => call.fields![f] !== undefined);
  if (!fields.length) return null;
  const value: Nested = {};
  for (const f of fields) setAt(value, call.fields[f], corrections[f]);
  return { body: encodeBody(value, call.encoding), fields };
}
