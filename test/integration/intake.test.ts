import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { submit } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
before(async () => {
  stack = await startStack();
  await stack.startWorker();
});
after(async () => stack?.stop());

const post = (payload: string, contentType = 'application/json', headers: Record<string, string> = {}) =>
  stack.app.inject({ method: 'POST', url: '/v1/requests', payload, headers: { 'content-type': contentType, ...headers } });
const countRequests = async () => Number((await stack.db.engineDb.query('SELECT count(*) AS n FROM requests')).rows[0].n);

describe('bad input gets a 4xx naming the field, never a 500, and stores nothing', () => {
  const cases: [string, () => ReturnType<typeof post>, number, string][] = [
    ['missing email', () => post(JSON.stringify({ type: 'export' })), 400, 'email'],
    ['unknown type', () => post(JSON.stringify({ type: 'sell-my-data', email: 'a@example.com' })), 400, 'type'],
    ['not an email', () => post(JSON.stringify({ type: 'export', email: 'not-an-address' })), 400, 'email'],
    ['email too long', () => post(JSON.stringify({ type: 'export', email: `${'a'.repeat(250)}@example.com` })), 400, 'email'],
    ['malformed JSON', () => post('{"type": "export", "email": '), 400, '(body)'],
    ['empty body', () => post(''), 400, '(body)'],
    ['a JSON array', () => post('[]'), 400, '(body)'],
    ['1 MB body', () => post(JSON.stringify({ type: 'export', email: 'a@example.com', pad: 'x'.repeat(1024 * 1024) })), 413, '(body)'],
    ['wrong content type', () => post('type=export', 'text/plain'), 415, 'headers.content-type'],
    [
      'a bad Idempotency-Key',
      () => post(JSON.stringify({ type: 'export', email: 'a@example.com' }), 'application/json', { 'idempotency-key': 'x' }),
      400,
      'headers.idempotency-key',
    ],
  ];
  for (const [name, send, status, path] of cases) {
    test(name, async () => {
      const before = await countRequests();
      const res = await send();
      assert.equal(res.statusCode, status, res.body);
      const body = res.json();
      assert.ok(body.error && body.message, 'error and message');
      assert.ok(
        body.issues.some((i: { path: string }) => i.path === path),
        `issues name ${path}: ${res.body}`,
      );
      assert.equal(await countRequests(), before);
    });
  }

  test('a correction without fields, or of a field no store marks correctable, is refused', async () => {
    const none = await post(JSON.stringify({ type: 'correction', email: 'a@example.com' }));
    assert.equal(none.statusCode, 400);
    assert.equal(none.json().issues[0].path, 'corrections');
    const plan = await post(JSON.stringify({ type: 'correction', email: 'a@example.com', corrections: { plan: 'enterprise' } }));
    assert.equal(plan.statusCode, 400);
    assert.equal(plan.json().issues[0].path, 'corrections.plan');
    const misplaced = await post(JSON.stringify({ type: 'export', email: 'a@example.com', corrections: { name: 'x' } }));
    assert.equal(misplaced.statusCode, 400);
  });

  test('status of a malformed id is 400, of an unknown id 404', async () => {
    const bad = await stack.app.inject({ method: 'GET', url: '/v1/requests/not-a-uuid' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().issues[0].path, 'params.id');
    const unknown = await stack.app.inject({ method: 'GET', url: '/v1/requests/00000000-0000-4000-8000-000000000000' });
    assert.equal(unknown.statusCode, 404);
  });
});

describe('Idempotency-Key', () => {
  test('the same key returns the same request and starts one workflow, even when sent concurrently', async () => {
    const before = await countRequests();
    const headers = { 'idempotency-key': 'retry-me-0001' };
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => submit(stack, { type: 'export', email: 'bob@example.com' }, headers)),
    );
    const ids = new Set(answers.map((a) => a.body.id));
    assert.equal(ids.size, 1);
    assert.ok(answers.every((a) => a.status === 202));
    assert.equal(answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length, 4);
    assert.equal(await countRequests(), before + 1);
    const [id] = ids;
    const again = await submit(stack, { type: 'export', email: 'BOB@example.com' }, headers);
    assert.equal(again.body.id, id, 'the same request after normalisation');
    const runs = [];
    for await (const wf of stack.env.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs.push(wf.runId);
    assert.equal(runs.length, 1, 'one workflow run');
    await stack.smtp.waitFor((m) => m.text.includes(id));
    assert.equal(stack.smtp.mails.filter((m) => m.text.includes(id)).length, 1, 'one verification email');
  });

  test('the same key with a different request is refused', async () => {
    const headers = { 'idempotency-key': 'retry-me-0002' };
    assert.equal((await submit(stack, { type: 'export', email: 'carol@example.com' }, headers)).status, 202);
    const clash = await submit(stack, { type: 'access', email: 'carol@example.com' }, headers);
    assert.equal(clash.status, 422);
    assert.equal(clash.body.issues[0].path, 'headers.idempotency-key');
  });
});

describe('API documentation', () => {
  test('OpenAPI is generated from the schemas and served, with the docs page', async () => {
    const spec = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const post = spec.paths['/v1/requests'].post;
    assert.deepEqual(post.requestBody.content['application/json'].schema.properties.type.enum, [
      'access',
      'export',
      'correction',
      'deletion',
      'opt_out',
      'limit',
      'restriction',
      'objection',
    ]);
    assert.ok(spec.paths['/v1/requests/{id}/verify']);
    const docs = await stack.app.inject({ method: 'GET', url: '/docs' });
    assert.ok([200, 302].includes(docs.statusCode));
  });
});
