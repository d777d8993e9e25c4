// Building blocks the data map's store schemas share.
import { z } from 'zod';
import { parseIsoDuration } from './duration';

export const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain SQL identifier');

/** A dotted path into a JSON answer (`data`, `links.next`); empty means the answer itself. */
export const JsonPath = z
  .string()
  .regex(/^([A-Za-z_$][A-Za-z0-9_$-]*(\.[A-Za-z_$][A-Za-z0-9_$-]*)*)?$/, 'must be a dotted path such as data or links.next');

/** `{identity}` placeholders in a path template, in order. */
export function placeholders(template: string): string[] {
  return [...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]);
}

/** An ISO 8601 duration such as P90D or P7Y. */
export const IsoDuration = z.string().refine((s) => parseIsoDuration(s) !== null, 'must be an ISO 8601 duration such as P90D or P7Y');

/** How many of a store's data steps (reads, erasures) one worker runs at once; more wait their turn in order. */
export const MaxConcurrency = z.number().int().min(1).max(64).optional();
export const DEFAULT_STORE_CONCURRENCY = 4;
