// What the processor stand-ins share: a loopback HTTP server on a free port, a log of the calls
// it answered (method, path, content type, body; whether the credentials were right, never the
// credentials), and the knobs tests turn: answer the next call with 429 and Retry-After, or fail
// the next calls with 503.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandinCall {
  method: string;
  /** Path and query, as sent. */
  path: string;
  contentType?: string;
  body: string;
  authorized: boolean;
  status: number;
}

export interface StandinRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  contentType: string;
  body: string;
}

export interface StandinReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface StandinServer {
  url: string;
  calls: StandinCall[];
  /** The next call is answered 429 with this Retry-After (seconds). */
  rateLimitNext(retryAfterSeconds: number): void;
  /** The next `n` calls are answered 503. */
  failNext(n: number): void;
  stop(): Promise<void>;
}

export interface StandinOptions {
  /** Default: a free port. */
  port?: number;
  /** Default: loopback. */
  host?: string;
}

export const jsonReply = (status: number, body: unknown, headers: Record<string, string> = {}): StandinReply => ({ status, body, headers });

function write(res: ServerResponse, reply: StandinReply) {
  const headers = { ...reply.headers };
  if (reply.body === undefined) return res.writeHead(reply.status, headers).end();
  if (typeof reply.body === 'string') return res.writeHead(reply.status, { 'content-type': 'text/plain', ...headers }).end(reply.body);
  res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(reply.body));
}

/**
 * Starts a server answering with `handle` once `authorized` accepts the request's credentials;
 * `unauthorized`, `rateLimited` and `unavailable` give the processor's own answers for those cases.
 */
export async function startStandinServer(
  opts: StandinOptions,
  api: {
    authorized(req: StandinRequest): boolean;
    unauthorized(req: StandinRequest): StandinReply;
    rateLimited(retryAfterSeconds: number): StandinReply;
    handle(req: StandinRequest): StandinReply;
  },
): Promise<StandinServer> {
  const calls: StandinCall[] = [];
  let rateLimit: number | null = null;
  let failures = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: StandinRequest = {
        method: req.method ?? 'GET',
        url: new URL(req.url ?? '/', 'http://standin'),
        headers: req.headers,
        contentType: (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase(),
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const authorized = api.authorized(request);
      let reply: StandinReply;
      if (!authorized) reply = api.unauthorized(request);
      else if (failures > 0) {
        failures--;
        reply = { status: 503, body: 'Service Unavailable' };
      } else if (rateLimit !== null) {
        reply = api.rateLimited(rateLimit);
        rateLimit = null;
      } else {
        try {
          reply = api.handle(request);
        } catch (err) {
          reply = { status: 500, body: String(err) };
        }
      }
      calls.push({
        method: request.method,
        path: req.url ?? '/',
        contentType: request.contentType || undefined,
        body: request.body,
        authorized,
        status: reply.status,
      });
      write(res, reply);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    calls,
    rateLimitNext: (s) => (rateLimit = s),
    failNext: (n) => (failures = n),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
