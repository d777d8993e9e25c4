// A local stand-in for the Zendesk Support API calls examples/processors/zendesk.yml makes (an API
// we do not own), holding users and tickets in memory:
//   GET    /api/v2/users/search.json?query=email:…             {users, next_page, previous_page, count}; active users only
//   GET    /api/v2/users/{id}.json                             {user}; a soft-deleted user is {user: {…, active: false}}
//   GET    /api/v2/users/{id}/tickets/requested.json            {tickets, next_page, previous_page, count}
//   PUT    /api/v2/users/{id}.json                             update from a JSON body {user: {name, email}}
//   DELETE /api/v2/users/{id}.json                             soft delete: 200 {user: {…, active: false}}
//   DELETE /api/v2/deleted_users/{id}.json                     permanent deletion of a soft-deleted user: 200 {deleted_user}
// Offset pagination: `page` and `per_page` (≤ 100, default 100), `next_page` an absolute URL on
// the same host, null on the last page. The `.json` suffix is optional, as on Zendesk. An unknown
// user is 404 {"error":"RecordNotFound","description":"Not found"}; a wrong or missing token is
// 401; `rateLimitNext` answers one call 429 with Retry-After.
import { jsonReply, startStandinServer, type StandinOptions, type StandinReply, type StandinServer } from './http-standin';

export interface ZendeskUser {
  id: number;
  url: string;
  name: string;
  email: string | null;
  role: 'end-user';
  active: boolean;
  verified: boolean;
  locale: string;
  time_zone: string;
  created_at: string;
  updated_at: string;
}

export interface ZendeskTicket {
  id: number;
  url: string;
  subject: string;
  description: string;
  status: 'new' | 'open' | 'solved' | 'closed';
  requester_id: number;
  created_at: string;
}

export interface ZendeskStandin extends StandinServer {
  token: string;
  /** Users by id, active and soft-deleted (`active: false`); a permanently deleted user is gone from here. */
  users: Map<number, ZendeskUser>;
  /** Ids of users permanently deleted. */
  permanentlyDeleted: Set<number>;
  tickets: ZendeskTicket[];
  addUser(u: { email: string; name: string; tickets?: number }): ZendeskUser;
}

const notFound = (): StandinReply => jsonReply(404, { error: 'RecordNotFound', description: 'Not found' });

export async function startZendeskStandin(opts: StandinOptions & { token?: string } = {}): Promise<ZendeskStandin> {
  const token = opts.token ?? 'zendesk-standin-oauth-token';
  const users = new Map<number, ZendeskUser>();
  const permanentlyDeleted = new Set<number>();
  const tickets: ZendeskTicket[] = [];
  let nextUserId = 361_000_000_001;
  let nextTicketId = 1001;
  let clock = Date.parse('2024-03-01T09:00:00Z');
  const stamp = () => new Date((clock += 60_000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  let base = '';

  /** One page of a list, as Zendesk's offset pagination gives it. */
  function page<T>(url: URL, key: string, all: T[]): StandinReply {
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 100));
    const pageNo = Number(url.searchParams.get('page') ?? 1);
    if (!Number.isInteger(perPage) || perPage < 1 || !Number.isInteger(pageNo) || pageNo < 1)
      return jsonReply(400, { error: 'InvalidPaginationParameter', description: 'page and per_page must be positive integers' });
    const at = (n: number) => {
      const u = new URL(url.pathname + url.search, base);
      u.searchParams.set('page', String(n));
      u.searchParams.set('per_page', String(perPage));
      return u.toString();
    };
    const data = all.slice((pageNo - 1) * perPage, pageNo * perPage);
    return jsonReply(200, {
      [key]: data,
      next_page: pageNo * perPage < all.length ? at(pageNo + 1) : null,
      previous_page: pageNo > 1 ? at(pageNo - 1) : null,
      count: all.length,
    });
  }

  const server = await startStandinServer(opts, {
    authorized: (req) => req.headers.authorization === `Bearer ${token}`,
    unauthorized: () => jsonReply(401, { error: "Couldn't authenticate you" }),
    rateLimited: (seconds) =>
      jsonReply(429, { error: 'TooManyRequests', description: 'Rate limit exceeded' }, { 'retry-after': String(seconds) }),
    handle(req) {
      const path = req.url.pathname.replace(/\.json$/, '');
      if (path === '/api/v2/users/search' && req.method === 'GET') {
        const query = req.url.searchParams.get('query') ?? '';
        const email = /^email:(.+)$/.exec(query.trim())?.[1]?.toLowerCase();
        const found = [...users.values()].filter((u) => u.active && email !== undefined && u.email?.toLowerCase() === email);
        return page(req.url, 'users', found);
      }
      const user = /^\/api\/v2\/users\/(\d+)$/.exec(path);
      const requested = /^\/api\/v2\/users\/(\d+)\/tickets\/requested$/.exec(path);
      const deletedUser = /^\/api\/v2\/deleted_users\/(\d+)$/.exec(path);
      if (user) {
        const u = users.get(Number(user[1]));
        if (!u) return notFound();
        if (req.method === 'GET') return jsonReply(200, { user: u });
        if (req.method === 'DELETE') {
          if (!u.active) return notFound();
          u.active = false;
          u.updated_at = stamp();
          return jsonReply(200, { user: u });
        }
        if (req.method === 'PUT') {
          if (!u.active) return notFound();
          if (req.contentType !== 'application/json')
            return jsonReply(400, { error: 'InvalidContentType', description: 'Content-Type must be application/json' });
          let body: { user?: { name?: unknown; email?: unknown } };
          try {
            body = JSON.parse(req.body) as typeof body;
          } catch {
            return jsonReply(400, { error: 'InvalidJSON', description: 'The request body is not valid JSON' });
          }
          if (!body.user || typeof body.user !== 'object')
            return jsonReply(400, { error: 'InvalidValue', description: 'user is required' });
          if (typeof body.user.name === 'string') u.name = body.user.name;
          if (typeof body.user.email === 'string') u.email = body.user.email;
          u.updated_at = stamp();
          return jsonReply(200, { user: u });
        }
      }
      if (requested && req.method === 'GET') {
        const id = Number(requested[1]);
        if (!users.get(id)?.active) return notFound();
        return page(
          req.url,
          'tickets',
          tickets.filter((t) => t.requester_id === id),
        );
      }
      if (deletedUser && req.method === 'DELETE') {
        const id = Number(deletedUser[1]);
        const u = users.get(id);
        if (!u || u.active) return notFound();
        users.delete(id);
        permanentlyDeleted.add(id);
        return jsonReply(200, {
          deleted_user: {
            id,
            url: `${base}/api/v2/deleted_users/${id}.json`,
            name: 'Permanently Deleted User',
            email: null,
            active: false,
          },
        });
      }
      return jsonReply(404, { error: 'InvalidEndpoint', description: 'Not found' });
    },
  });
  base = server.url;

  return {
    ...server,
    token,
    users,
    permanentlyDeleted,
    tickets,
    addUser({ email, name, tickets: ticketCount = 0 }) {
      const id = nextUserId++;
      const created = stamp();
      const u: ZendeskUser = {
        id,
        url: `${base}/api/v2/users/${id}.json`,
        name,
        email,
        role: 'end-user',
        active: true,
        verified: true,
        locale: 'en-US',
        time_zone: 'Europe/Berlin',
        created_at: created,
        updated_at: created,
      };
      users.set(id, u);
      for (let i = 0; i < ticketCount; i++) {
        const tid = nextTicketId++;
        tickets.push({
          id: tid,
          url: `${base}/api/v2/tickets/${tid}.json`,
          subject: `Question ${i + 1}`,
          description: `Ticket ${i + 1} from ${name}`,
          status: i % 3 ? 'solved' : 'open',
          requester_id: id,
          created_at: stamp(),
        });
      }
      return u;
    },
  };
}
