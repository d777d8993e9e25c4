// The privacy team's request listing: its query (filters, search by address or id, open or
// closed, paging) and how it becomes a records filter.
import { z } from 'zod';
import type { RequestFilter } from '../records/requests';
import { JURISDICTIONS } from '../schemas/deadline';
import { CHANNELS, REQUEST_STATUSES, REQUEST_TYPES } from '../schemas/request';
import { TERMINAL_STATUSES, type RequestStatus } from '../schemas/status';
import { badRequest } from './errors';

const csv = (values: readonly string[]) =>
  z
    .string()
    .refine((s) => s.split(',').every((v) => values.includes(v)), `comma-separated, each one of: ${values.join(', ')}`)
    .optional();
const flag = z.enum(['true', 'false']).optional();

export const ListQuery = z
  .object({
    /** A request id, or the subject's address (exact, case-insensitive). */
    q: z.string().trim().min(1).max(320).optional(),
    /** open: not finished yet; closed: completed, denied, expired or failed. */
    view: z.enum(['open', 'closed', 'all']).default('all'),
    status: csv(REQUEST_STATUSES),
    type: csv(REQUEST_TYPES),
    jurisdiction: csv(JURISDICTIONS),
    channel: csv(CHANNELS),
    overdue: flag,
    needs_attention: flag,
    on_hold: flag,
    dueBefore: z.iso.datetime({ offset: true }).optional(),
    cursor: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type ListQuery = z.infer<typeof ListQuery>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ADDRESS = /^[^\s@]+@[^\s@]+$/;

/** The statuses a listing may show: the view, the status list and the flags, all at once. */
function statusesOf(q: ListQuery): RequestStatus[] | undefined {
  let allowed: RequestStatus[] | undefined = q.status ? (q.status.split(',') as RequestStatus[]) : undefined;
  const keep = (test: (s: RequestStatus) => boolean) => {
    allowed = (allowed ?? [...REQUEST_STATUSES]).filter(test);
  };
  if (q.view === 'open') keep((s) => !TERMINAL_STATUSES.has(s));
  if (q.view === 'closed') keep((s) => TERMINAL_STATUSES.has(s));
  if (q.needs_attention) keep((s) => (s === 'needs_attention') === (q.needs_attention === 'true'));
  if (q.on_hold) keep((s) => (s === 'on_hold') === (q.on_hold === 'true'));
  return allowed;
}

/** The records filter of a listing query (without its page); a search that is neither an id nor an address is refused. */
export function listingFilter(q: ListQuery): Omit<RequestFilter, 'after' | 'limit'> {
  const search: Pick<RequestFilter, 'ids' | 'subjectEmail'> = {};
  if (q.q !== undefined) {
    if (UUID.test(q.q)) search.ids = [q.q.toLowerCase()];
    else if (ADDRESS.test(q.q)) search.subjectEmail = q.q;
    else throw badRequest('query.q', "search by a request id or the subject's whole address");
  }
  return {
    ...search,
    statuses: statusesOf(q),
    types: q.type?.split(','),
    jurisdictions: q.jurisdiction?.split(','),
    channels: q.channel?.split(','),
    overdue: q.overdue === undefined ? undefined : q.overdue === 'true',
    dueBefore: q.dueBefore ? new Date(q.dueBefore) : undefined,
  };
}
