// A local HTTP server playing a third-party processor (the only stand-in the tests use: an
// API we do not own). It records every call and can fail the first ones.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProcessorCallRecord {
  method: string;
  path: string;
  authorization?: string;
  body?: string;
}

export interface FakeProcessor {
  url: string;
  token: string;
  calls: ProcessorCallRecord[];
  /** The next `n` calls answer 503. */
  failNext(n: number): void;
  stop(): Promise<void>;
}

export async function startProcessor(): Promise<FakeProcessor> {
  const calls: ProcessorCallRecord[] = [];
  let failures = 0;
  const token = 'processor-test-token';
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
    if (req.method === 'DELETE') return res.writeHead(204).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ customer: req.url, invoices: 2 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token,
    calls,
    failNext: (n) => (failures = n),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
