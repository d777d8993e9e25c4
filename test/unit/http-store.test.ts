// The HTTP store's options: lookup, after_last pagination, absentWhen, erase lists, correction
// bodies, pick — their validation (errors name the path) and their logic.
import { issuesOf as refusal } from '../support/datamap-issues';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { atPath, isAbsent } from '../../activities/stores/http';
import { correctionBody } from '../../activities/stores/http-body';
import { lookupValues } from '../../activities/stores/http-lookup';
import { nextPage, pagedRecords, pickFields } from '../../activities/stores/http-pagination';
import { missingOperations } from '../../activities/stores/registry';
import { DataMapError, parseDataMap, parseDataMaps, type HttpStore } from '../../schemas/datamap';
import { HttpCorrectCall, HttpPagination } from '../../schemas/datamap-http';
import { compileDataMap } from '../../schemas/datamap-graph';
import { loadDataMap } from '../../schemas/datamap-load';
import { supportOf } from '../../schemas/store-kinds';
import { startStripeStandin, type StripeStandin } from '../support/stripe-standin';
import { startZendeskStandin, type ZendeskStandin } from '../support/zendesk-standin';

const root = path.join(__dirname, '..', '..');
const read = (f: string) => ({ name: f, text: readFileSync(path.join(root, f), 'utf8') });
const EXAMPLES = ['examples/processors/stripe.yml', 'examples/processors/zendesk.yml'];
const env = {
  APP_DATABASE_URL: 'postgres://u:p@localhost/app',
  STRIPE_SECRET_KEY: 'sk_test_x',
  ZENDESK_URL: 'https://example.zendesk.com',
  ZENDESK_OAUTH_TOKEN: 't',
};

const issuesOf = (text: string, e: Record<string, string> = env) => refusal(text, e);

/** A map with one HTTP store whose entry is `body` (indented under the store). */
const mapWith = (body: string, identities = '[email, customer_id]') => `
identities: ${identities}
stores:
  proc:
    kind: http
    baseUrl: https://processor.example
    identity: customer_id
${body
  .trim()
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
`;

describe('the examples', () => {
  test('each example is a valid data map alone, and with the demo map', () => {
    for (const f of EXAMPLES) compileDataMap(parseDataMaps([read(f)], env));
    const map = compileDataMap(parseDataMaps([read('demo/datamap.yml'), ...EXAMPLES.map(read)], env));
    assert.deepEqual(map.identities, ['email', 'account_id', 'stripe_customer_id', 'zendesk_user_id']);
    assert.deepEqual(
      map.lookups.map((l) => [l.node.store, l.needs, l.provides]),
      [
        ['stripe', 'email', { stripe_customer_id: 'id' }],
        ['zendesk', 'email', { zendesk_user_id: 'id' }],
      ],
    );
    assert.deepEqual(map.warnings, []);
    for (const n of map.nodes) assert.deepEqual(missingOperations(n), [], `${n.store} implements what it supports`);
  });

  test('the Stripe base URL defaults to Stripe and is overridable (${VAR:-default})', () => {
    const stripe = (e: Record<string, string>) =>
      (parseDataMaps([read('examples/processors/stripe.yml')], e).stores.stripe as HttpStore).baseUrl;
    assert.equal(stripe(env), 'https://api.stripe.com');
    assert.equal(stripe({ ...env, STRIPE_API_BASE: 'http://127.0.0.1:9' }), 'http://127.0.0.1:9');
    assert.throws(
      () => parseDataMaps([read('examples/processors/stripe.yml')], {}),
      (e: DataMapError) => e.issues.some((i) => i.path === 'stores.stripe.headers.authorization' && /STRIPE_SECRET_KEY/.test(i.message)),
    );
  });

  test('DATAMAP_PATH may list several files, separated like PATH', async () => {
    const map = await loadDataMap([path.join(root, 'demo/datamap.yml'), path.join(root, EXAMPLES[0])].join(path.delimiter), env);
    assert.deepEqual(
      map.nodes.map((n) => n.store),
      ['app_db', 'app_db', 'app_db', 'app_db', 'app_db', 'stripe'],
    );
  });

  test('a store defined in two files of a data map is refused, naming both', () => {
    assert.throws(
      () => parseDataMaps([read('examples/processors/stripe.yml'), { ...read('examples/processors/stripe.yml'), name: 'copy.yml' }], env),
      (e: DataMapError) =>
        e.issues[0].path === 'stores.stripe' && e.issues[0].message === 'defined in both examples/processors/stripe.yml and copy.yml',
    );
  });
});

describe('validation names the path', () => {
  test('a lookup providing an undeclared identity', () => {
    const issues = issuesOf(mapWith(`lookup: { path: "/c?email={email}", provides: { customer_id: id, other_id: ref } }`));
    assert.deepEqual(issues, [
      { path: 'stores.proc.lookup.provides.other_id', message: 'unknown identity "other_id"; declare it in identities' },
    ]);
  });

  test('a lookup path must hold one placeholder, of an identity it does not provide', () => {
    assert.equal(issuesOf(mapWith(`lookup: { path: "/c", provides: { customer_id: id } }`))[0].path, 'stores.proc.lookup.path');
    assert.match(
      issuesOf(mapWith(`lookup: { path: "/c/{customer_id}", provides: { customer_id: id } }`))[0].message,
      /looks up "customer_id" from itself/,
    );
    assert.match(issuesOf(mapWith(`lookup: { path: "/c?e={mail}", provides: { customer_id: id } }`))[0].message, /unknown identity "mail"/);
  });

  test('a call path may fill only the store identity', () => {
    const issues = issuesOf(
      mapWith(`
export:
  invoices: { path: "/v1/invoices?customer={customer}" }
erase:
  - { method: DELETE, path: "/c/{customer_id}" }
  - { method: DELETE, path: "/deleted/{id}" }`),
    );
    assert.deepEqual(
      issues.map((i) => i.path),
      ['stores.proc.export.invoices.path', 'stores.proc.erase.1.path'],
    );
    assert.match(issues[0].message, /\{customer\} is not filled in.*\{customer_id\}/);
  });

  test('after_last needs the flag saying there is more', () => {
    const issues = issuesOf(
      mapWith(`export: { path: "/c/{customer_id}", records: data, pagination: { style: after_last, param: starting_after } }`),
    );
    assert.equal(issues[0].path, 'stores.proc.export.records.pagination.more');
  });

  test('absentWhen needs a status or a path, and a path needs the value it equals', () => {
    const paths = (body: string) => issuesOf(mapWith(body)).map((i) => `${i.path}: ${i.message}`);
    assert.match(
      paths(`erase: { method: DELETE, path: "/c/{customer_id}", absentWhen: {} }`)[0],
      /^stores\.proc\.erase\.0\.absentWhen\.0: needs a status/,
    );
    assert.match(
      paths(`erase: { method: DELETE, path: "/c/{customer_id}", absentWhen: { path: deleted } }`)[0],
      /^stores\.proc\.erase\.0\.absentWhen\.0\.equals: needs the value deleted equals/,
    );
  });

  test('correction fields must be field paths, the encoding json or form', () => {
    const issues = issuesOf(mapWith(`correct: { method: POST, path: "/c/{customer_id}", encoding: xml, fields: { name: "a b" } }`)).map(
      (i) => i.path,
    );
    assert.deepEqual(issues.sort(), ['stores.proc.correct.encoding', 'stores.proc.correct.fields.name']);
  });

  test('one erase call is a list of one; a processor with a lookup resolves, one without does not', () => {
    const map = compileDataMap(
      parseDataMap(
        mapWith(`erase: { method: DELETE, path: "/c/{customer_id}" }\nlookup: { path: "/c?email={email}", provides: { customer_id: id } }`),
      ),
    );
    const node = map.nodes[0];
    assert.equal(node.kind, 'http');
    assert.equal(node.kind === 'http' && node.spec.erase?.length, 1);
    assert.deepEqual(supportOf(node, 'resolve'), { ok: true });
    const plain = compileDataMap(parseDataMap(mapWith(`erase: { method: DELETE, path: "/c/{customer_id}" }`))).nodes[0];
    assert.equal(supportOf(plain, 'resolve').ok, false);
    assert.ok(
      compileDataMap(parseDataMap(mapWith(`erase: { method: DELETE, path: "/c/{customer_id}" }`))).warnings.some((w) =>
        w.startsWith('proc.processor: no collection or lookup provides its identity "customer_id"'),
      ),
    );
  });
});

describe('the logic', () => {
  test('after_last continues after the last record while the flag is true', () => {
    const p = HttpPagination.parse({ style: 'after_last', param: 'starting_after', more: 'has_more' });
    const url = 'https://p.example/v1/invoices?customer=cus_1&limit=2';
    const origin = 'https://p.example';
    assert.equal(
      nextPage(p, { body: { has_more: true }, records: [{ id: 'in_1' }, { id: 'in_2' }] }, url, origin, 'x'),
      'https://p.example/v1/invoices?customer=cus_1&limit=2&starting_after=in_2',
    );
    assert.equal(
      nextPage(p, { body: { has_more: true }, records: [{ id: 'in_3' }] }, `${url}&starting_after=in_2`, origin, 'x'),
      'https://p.example/v1/invoices?customer=cus_1&limit=2&starting_after=in_3',
    );
    assert.equal(nextPage(p, { body: { has_more: false }, records: [{ id: 'in_4' }] }, url, origin, 'x'), null);
    assert.equal(nextPage(p, { body: { has_more: 'yes' }, records: [{ id: 'in_4' }] }, url, origin, 'x'), null, 'only true continues');
    assert.throws(() => nextPage(p, { body: { has_more: true }, records: [] }, url, origin, 'export invoices'), /no id to continue after/);
  });

  test('a next link elsewhere is refused', () => {
    const p = HttpPagination.parse({ style: 'link', next: 'next_page' });
    assert.throws(
      () =>
        nextPage(p, { body: { next_page: 'https://evil.example/x' }, records: [] }, 'https://p.example/a', 'https://p.example', 'export t'),
      /leaves the processor's origin/,
    );
  });

  test('absent: a status, a body condition on success, or both', () => {
    const call = {
      success: [200],
      absent: [],
      absentWhen: [
        { path: 'deleted', equals: true },
        { status: 404, path: 'error.code', equals: 'resource_missing' },
      ],
    };
    assert.equal(isAbsent(call, { status: 200, body: { id: 'cus_1', deleted: true } }), true);
    assert.equal(isAbsent(call, { status: 200, body: { id: 'cus_1', name: 'A' } }), false);
    assert.equal(isAbsent(call, { status: 500, body: { deleted: true } }), false, 'a body condition without status applies to successes');
    assert.equal(isAbsent(call, { status: 404, body: { error: { code: 'resource_missing' } } }), true);
    assert.equal(isAbsent(call, { status: 404, body: 'Not Found' }), false, 'a 404 from a wrong path is not "gone"');
    assert.equal(isAbsent({ success: [200], absent: [404], absentWhen: [] }, { status: 404, body: undefined }), true);
    assert.equal(atPath({ a: { b: 1 } }, 'a.b'), 1);
  });

  test('pick keeps only the named fields, nested as they were', () => {
    const pm = { id: 'pm_1', type: 'card', card: { brand: 'visa', last4: '4242', fingerprint: 'fp' }, billing_details: { name: 'A' } };
    assert.deepEqual(pickFields(pm, ['id', 'card.brand', 'card.last4', 'billing_details', 'card.country']), {
      id: 'pm_1',
      card: { brand: 'visa', last4: '4242' },
      billing_details: { name: 'A' },
    });
  });

  test('correction bodies: mapped fields only, as a form or as JSON', () => {
    const form = HttpCorrectCall.parse({
      method: 'POST',
      path: '/c/{x}',
      encoding: 'form',
      fields: { name: 'name', email: 'email', city: 'address.city' },
    });
    const b = correctionBody(form, { name: 'Ann Lee & Co', email: 'ann@example.com', company: 'X', city: 'Köln' })!;
    assert.equal(b.body.contentType, 'application/x-www-form-urlencoded');
    assert.equal(b.body.text, 'name=Ann+Lee+%26+Co&email=ann%40example.com&address%5Bcity%5D=K%C3%B6ln');
    assert.deepEqual(b.fields, ['name', 'email', 'city']);
    assert.equal(correctionBody(form, { company: 'X' }), null, 'nothing to send');
    const json = HttpCorrectCall.parse({ method: 'PUT', path: '/u/{x}', fields: { name: 'user.name', email: 'user.email' } });
    assert.deepEqual(JSON.parse(correctionBody(json, { email: 'b@example.com' })!.body.text), { user: { email: 'b@example.com' } });
    const legacy = HttpCorrectCall.parse({ method: 'PATCH', path: '/u/{x}' });
    assert.deepEqual(JSON.parse(correctionBody(legacy, { name: 'N' })!.body.text), { corrections: { name: 'N' } });
  });
});

describe('against the stand-ins', () => {
  let stripe: StripeStandin;
  let zendesk: ZendeskStandin;
  let stripeStore: HttpStore;
  let zendeskStore: HttpStore;
  before(async () => {
    [stripe, zendesk] = await Promise.all([startStripeStandin(), startZendeskStandin()]);
    const map = parseDataMaps(EXAMPLES.map(read), {
      STRIPE_API_BASE: stripe.url,
      STRIPE_SECRET_KEY: stripe.secretKey,
      ZENDESK_URL: zendesk.url,
      ZENDESK_OAUTH_TOKEN: zendesk.token,
    });
    stripeStore = map.stores.stripe as HttpStore;
    zendeskStore = map.stores.zendesk as HttpStore;
  });
  after(async () => {
    await stripe?.stop();
    await zendesk?.stop();
  });

  test('a lookup pages through every customer with the address (after_last) and takes each id', async () => {
    const mine = Array.from({ length: 103 }, () => stripe.addCustomer({ email: 'dup@example.com', name: 'Dup' }));
    stripe.addCustomer({ email: 'other@example.com', name: 'Other' });
    const found = await lookupValues(stripeStore, 'email', ['dup@example.com'], ['id']);
    assert.deepEqual(found.id.sort(), mine.map((c) => c.id).sort());
    assert.equal(stripe.calls.filter((c) => c.path.startsWith('/v1/customers?')).length, 2, 'two pages of 100');
  });

  test('a lookup with match skips records whose own address is not the one looked up', async () => {
    const u = zendesk.addUser({ email: 'Zed@Example.com', name: 'Zed' });
    const found = await lookupValues(zendeskStore, 'email', ['zed@example.com'], ['id']);
    assert.deepEqual(found, { id: [String(u.id)] }, 'case-insensitive for e-mail');
    const strict = { ...zendeskStore, lookup: { ...zendeskStore.lookup!, match: 'name' } };
    assert.deepEqual(await lookupValues(strict, 'email', ['zed@example.com'], ['id']), { id: [] });
  });

  test('link pagination follows next_page to the end', async () => {
    const u = zendesk.addUser({ email: 'many@example.com', name: 'Many', tickets: 205 });
    const tickets = [];
    const call = (zendeskStore.export as Record<string, Parameters<typeof pagedRecords>[2]>).tickets;
    for await (const t of pagedRecords(zendeskStore, 'export tickets', call, 'zendesk_user_id', String(u.id))) tickets.push(t);
    assert.deepEqual(
      tickets.map((t) => (t as { id: number }).id),
      zendesk.tickets.filter((t) => t.requester_id === u.id).map((t) => t.id),
    );
  });

  test('a wrong key fails loudly, not as "nothing held"', async () => {
    const wrong = { ...stripeStore, headers: { authorization: 'Bearer sk_test_wrong_key_000' } };
    await assert.rejects(lookupValues(wrong, 'email', ['dup@example.com'], ['id']), /lookup answered HTTP 401/);
  });
});
