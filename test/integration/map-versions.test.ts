// Map versions on the real stack: a request runs with the data map it started with. A deletion
// received on map v1 waits for verification while the worker restarts on v2 (support_tickets no
// longer mapped); verified, it erases v1's collections, support tickets included, and its receipt
// and dossier name v1. A deletion received on v2 leaves the tickets alone. A request on v1 whose
// table is gone under v2 stops in needs_attention, having written nothing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app';
import { createAdminKey } from '../../api/admin-keys';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { compileDataMapSources, dataMapVersion } from '../../lib/datamap-version';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { stateQuery } from '../../schemas/contract';
import { dataMapContent } from '../../schemas/datamap';
import type { CompiledDataMap } from '../../schemas/datamap-graph';
import { codeFrom, waitForErasure, waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let v1: CompiledDataMap;
let v2: CompiledDataMap;
let v2Text: string;
let apiOnV2: FastifyInstance;
let adminKey: string;

/** The demo map without its support_tickets collection. */
const withoutTickets = (text: string) => {
  const out = text.replace(/\n {6}support_tickets:\n[\s\S]*?restrictColumn: restricted_at\n/, '\n');
  assert.notEqual(out, text);
  return out;
};

before(async () => {
  stack = await startStack();
  await stack.startWorker();
  v1 = stack.deps.dataMap;
  v2Text = withoutTickets(await readFile(path.join(PROJECT_ROOT, 'demo', 'datamap.yml'), 'utf8'));
  v2 = compileDataMapSources([{ name: 'demo/datamap.yml', text: v2Text }], v1.origin!.env);
  apiOnV2 = await buildApp(
    { config: stack.config, engineDb: stack.db.engineDb, temporal: stack.env.client, dataMap: v2 },
    { logger: false },
  );
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
});
after(async () => {
  await apiOnV2?.close();
  await stack?.stop();
});

async function ticketsOf(email: string): Promise<number> {
  const { rows } = await stack.db.appDb.query(
    'SELECT count(*)::int AS n FROM support_tickets t JOIN accounts a ON a.id = t.account_id WHERE a.email = $1',
    [email],
  );
  return rows[0].n;
}

async function submitOn(app: FastifyInstance, type: string, email: string): Promise<{ id: string; code: string }> {
  const res = await app.inject({ method: 'POST', url: '/v1/requests', payload: { type, email } });
  assert.equal(res.statusCode, 202, res.body);
  const id: string = res.json().id;
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /Confirm/.test(m.subject));
  return { id, code: codeFrom(mail.text) };
}

async function verifyOn(app: FastifyInstance, id: string, code: string): Promise<void> {
  const res = await app.inject({ method: 'POST', url: `/v1/requests/${id}/verify`, payload: { token: code } });
  assert.equal(res.statusCode, 200, res.body);
}

async function receiptVersion(id: string): Promise<unknown> {
  const { rows } = await stack.db.engineDb.query('SELECT details FROM audit_events WHERE request_id = $1 AND action = $2', [
    id,
    AUDIT_ACTIONS.requestReceived,
  ]);
  assert.equal(rows.length, 1);
  return rows[0].details.dataMapVersion;
}

/** Restarts the in-process worker with another map (as `dsar worker` would start with a changed DATAMAP_PATH). */
async function restartWorkerWith(map: CompiledDataMap): Promise<void> {
  await stack.stopWorker();
  stack.deps.dataMap = map;
  await stack.startWorker();
}

test('a deletion received on v1 and verified after the worker restarted on v2 erases v1’s collections; one received on v2 follows v2', async () => {
  const v1Version = dataMapVersion(
    dataMapContent([{ name: 'x', text: await readFile(path.join(PROJECT_ROOT, 'demo', 'datamap.yml'), 'utf8') }]),
  );
  assert.equal(v1.origin?.version, v1Version);
  assert.notEqual(v2.origin?.version, v1Version);

  const carol = 'carol@example.com';
  assert.equal(await ticketsOf(carol), 2);
  const first = await submitOn(stack.app, 'deletion', carol);
  await waitForStatus(stack, first.id, 'awaiting_verification');
  await restartWorkerWith(v2);
  try {
    const { rows: versions } = await stack.db.engineDb.query('SELECT version, first_seen_by FROM datamap_versions ORDER BY first_seen_at');
    assert.deepEqual(versions, [
      { version: v1Version, first_seen_by: 'api' },
      { version: v2.origin!.version, first_seen_by: 'api' },
    ]);
    const { rows: pinned } = await stack.db.engineDb.query('SELECT datamap_version FROM requests WHERE id = $1', [first.id]);
    assert.deepEqual(pinned, [{ datamap_version: v1Version }]);

    await verifyOn(stack.app, first.id, first.code);
    const state = await waitForErasure(stack, first.id);
    assert.equal(await ticketsOf(carol), 0, 'v1 maps support_tickets: its rows are erased');
    const erased = state.outcomes?.find((o) => o.collection === 'support_tickets');
    assert.equal(erased?.deleted, 2);
    assert.equal(await receiptVersion(first.id), v1Version);
    const admin = { authorization: `Bearer ${adminKey}` };
    const dossier = await stack.app.inject({ method: 'GET', url: `/v1/admin/requests/${first.id}/audit`, headers: admin });
    assert.equal(dossier.statusCode, 200, dossier.body);
    assert.equal(dossier.json().request.dataMapVersion, v1Version);
    const html = await stack.app.inject({ method: 'GET', url: `/v1/admin/requests/${first.id}/audit.html`, headers: admin });
    assert.match(html.body, new RegExp(`<dt>Data map version</dt><dd>${v1Version}</dd>`));

    // received through an API on v2: the tickets are not in its map, so they stay
    const bob = 'bob@example.com';
    const second = await submitOn(apiOnV2, 'deletion', bob);
    await verifyOn(apiOnV2, second.id, second.code);
    const secondState = await waitForErasure(stack, second.id, 90_000);
    assert.equal(await ticketsOf(bob), 2, 'v2 does not map support_tickets: its rows stay');
    assert.equal(
      secondState.outcomes?.some((o) => o.collection === 'support_tickets'),
      false,
    );
    assert.equal(await receiptVersion(second.id), v2.origin!.version);
  } finally {
    await restartWorkerWith(v1);
  }
});

test('a request on v1 whose table is gone by the time it runs stops in needs_attention, having written nothing', async () => {
  const email = 'user1@example.net';
  const request = await submitOn(stack.app, 'access', email);
  await waitForStatus(stack, request.id, 'awaiting_verification');
  await restartWorkerWith(v2);
  await stack.db.appDb.query('ALTER TABLE support_tickets RENAME TO support_tickets_archived');
  try {
    await verifyOn(stack.app, request.id, request.code);
    await waitForStatus(stack, request.id, 'needs_attention', 60_000);
    const state = await stack.env.client.workflow.getHandle(request.id).query(stateQuery);
    assert.deepEqual(
      [state.attention?.store, state.attention?.collection, state.attention?.errorClass],
      ['app_db', 'support_tickets', 'postgres 42P01'],
    );
    const { rows: archives } = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM exports WHERE request_id = $1', [request.id]);
    assert.equal(archives[0].n, 0, 'no archive from half the map');
    assert.equal(await receiptVersion(request.id), v1.origin!.version);
  } finally {
    await stack.db.appDb.query('ALTER TABLE support_tickets_archived RENAME TO support_tickets');
    await restartWorkerWith(v1);
  }
});

test('a request whose version cannot be compiled by this worker (a ${VAR} it lacks) stops in needs_attention before touching a store', async () => {
  const email = 'user2@example.net';
  const content = JSON.parse(JSON.stringify(v1.origin!.content).replace('${APP_DATABASE_URL}', '${MAPVER_UNSET_URL}')) as unknown;
  const version = dataMapVersion(content);
  await stack.db.engineDb.query("INSERT INTO datamap_versions (version, content, first_seen_by) VALUES ($1, $2, 'api')", [
    version,
    JSON.stringify(content),
  ]);
  const request = await submitOn(stack.app, 'access', email);
  await waitForStatus(stack, request.id, 'awaiting_verification');
  // as if an API whose map reads another variable had received it
  await stack.db.engineDb.query('UPDATE requests SET datamap_version = $2 WHERE id = $1', [request.id, version]);
  await restartWorkerWith(v1); // a new worker: it has not seen this request's version yet
  await verifyOn(stack.app, request.id, request.code);
  await waitForStatus(stack, request.id, 'needs_attention', 60_000);
  const state = await stack.env.client.workflow.getHandle(request.id).query(stateQuery);
  assert.deepEqual([state.attention?.store, state.attention?.collection, state.attention?.errorClass], ['engine', 'datamap', 'datamap']);
  const { rows: archives } = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM exports WHERE request_id = $1', [request.id]);
  assert.equal(archives[0].n, 0);
  const { rows: identities } = await stack.db.engineDb.query('SELECT count(*)::int AS n FROM subject_identities WHERE request_id = $1', [
    request.id,
  ]);
  assert.equal(identities[0].n, 0, 'the subject was not even looked up with another map');
});
