import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { WorkerOptions } from '@temporalio/worker';
import { createAdminKey } from '../../api/admin-keys';
import { installErrorHandler } from '../../api/errors';
import { metricsRoutes } from '../../api/metrics';
import { dossierRoutes } from '../../api/routes/dossier';
import { chainHash } from '../../lib/audit-chain';
import { metricsPort, startWorkerMetricsServer, workerInterceptors } from '../../worker/metrics';
import { submitAndVerify, waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let app: FastifyInstance;
let adminKey: string;
let auditorKey: string;

before(async () => {
  stack = await startStack();
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
  auditorKey = (await createAdminKey(stack.db.engineDb, 'auditor', 'auditor')).key;
  // The stack's app is already ready (no routes can be added): a second app with the same deps.
  app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installErrorHandler(app);
  const deps = { config: stack.config, engineDb: stack.db.engineDb, temporal: stack.env.client, dataMap: stack.deps.dataMap };
  await app.register(dossierRoutes, { prefix: '/v1/admin/requests', deps });
  await app.register(metricsRoutes, { deps });
  await app.ready();
});
after(async () => {
  await app?.close();
  await stack?.stop();
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const EMAIL_RE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+\.[A-Za-z0-9.-]+/;

describe('audit dossier and metrics', () => {
  const email = 'carol@example.com';
  let requestId: string;

  test('an export request runs end to end', async () => {
    requestId = await submitAndVerify(stack, 'export', email);
    await waitForStatus(stack, requestId, 'completed');
  });

  test('the JSON dossier lists the audit trail exactly, every hash recomputes, no personal data', async () => {
    const url = `/v1/admin/requests/${requestId}/audit`;
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 401, 'no key');
    assert.equal((await app.inject({ method: 'GET', url, headers: bearer('dsar_wrong') })).statusCode, 401, 'wrong key');
    assert.equal((await app.inject({ method: 'GET', url, headers: bearer(adminKey) })).statusCode, 200, 'admin');
    const res = await app.inject({ method: 'GET', url, headers: bearer(auditorKey) });
    assert.equal(res.statusCode, 200, res.body);
    assert.ok(!res.body.toLowerCase().includes(email), 'the subject address appears nowhere');
    assert.ok(!EMAIL_RE.test(res.body.replace(/"messageId":"[^"]*"/g, '')), 'no email address at all');
    const d = res.json();

    assert.equal(d.request.id, requestId);
    assert.equal(d.request.type, 'export');
    assert.equal(d.request.status, 'completed');
    assert.ok(d.request.completedAt);
    for (const k of ['jurisdiction', 'channel', 'receivedAt', 'dueAt', 'extendedDueAt']) assert.ok(k in d.request, k);

    const { rows } = await stack.db.engineDb.query(
      'SELECT seq, event_key, request_id, at, actor, action, store, collection, details, prev_hash, hash FROM audit_events WHERE request_id = $1 ORDER BY seq',
      [requestId],
    );
    assert.ok(rows.length >= 5, `an export leaves a trail (${rows.length} events)`);
    assert.deepEqual(
      d.events.map((e: { seq: number; action: string; hash: string; prevHash: string }) => [e.seq, e.action, e.hash, e.prevHash]),
      rows.map((r) => [Number(r.seq), r.action, r.hash, r.prev_hash]),
      'events = audit_events rows of the request, in seq order',
    );
    for (const a of ['request.received', 'request.verified', 'export.packaged', 'request.completed']) {
      assert.ok(
        d.events.some((e: { action: string }) => e.action === a),
        `has ${a}`,
      );
    }

    // independent recomputation from the JSON alone (the recipe), and the engine's own verdict
    for (const e of d.events) {
      const recomputed = chainHash(e.prevHash, {
        seq: e.seq,
        eventKey: e.eventKey,
        requestId,
        at: e.at,
        actor: e.actor,
        action: e.action,
        store: e.store,
        collection: e.collection,
        details: e.details,
      });
      assert.equal(recomputed, e.hash, `event ${e.seq} recomputes`);
    }
    assert.equal(d.chain.ok, true);
    assert.equal(d.chain.events.length, d.events.length);
    assert.ok(d.chain.events.every((c: { recomputes: boolean; linked: boolean }) => c.recomputes && c.linked));
    assert.match(d.chain.recipe, /SHA-256/);

    assert.ok(d.emails.length >= 2, 'verification and export-ready mails');
    for (const m of d.emails) {
      assert.deepEqual(Object.keys(m).sort(), ['kind', 'messageId', 'sentAt']);
      assert.ok(!Number.isNaN(Date.parse(m.sentAt)));
    }
    const { rows: sent } = await stack.db.engineDb.query(
      "SELECT kind FROM mail_outbox WHERE request_id = $1 AND state = 'sent' ORDER BY kind",
      [requestId],
    );
    assert.deepEqual(
      d.emails.map((m: { kind: string }) => m.kind).sort(),
      sent.map((s) => s.kind),
    );
  });

  test('the HTML dossier carries every event, hash and email, escaped and without scripts', async () => {
    const url = `/v1/admin/requests/${requestId}/audit.html`;
    assert.equal((await app.inject({ method: 'GET', url })).statusCode, 401);
    const res = await app.inject({ method: 'GET', url, headers: bearer(auditorKey) });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    const html = res.body;
    assert.ok(!/<script/i.test(html), 'no scripts');
    assert.match(html, /@media print/);
    assert.ok(!html.toLowerCase().includes(email), 'no subject address');
    const { rows } = await stack.db.engineDb.query('SELECT action, hash, prev_hash FROM audit_events WHERE request_id = $1', [requestId]);
    for (const r of rows) {
      assert.ok(html.includes(r.hash), `hash of ${r.action}`);
      assert.ok(html.includes(r.prev_hash), `prev hash of ${r.action}`);
      assert.ok(html.includes(`<td>${r.action}</td>`), `action ${r.action}`);
    }
    const { rows: sent } = await stack.db.engineDb.query("SELECT kind FROM mail_outbox WHERE request_id = $1 AND state = 'sent'", [
      requestId,
    ]);
    for (const s of sent) assert.ok(html.includes(`<td>${s.kind}</td>`), `email ${s.kind}`);
  });

  test('unknown and malformed ids', async () => {
    for (const suffix of ['audit', 'audit.html']) {
      const unknown = await app.inject({
        method: 'GET',
        url: `/v1/admin/requests/00000000-0000-4000-8000-000000000000/${suffix}`,
        headers: bearer(auditorKey),
      });
      assert.equal(unknown.statusCode, 404, unknown.body);
      const bad = await app.inject({ method: 'GET', url: `/v1/admin/requests/not-a-uuid/${suffix}`, headers: bearer(auditorKey) });
      assert.equal(bad.statusCode, 400, bad.body);
    }
  });

  test('/metrics: request gauges by SQL, totals, default metrics, no personal data', async () => {
    let text: string;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^text\/plain/);
      text = res.body;
      if (text.includes('dsar_requests{type="export",status="completed"} 1\n') || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(text.includes('dsar_requests{type="export",status="completed"} 1\n'), text);
    assert.ok(text.includes('dsar_requests{type="deletion",status="completed"} 0\n'));
    assert.match(text, /^dsar_requests_overdue\{type="export"\} 0$/m);
    const {
      rows: [x],
    } = await stack.db.engineDb.query('SELECT sum(bytes)::text AS bytes FROM exports');
    assert.ok(Number(x.bytes) > 0);
    assert.ok(text.includes(`dsar_export_bytes_total ${x.bytes}\n`), 'export bytes');
    const {
      rows: [a],
    } = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM audit_events');
    assert.ok(text.includes(`dsar_audit_events_total ${a.n}\n`), 'audit events');
    assert.match(text, /^process_cpu_user_seconds_total /m, 'default Node metrics');
    assert.ok(!EMAIL_RE.test(text), 'no email address');
    assert.ok(!text.includes(requestId), 'no request ids');
  });

  test('worker interceptor counts activity failures per type; the worker serves its registry', async () => {
    const interceptors: WorkerOptions['interceptors'] = workerInterceptors(); // what worker/create.ts passes
    const [factory] = interceptors!.activity!;
    const inbound = factory({ info: { activityType: 'sendMailForTest' } } as never).inbound!;
    const input = { args: [], headers: {} };
    await inbound.execute!(input, async () => 'ok');
    await assert.rejects(
      inbound.execute!(input, async () => {
        throw new Error('smtp down');
      }),
      /smtp down/,
    );
    await assert.rejects(
      inbound.execute!(input, async () => {
        throw new Error('smtp down');
      }),
      /smtp down/,
    );
    const server = await startWorkerMetricsServer(0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${metricsPort(server)}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /^dsar_activity_failures_total\{activity="sendMailForTest"\} 2$/m);
      assert.match(text, /^dsar_activity_executions_total\{activity="sendMailForTest"\} 3$/m);
      assert.match(text, /^process_cpu_user_seconds_total /m);
      assert.equal((await fetch(`http://127.0.0.1:${metricsPort(server)}/other`)).status, 404);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
