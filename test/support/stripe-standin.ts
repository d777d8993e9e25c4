// A local stand-in for the Stripe API calls examples/processors/stripe.yml makes (an API we do not
// own), holding customers, invoices and payment methods in memory:
//   GET    /v1/customers?email=…&limit=…&starting_after=…   list (object "list", data, has_more),
//                                                          exact e-mail match, deleted customers left out
//   GET    /v1/customers/cus_…                               the customer; a deleted one is 200 {id, object, deleted: true}
//   POST   /v1/customers/cus_…                               update from a form body (application/x-www-form-urlencoded)
//   DELETE /v1/customers/cus_…                               200 {id, object, deleted: true}; the payment methods go with it
//   GET    /v1/invoices?customer=cus_…                       list; invoices outlive their customer
//   GET    /v1/customers/cus_…/payment_methods               list
// Lists are newest first, `limit` 1–100 (default 10), paged with `starting_after=<id of the last
// object>`. An unknown or deleted customer where one is needed is 404 with error.code
// "resource_missing"; a wrong or missing key is 401; `rateLimitNext` answers one call 429 with
// Retry-After. `dsar dev` runs one for the demo product's billing (see cli/dev-processor.ts).
import { jsonReply, startStandinServer, type StandinOptions, type StandinReply, type StandinServer } from './http-standin';

export interface StripeCustomer {
  id: string;
  object: 'customer';
  created: number;
  email: string | null;
  name: string | null;
  phone: string | null;
  description: string | null;
  address: Record<string, string | null> | null;
  metadata: Record<string, string>;
  currency: string | null;
  balance: number;
  delinquent: boolean;
  livemode: false;
}

export interface StripeInvoice {
  id: string;
  object: 'invoice';
  created: number;
  customer: string;
  customer_email: string | null;
  customer_name: string | null;
  number: string;
  currency: string;
  amount_due: number;
  amount_paid: number;
  status: 'paid' | 'open';
  livemode: false;
}

export interface StripePaymentMethod {
  id: string;
  object: 'payment_method';
  created: number;
  customer: string | null;
  type: 'card';
  billing_details: { name: string | null; email: string | null; phone: string | null; address: Record<string, string | null> | null };
  card: { brand: string; last4: string; exp_month: number; exp_year: number; country: string; funding: string; fingerprint: string };
  livemode: false;
}

export interface StripeStandin extends StandinServer {
  secretKey: string;
  /** Live customers by id. */
  customers: Map<string, StripeCustomer>;
  /** Ids of deleted customers (retrievable as `{deleted: true}`, as Stripe keeps them). */
  deleted: Set<string>;
  invoices: StripeInvoice[];
  paymentMethods: StripePaymentMethod[];
  /** Adds a customer with `invoices` paid invoices and `cards` cards; returns it. */
  addCustomer(c: { email: string; name: string; invoices?: number; cards?: number }): StripeCustomer;
}

const missing = (kind: string, id: string, param = 'id'): StandinReply =>
  jsonReply(404, {
    error: {
      code: 'resource_missing',
      doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
      message: `No such ${kind}: '${id}'`,
      param,
      type: 'invalid_request_error',
    },
  });

const invalid = (message: string, param?: string, code?: string): StandinReply =>
  jsonReply(400, { error: { ...(code ? { code } : {}), message, ...(param ? { param } : {}), type: 'invalid_request_error' } });

/** Ids shaped like Stripe's (prefix, underscore, 14 alphanumerics), deterministic per stand-in. */
function idMaker() {
  let n = 0;
  return (prefix: string) => {
    n++;
    const s = (n * 2654435761).toString(36).padStart(8, '0');
    return `${prefix}_${`Sx${s}${n.toString(36)}`.padEnd(14, '0').slice(0, 14)}`;
  };
}

const UPDATABLE = new Set(['name', 'email', 'phone', 'description']);

export async function startStripeStandin(opts: StandinOptions & { secretKey?: string } = {}): Promise<StripeStandin> {
  const secretKey = opts.secretKey ?? 'sk_test_standin_0123456789';
  const customers = new Map<string, StripeCustomer>();
  const deleted = new Set<string>();
  const invoices: StripeInvoice[] = [];
  const paymentMethods: StripePaymentMethod[] = [];
  const newId = idMaker();
  let clock = 1_700_000_000;

  /** One page of a list, newest first: `limit` and `starting_after` as Stripe reads them. */
  function list<T extends { id: string; created: number }>(url: URL, path: string, all: T[], kind: string): StandinReply {
    const limitParam = url.searchParams.get('limit');
    const limit = limitParam === null ? 10 : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      return invalid('This value must be greater than or equal to 1 and less than or equal to 100.', 'limit', 'parameter_invalid_integer');
    const sorted = all.slice().sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    const after = url.searchParams.get('starting_after');
    let from = 0;
    if (after) {
      const i = sorted.findIndex((o) => o.id === after);
      if (i < 0) return missing(kind, after, 'starting_after');
      from = i + 1;
    }
    const data = sorted.slice(from, from + limit);
    return jsonReply(200, { object: 'list', url: path, has_more: from + limit < sorted.length, data });
  }

  function update(c: StripeCustomer, form: URLSearchParams): StandinReply {
    for (const [key, value] of form) {
      const address = /^address\[(line1|line2|city|state|postal_code|country)\]$/.exec(key);
      const meta = /^metadata\[([^\]]+)\]$/.exec(key);
      if (UPDATABLE.has(key)) (c as unknown as Record<string, string | null>)[key] = value === '' ? null : value;
      else if (address) c.address = { ...(c.address ?? {}), [address[1]]: value };
      else if (meta) c.metadata[meta[1]] = value;
      else return invalid(`Received unknown parameter: ${key}`, key, 'parameter_unknown');
    }
    return jsonReply(200, c);
  }

  const server = await startStandinServer(opts, {
    authorized(req) {
      const auth = req.headers.authorization ?? '';
      if (auth === `Bearer ${secretKey}`) return true;
      // Stripe also takes the key as the user name of Basic authentication
      return auth.startsWith('Basic ') && Buffer.from(auth.slice(6), 'base64').toString().split(':')[0] === secretKey;
    },
    unauthorized(req) {
      const given = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      return jsonReply(401, {
        error: {
          message: given
            ? `Invalid API Key provided: ${given.slice(0, 8)}${'*'.repeat(Math.max(0, given.length - 12))}${given.slice(-4)}`
            : 'You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth.',
          type: 'invalid_request_error',
        },
      });
    },
    rateLimited: (seconds) =>
      jsonReply(
        429,
        {
          error: {
            code: 'rate_limit',
            message: 'Request rate limit exceeded. Please retry after a moment.',
            type: 'invalid_request_error',
          },
        },
        { 'retry-after': String(seconds) },
      ),
    handle(req) {
      const { pathname } = req.url;
      const one = /^\/v1\/customers\/([^/]+)$/.exec(pathname);
      const pms = /^\/v1\/customers\/([^/]+)\/payment_methods$/.exec(pathname);
      if (pathname === '/v1/customers' && req.method === 'GET') {
        const email = req.url.searchParams.get('email');
        const matching = [...customers.values()].filter((c) => email === null || c.email === email);
        return list(req.url, '/v1/customers', matching, 'customer');
      }
      if (one) {
        const id = decodeURIComponent(one[1]);
        const c = customers.get(id);
        if (req.method === 'GET') {
          if (c) return jsonReply(200, c);
          return deleted.has(id) ? jsonReply(200, { id, object: 'customer', deleted: true }) : missing('customer', id);
        }
        if (req.method === 'DELETE') {
          if (!c) return missing('customer', id);
          customers.delete(id);
          deleted.add(id);
          for (let i = paymentMethods.length - 1; i >= 0; i--) if (paymentMethods[i].customer === id) paymentMethods.splice(i, 1);
          return jsonReply(200, { id, object: 'customer', deleted: true });
        }
        if (req.method === 'POST') {
          if (req.body && req.contentType !== 'application/x-www-form-urlencoded')
            return invalid(
              `Invalid request: the body must be application/x-www-form-urlencoded, not ${req.contentType || 'untyped'}; see https://stripe.com/docs/api`,
            );
          if (!c) return missing('customer', id);
          return update(c, new URLSearchParams(req.body));
        }
      }
      if (pms && req.method === 'GET') {
        const id = decodeURIComponent(pms[1]);
        if (!customers.has(id)) return missing('customer', id, 'customer');
        return list(
          req.url,
          `/v1/customers/${id}/payment_methods`,
          paymentMethods.filter((p) => p.customer === id),
          'payment_method',
        );
      }
      if (pathname === '/v1/invoices' && req.method === 'GET') {
        const customer = req.url.searchParams.get('customer');
        return list(
          req.url,
          '/v1/invoices',
          invoices.filter((i) => customer === null || i.customer === customer),
          'invoice',
        );
      }
      return jsonReply(404, {
        error: {
          message: `Unrecognized request URL (${req.method}: ${pathname}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
          type: 'invalid_request_error',
        },
      });
    },
  });

  const standin: StripeStandin = {
    ...server,
    secretKey,
    customers,
    deleted,
    invoices,
    paymentMethods,
    addCustomer({ email, name, invoices: invoiceCount = 0, cards = 0 }) {
      const customer: StripeCustomer = {
        id: newId('cus'),
        object: 'customer',
        created: (clock += 60),
        email,
        name,
        phone: null,
        description: null,
        address: { line1: null, line2: null, city: 'Berlin', state: null, postal_code: '10115', country: 'DE' },
        metadata: {},
        currency: 'eur',
        balance: 0,
        delinquent: false,
        livemode: false,
      };
      customers.set(customer.id, customer);
      for (let i = 0; i < invoiceCount; i++) {
        invoices.push({
          id: newId('in'),
          object: 'invoice',
          created: (clock += 60),
          customer: customer.id,
          customer_email: email,
          customer_name: name,
          number: `${customer.id.slice(4, 12).toUpperCase()}-${String(i + 1).padStart(4, '0')}`,
          currency: 'eur',
          amount_due: 1900 + (i % 5) * 1000,
          amount_paid: 1900 + (i % 5) * 1000,
          status: 'paid',
          livemode: false,
        });
      }
      for (let i = 0; i < cards; i++) {
        paymentMethods.push({
          id: newId('pm'),
          object: 'payment_method',
          created: (clock += 60),
          customer: customer.id,
          type: 'card',
          billing_details: { name, email, phone: null, address: customer.address },
          card: {
            brand: i % 2 ? 'mastercard' : 'visa',
            last4: String(4242 + i).slice(-4),
            exp_month: 1 + (i % 12),
            exp_year: 2030 + i,
            country: 'DE',
            funding: 'credit',
            fingerprint: `fp${customer.id.slice(4)}${i}`,
          },
          livemode: false,
        });
      }
      return customer;
    },
  };
  return standin;
}
