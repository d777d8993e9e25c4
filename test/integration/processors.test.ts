// The processor library (examples/processors/*.yml) through the real engine: the demo map with
// every example file merged in, the Stripe and Zendesk stand-ins behind them. Access, correction
// and deletion act on what each stand-in holds; the examples themselves are what is tested.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Manifest } from '../../activities/manifest';
import { eraseTarget } from '../../activities/erase';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { stateQuery } from '../../schemas/contract';
import { codeFrom, downloadPathFrom, submit, submitAndVerify, verify, waitForErasure, waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';
import { startStripeStandin, type StripeStandin } from '../support/stripe-standin';
import { startZendeskStandin, type ZendeskStandin } from '../support/zendesk-standin';
import { readZip } from '../support/zip';

const EXAMPLES = readdirSync(path.join(PROJECT_ROOT, 'examples', 'processors'))
  .filter((f) => f.endsWith('.yml'))
  .sort()
  .map((f) => `examples/processors/${f}`);

let stack: Stack;
let stripe: StripeStandin;
let zendesk: ZendeskStandin;

before(async () => {
  [stripe, zendesk] = await Promise.all([startStripeStandin(), startZendeskStandin()]);
  stack = await startStack({
    extraMaps: EXAMPLES,
    mapEnv: {
      STRIPE_API_BASE: stripe.url,
      STRIPE_SECRET_KEY: stripe.secretKey,
      ZENDESK_URL: zendesk.url,
      ZENDESK_OAUTH_TOKEN: zendesk.token,
    },
  });
  await stack.startWorker();
});
after(async () => {
  await stack?.stop();
  await stripe?.stop();
  await zendesk?.stop();
});

const STRIPE = { store: 'stripe', collection: 'processor', kind: 'http' as const };
const ZENDESK = { store: 'zendesk', collection: 'processor', kind: 'http' as const };

async function download(id: string, email: string): Promise<Map<string, Buffer>> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /ready/.test(m.subject));
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
  assert.equal(res.statusCode, 200);
  return readZip(res.rawPayload);
}

const json = (files: Map<string, Buffer>, name: string): unknown => {
  const f = files.get(name);
  assert.ok(f, `${name} is in the archive`);
  return JSON.parse(f.toString());
};

/** No address, customer or user id, or name in the request's audit events. */
async function assertAuditHolds(requestId: string, ...values: string[]) {
  const { rows } = await stack.db.engineDb.query('SELECT details FROM audit_events WHERE request_id = $1', [requestId]);
  const text = JSON.stringify(rows);
  for (const v of values) assert.ok(!text.includes(v), 'no personal data or processor id in the audit');
}

async function outcomeOf(requestId: string, store: string) {
  const s = await stack.env.client.workflow.getHandle(requestId).query(stateQuery);
  const o = s.outcomes!.find((x) => x.store === store);
  assert.ok(o, `${store} has an outcome`);
  return o;
}

describe('the examples are a valid part of the data map', () => {
  test('every example store is in the compiled map with its lookup, and nothing warns', () => {
    assert.deepEqual(
      stack.deps.dataMap.lookups.map((l) => l.node.store),
      ['stripe', 'zendesk'],
    );
    assert.deepEqual(stack.deps.dataMap.warnings, []);
  });
});

describe('Stripe', () => {
  test('access: the archive holds the customer found by e-mail, every invoice across pages, the payment methods without secrets; a 429 is waited out', async () => {
    const email = 'alice@example.com';
    const customer = stripe.addCustomer({ email, name: 'Alice Martin', invoices: 230, cards: 2 });
    stripe.addCustomer({ email: 'someone-else@example.com', name: 'Someone Else', invoices: 3 });
    stripe.rateLimitNext(1);

    const requestId = await submitAndVerify(stack, 'access', email);
    await waitForStatus(stack, requestId, 'completed');
    const files = await download(requestId, email);

    assert.ok(
      stripe.calls.some((c) => c.status === 429),
      'one call was answered 429',
    );
    assert.deepEqual(json(files, 'data/stripe/customer.json'), [customer]);
    const invoices = json(files, 'data/stripe/invoices.json') as { id: string }[];
    const held = stripe.invoices.filter((i) => i.customer === customer.id);
    assert.equal(invoices.length, 230);
    assert.deepEqual(
      invoices.slice().sort((a, b) => (a.id < b.id ? -1 : 1)),
      held.slice().sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
    assert.equal(stripe.calls.filter((c) => c.path.startsWith(`/v1/invoices?customer=${customer.id}`)).length, 3, 'three pages of 100');
    assert.ok(stripe.calls.some((c) => c.path.includes('starting_after=')));

    const methods = json(files, 'data/stripe/payment_methods.json') as Record<string, unknown>[];
    const cards = stripe.paymentMethods.filter((p) => p.customer === customer.id);
    assert.deepEqual(
      methods.map((m) => m.id),
      cards.map((p) => p.id).reverse(),
    );
    for (const [i, m] of methods.entries()) {
      const card = cards.find((p) => p.id === m.id)!;
      assert.deepEqual(Object.keys(m).sort(), ['billing_details', 'card', 'created', 'id', 'type'], `method ${i}`);
      const { brand, last4, exp_month, exp_year, country, funding } = card.card;
      assert.deepEqual(m.card, { brand, last4, exp_month, exp_year, country, funding }, 'no fingerprint');
    }

    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    assert.equal(manifest.collections.find((c) => c.store === 'stripe')!.rows, 1 + 230 + 2);
    assert.deepEqual(json(files, 'data/zendesk/user.json'), [], 'not at Zendesk: nothing held there');
    assert.deepEqual(manifest.notIncluded, []);
    await assertAuditHolds(requestId, email, customer.id, 'Alice Martin');
  });

  test('correction: name and e-mail reach the customer, sent form-encoded', async () => {
    const email = 'bob@example.com';
    const customer = stripe.addCustomer({ email, name: 'Bob Keller' });
    const corrections = { name: 'Robert Keller', email: 'robert.keller@example.org' };
    const { body } = await submit(stack, { type: 'correction', email, corrections });
    const mail = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /Confirm/.test(m.subject));
    assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
    await waitForStatus(stack, body.id, 'completed');

    const post = stripe.calls.find((c) => c.method === 'POST' && c.path === `/v1/customers/${customer.id}`);
    assert.ok(post, 'Stripe is told (Art. 19)');
    assert.equal(post.contentType, 'application/x-www-form-urlencoded');
    assert.deepEqual(Object.fromEntries(new URLSearchParams(post.body)), corrections);
    assert.equal(post.status, 200);
    assert.equal(stripe.customers.get(customer.id)!.name, corrections.name);
    assert.equal(stripe.customers.get(customer.id)!.email, corrections.email);
    await assertAuditHolds(body.id, email, customer.id, corrections.name, corrections.email);
  });

  test('deletion: the customer is deleted, and the proof re-reads it as deleted (200 {deleted: true})', async () => {
    const email = 'carol@example.com';
    const customer = stripe.addCustomer({ email, name: 'Carol Diaz', invoices: 2, cards: 1 });
    const requestId = await submitAndVerify(stack, 'deletion', email);
    await waitForErasure(stack, requestId);

    assert.equal(stripe.customers.has(customer.id), false);
    assert.ok(stripe.deleted.has(customer.id));
    const o = await outcomeOf(requestId, 'stripe');
    assert.equal(o.deleted, 1);
    assert.equal(o.remainingDue, 0);
    assert.equal(o.note, 'HTTP 200');
    const del = stripe.calls.findIndex((c) => c.method === 'DELETE' && c.path === `/v1/customers/${customer.id}`);
    assert.ok(del >= 0, 'Stripe is told to delete (Art. 19)');
    const proof = stripe.calls.slice(del + 1).find((c) => c.method === 'GET' && c.path === `/v1/customers/${customer.id}`);
    assert.equal(proof?.status, 200, 'the proof re-read the customer: Stripe keeps it as deleted');
    await assertAuditHolds(requestId, email, customer.id);

    // a retried erase (a worker lost after the DELETE) meets 404 resource_missing: already gone
    const again = await eraseTarget(stack.deps, requestId, STRIPE);
    assert.equal(again.deleted, 0);
    assert.equal(again.remainingDue, 0);
    assert.equal(again.note, 'HTTP 404');
    assert.equal(stripe.calls.at(-2)!.status, 404);

    // a second deletion request finds no customer by that address any more, and completes
    const second = await submitAndVerify(stack, 'deletion', email);
    await waitForErasure(stack, second);
    const o2 = await outcomeOf(second, 'stripe');
    assert.equal(o2.remainingDue, 0);
    assert.equal(o2.deleted, 0);
  });
});

describe('Zendesk', () => {
  test('access: the archive holds the user found by e-mail and every ticket they requested, across pages; a 429 is waited out', async () => {
    const email = 'user1@example.net';
    const user = zendesk.addUser({ email, name: 'User One', tickets: 230 });
    zendesk.rateLimitNext(1);

    const requestId = await submitAndVerify(stack, 'access', email);
    await waitForStatus(stack, requestId, 'completed');
    const files = await download(requestId, email);

    assert.ok(
      zendesk.calls.some((c) => c.status === 429),
      'one call was answered 429',
    );
    assert.deepEqual(json(files, 'data/zendesk/user.json'), [user]);
    assert.deepEqual(
      json(files, 'data/zendesk/tickets.json'),
      zendesk.tickets.filter((t) => t.requester_id === user.id),
    );
    const pages = zendesk.calls.filter((c) => c.path.startsWith(`/api/v2/users/${user.id}/tickets/requested.json`));
    assert.equal(pages.length, 3, 'three pages of 100, followed by next_page');
    const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
    assert.equal(manifest.collections.find((c) => c.store === 'zendesk')!.rows, 1 + 230);
    await assertAuditHolds(requestId, email, String(user.id));
  });

  test('correction: name and e-mail reach the user, sent as JSON', async () => {
    const email = 'user2@example.net';
    const user = zendesk.addUser({ email, name: 'User Two' });
    const corrections = { name: 'Second User', email: 'second.user@example.org' };
    const { body } = await submit(stack, { type: 'correction', email, corrections });
    const mail = await stack.smtp.waitFor((m) => m.text.includes(body.id) && /Confirm/.test(m.subject));
    assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
    await waitForStatus(stack, body.id, 'completed');

    const put = zendesk.calls.find((c) => c.method === 'PUT' && c.path === `/api/v2/users/${user.id}.json`);
    assert.ok(put, 'Zendesk is told (Art. 19)');
    assert.equal(put.contentType, 'application/json');
    assert.deepEqual(JSON.parse(put.body), { user: corrections });
    assert.equal(zendesk.users.get(user.id)!.name, corrections.name);
    assert.equal(zendesk.users.get(user.id)!.email, corrections.email);
  });

  test('deletion: the user is deleted, then permanently deleted; the proof finds them gone, and a retry meets 404 twice', async () => {
    const email = 'user3@example.net';
    const user = zendesk.addUser({ email, name: 'User Three', tickets: 1 });
    const requestId = await submitAndVerify(stack, 'deletion', email);
    await waitForErasure(stack, requestId);

    assert.equal(zendesk.users.has(user.id), false);
    assert.ok(zendesk.permanentlyDeleted.has(user.id), 'permanently deleted');
    const soft = zendesk.calls.findIndex((c) => c.method === 'DELETE' && c.path === `/api/v2/users/${user.id}.json`);
    const hard = zendesk.calls.findIndex((c) => c.method === 'DELETE' && c.path === `/api/v2/deleted_users/${user.id}.json`);
    assert.ok(soft >= 0 && hard > soft, 'deleted, then permanently deleted');
    const o = await outcomeOf(requestId, 'zendesk');
    assert.deepEqual([o.deleted, o.remainingDue, o.note], [1, 0, 'HTTP 200, 200']);

    const again = await eraseTarget(stack.deps, requestId, ZENDESK);
    assert.deepEqual([again.deleted, again.remainingDue, again.note], [0, 0, 'HTTP 404, 404']);
    await assertAuditHolds(requestId, email, String(user.id));
  });
});
