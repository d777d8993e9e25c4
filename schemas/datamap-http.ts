// The `http` store kind: a third-party processor reached through its API (GDPR Art. 19/28,
// CCPA §7022). Each call is a method and a path template whose `{identity}` placeholder is filled
// with the subject's value; a `lookup` finds that value first from an identity the subject has.
import { z } from 'zod';
import { Identifier, JsonPath, MaxConcurrency, placeholders } from './datamap-common';
import { ReaderWords } from './datamap-art15';

const Status = z.number().int().min(100).max(599);
const FieldPath = JsonPath.min(1, 'must name a field');
const toList = (v: unknown) => (v === undefined || Array.isArray(v) ? v : [v]);

/**
 * One condition meaning "nothing held for this subject": a status, a value in the answer's body,
 * or both (`{ status: 404, path: error.code, equals: resource_missing }`). A condition with a path
 * and no status applies to the call's success statuses (`{ path: deleted, equals: true }`).
 */
export const AbsentWhen = z
  .object({
    status: Status.optional(),
    path: FieldPath.optional(),
    equals: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.status === undefined && c.path === undefined)
      ctx.addIssue({ code: 'custom', message: 'needs a status, a path with the value it equals, or both' });
    if (c.path !== undefined && c.equals === undefined)
      ctx.addIssue({ code: 'custom', path: ['equals'], message: `needs the value ${c.path} equals when nothing is held` });
    if (c.path === undefined && c.equals !== undefined)
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'needs the path whose value equals is compared with' });
  });
export type AbsentWhen = z.infer<typeof AbsentWhen>;

/** One condition or a list of them. */
const AbsentWhenList = z.preprocess(toList, z.array(AbsentWhen)).default([]);

export const HttpCall = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    /** Appended to baseUrl; the `{identity}` placeholder is the URL-encoded value. */
    path: z.string().startsWith('/'),
    success: z.array(Status).min(1).default([200, 201, 202, 204]),
    /** Statuses meaning "nothing held for this subject" (e.g. 404 on delete). */
    absent: z.array(Status).default([]),
    /** Answers meaning "nothing held", decided by status and body together. */
    absentWhen: AbsentWhenList,
  })
  .strict();
export type HttpCall = z.infer<typeof HttpCall>;

/**
 * How the processor pages a list: a cursor from the answer sent back as a query parameter, a
 * next link, or the id of the last record sent back (`starting_after=<id>`) while a flag says more.
 */
export const HttpPagination = z.discriminatedUnion('style', [
  z.object({ style: z.literal('cursor'), param: z.string().min(1), next: JsonPath }).strict(),
  z.object({ style: z.literal('link'), next: JsonPath }).strict(),
  z
    .object({
      style: z.literal('after_last'),
      param: z.string().min(1),
      /** The id of a record (`id`), read from the last record of the page. */
      id: FieldPath.default('id'),
      /** A boolean in the answer (`has_more`): the next page is asked for while it is true. */
      more: FieldPath,
    })
    .strict(),
]);
export type HttpPagination = z.infer<typeof HttpPagination>;

/** What a call reading a list has: where the records are, how it pages, a guard against endless paging. */
const listing = {
  method: z.enum(['GET', 'POST']).default('GET'),
  success: z.array(Status).min(1).default([200]),
  /** Where the records are in each answer (e.g. `data`); the whole answer when absent. */
  records: JsonPath.default(''),
  pagination: HttpPagination.optional(),
  /** A guard against a processor that never stops paging. */
  maxPages: z.number().int().positive().max(100_000).default(1000),
};

/** A read call for access/export: its records go to `data/<store>/<name>.json`. */
export const HttpExportCall = HttpCall.extend({
  ...listing,
  absent: z.array(Status).default([404]),
  /** Keep only these fields of each record (dotted paths), e.g. to leave out what is not the subject's data. */
  pick: z.array(FieldPath).min(1).optional(),
}).strict();
export type HttpExportCall = z.infer<typeof HttpExportCall>;

/**
 * Finds the identity a processor knows the subject by (`stripe_customer_id`) from one the subject
 * has (`{email}` in the path): every record of the answer yields the values at `provides`.
 */
export const HttpLookup = HttpCall.extend({
  ...listing,
  /** A lookup finding nobody answers with an empty list; a status meaning "nobody" must be named. */
  absent: z.array(Status).default([]),
  /** identity → the field of each record holding it (`stripe_customer_id: id`). */
  provides: z.record(Identifier, FieldPath).refine((p) => Object.keys(p).length > 0, 'must name at least one identity'),
  /**
   * A field of each record that must equal the value looked up (case-insensitively for e-mail), for
   * a search that may also answer with near matches: other people's records are never taken.
   */
  match: FieldPath.optional(),
}).strict();
export type HttpLookup = z.infer<typeof HttpLookup>;

/** The correct call: which corrected fields it sends, under which names, and how the body is encoded. */
export const HttpCorrectCall = HttpCall.extend({
  /** `json` (application/json) or `form` (application/x-www-form-urlencoded; `a.b` is sent as `a[b]`). */
  encoding: z.enum(['json', 'form']).default('json'),
  /**
   * Correction field → the processor's field (`name: name`, `email: user.email`); only these are
   * sent, and the call is made only when one of them is corrected. Without it the body is
   * `{ corrections: { field: value } }`.
   */
  fields: z.record(z.string().min(1), FieldPath).optional(),
}).strict();
export type HttpCorrectCall = z.infer<typeof HttpCorrectCall>;

export const HttpStore = z
  .object({
    kind: z.literal('http'),
    baseUrl: z.string().url(),
    description: z.string().optional(),
    maxConcurrency: MaxConcurrency,
    ...ReaderWords,
    /** The identity the calls' paths are filled with. */
    identity: Identifier,
    headers: z.record(z.string(), z.string()).default({}),
    timeoutMs: z.number().int().positive().default(10_000),
    categories: z.array(z.string().min(1)).default([]),
    purposes: z.array(z.string().min(1)).default([]),
    recipients: z.array(z.string().min(1)).default([]),
    /** Resolves `identity` (or others) from an identity the subject already has, before any other call. */
    lookup: HttpLookup.optional(),
    /**
     * One read call, or several by name (`customer`, `invoices`): each becomes a file of the
     * archive. A single call is named `records` (also in error paths).
     */
    export: z
      .preprocess((v) => (v && typeof v === 'object' && 'path' in v ? { records: v } : v), z.record(Identifier, HttpExportCall))
      .optional(),
    /** One call, or several made in order for each value (delete, then delete permanently). */
    erase: z.preprocess(toList, z.array(HttpCall).min(1)).optional(),
    correct: HttpCorrectCall.optional(),
    /** CCPA §7026: the call telling the processor the subject opted out of sale/sharing. */
    onOptOut: HttpCall.optional(),
    /** CCPA §7027: the call limiting its use of the subject's sensitive information. */
    onLimit: HttpCall.optional(),
    /** GDPR Art. 18/19: the calls telling it the subject's processing is restricted, and that the restriction is lifted. */
    onRestrict: HttpCall.optional(),
    onLiftRestriction: HttpCall.optional(),
  })
  .strict();
export type HttpStore = z.infer<typeof HttpStore>;

/** The processor's read calls by name (a single unnamed call is `records`). */
export function httpExportCalls(store: HttpStore): Record<string, HttpExportCall> {
  return store.export ?? {};
}

export interface HttpStoreIssue {
  path: (string | number)[];
  message: string;
}

/** What the schema alone cannot check: identities are declared, and each path fills only what it can. */
export function httpStoreIssues(store: HttpStore, identities: Set<string>): HttpStoreIssue[] {
  const issues: HttpStoreIssue[] = [];
  if (!identities.has(store.identity))
    issues.push({ path: ['identity'], message: `unknown identity "${store.identity}"; declare it in identities` });
  if (store.lookup) {
    const provided = Object.keys(store.lookup.provides);
    for (const id of provided) {
      if (!identities.has(id))
        issues.push({ path: ['lookup', 'provides', id], message: `unknown identity "${id}"; declare it in identities` });
    }
    const used = placeholders(store.lookup.path);
    if (used.length !== 1) {
      issues.push({
        path: ['lookup', 'path'],
        message: `must hold exactly one {identity} placeholder, the identity looked up from (found ${used.length})`,
      });
    } else if (!identities.has(used[0])) {
      issues.push({ path: ['lookup', 'path'], message: `unknown identity "${used[0]}"; declare it in identities` });
    } else if (provided.includes(used[0])) {
      issues.push({ path: ['lookup', 'path'], message: `looks up "${used[0]}" from itself; use an identity the subject already has` });
    }
  }
  const calls: [(string | number)[], { path: string }][] = [
    ...Object.entries(httpExportCalls(store)).map(([name, c]): [(string | number)[], { path: string }] => [['export', name], c]),
    ...(store.erase ?? []).map((c, i): [(string | number)[], { path: string }] => [['erase', i], c]),
    ...(store.correct ? [[['correct'], store.correct] as [(string | number)[], { path: string }]] : []),
    ...(['onOptOut', 'onLimit', 'onRestrict', 'onLiftRestriction'] as const).flatMap((k) => {
      const c = store[k];
      return c ? [[[k], c] as [(string | number)[], { path: string }]] : [];
    }),
  ];
  for (const [at, call] of calls) {
    for (const id of placeholders(call.path)) {
      if (id !== store.identity)
        issues.push({
          path: [...at, 'path'],
          message: `{${id}} is not filled in: a call's path may hold only the store's identity {${store.identity}}`,
        });
    }
  }
  return issues;
}
