// A local HTTP server playing a third-party processor (the only stand-in the tests use: an
// API we do not own). It records every call, can fail the first ones, answers one 429 with
// Retry-After when asked, and serves a customer and their invoices, paginated by cursor.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProcessorCallRecord {
  method: string;
  path: string;
  authorization?: string;
  body?: string;
}

export interface FakeCustomer {
  id: string;
  email: string;
  name: string;
  invoices: { id: string; amount_cents: number; status: string }[];
}

export interface FakeProcessor {
  url: string;
  token: string;
  calls: ProcessorCallRecord[];
  /** Customers by account id, as the processor holds them (tests add and inspect). */
  customers: Map<string, FakeCustomer>;
  /** Invoices per page of `/invoices`. */
  pageSize: number;
  /** The next `n` calls answer 503. */
  failNext(n: number): void;
  /** The next call answers 429 with this Retry-After (seconds). */
  rateLimitNext(retryAfterSeconds: number): void;
  stop(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

export async function startProcessor(): Promise<FakeProcessor> {
  const calls: ProcessorCallRecord[] = [];
  const customers = new Map<string, FakeCustomer>();
  let failures = 0;
  let rateLimit: number | null = null;
  const token = 'processor-test-token';
  const proc: Omit<FakeProcessor, 'url' | 'stop'> = {
    token,
    calls,
    customers,
    pageSize: 2,
    failNext: (n) => (failures = n),
    rateLimitNext: (s) => (rateLimit = s),
  };
  const server = createServer((req, res) => {
    const record: ProcessorCallRecord = { method: req.method ?? '', path: req.url ?? '', authorization: req.headers.authorization };
    calls.push(record);
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => (record.body = body));
    if (req.headers.authorization !== `Bearer ${token}`) return res.writeHead(401).end();
    if (failures > 0) {
      failures--;
      return res.writeHead(503).end();
    }
    if (rateLimit !== null) {
      res.writeHead(429, { 'retry-after': String(rateLimit) }).end();
      rateLimit = null;
      return;
    }
    const url = new URL(req.url ?? '/', 'http://processor');
    const m = /^\/v1\/customers\/([^/]+)(\/invoices)?$/.exec(url.pathname);
    if (!m) return res.writeHead(404).end();
    const id = decodeURIComponent(m[1]);
    const customer = customers.get(id);
    if (req.method === 'DELETE') {
      if (!customer) return res.writeHead(404).end();
      customers.delete(id);
      return res.writeHead(204).end();
    }
    if (req.method === 'PATCH') {
      if (!customer) return res.writeHead(404).end();
      req.on('end', () => {
        const patch = (JSON.parse(body || '{}') as { corrections?: Record<string, string> }).corrections ?? {};
        Object.assign(customer, patch);
        json(res, 200, { id });
      });
      return;
    }
    if (!customer) return json(res, 404, { error: 'no such customer' });
    if (!m[2]) return json(res, 200, { id: customer.id, email: customer.email, name: customer.name });
    const from = Number(url.searchParams.get('starting_after') ?? 0);
    const page = customer.invoices.slice(from, from + proc.pageSize);
    const next = from + page.length;
    json(res, 200, {
      data: page,
      has_more: next < customer.invoices.length,
      next_cursor: next < customer.invoices.length ? String(next) : null,
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(proc as FakeProcessor, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
