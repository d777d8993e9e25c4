// What the OpenAPI document promises, checked against the running API: every listed route
// declares what it answers, and admin routes refuse a missing key or a read-only key before
// they look at the body. The routes are taken from the document, not from a list kept here.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createAdminKey } from '../../api/admin-keys';
import { startStack, type Stack } from '../support/stack';

interface Operation {
  method: string;
  path: string;
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
}

let stack: Stack;
let operations: Operation[];
let adminKey: string;
let auditorKey: string;

before(async () => {
  stack = await startStack();
  adminKey = (await createAdminKey(stack.db.engineDb, 'contract-admin', 'admin')).key;
  auditorKey = (await createAdminKey(stack.db.engineDb, 'contract-auditor', 'auditor')).key;
  const spec = (await stack.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  operations = Object.entries(spec.paths as Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, ...op })),
  );
});
after(async () => stack?.stop());

const isAdmin = (op: Operation) => op.security?.some((s) => 'adminKey' in s) ?? false;
/** A concrete URL for a documented path: every parameter a well-formed id that matches nothing. */
const urlOf = (op: Operation) => op.path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'store' ? 'some_store' : randomUUID()));
const send = (op: Operation, headers: Record<string, string>, payload?: string) =>
  stack.app.inject({ method: op.method as 'GET' | 'POST', url: urlOf(op), headers, payload });

describe('the OpenAPI document', () => {
  test('lists the API: requests, exports, inbox, plans and the admin routes', () => {
    const paths = new Set(operations.map((op) => op.path));
    for (const p of ['/v1/requests', '/v1/requests/{id}', '/v1/exports/{token}', '/v1/inbox/messages', '/v1/plans', '/v1/admin/requests']) {
      assert.ok(paths.has(p), `${p} is documented`);
    }
    assert.ok(operations.filter(isAdmin).length >= 15, `admin operations: ${operations.filter(isAdmin).length}`);
  });

  test('every route declares a 2xx response with a schema, and the shared error body', () => {
    for (const op of operations) {
      const name = `${op.method} ${op.path}`;
      const success = Object.entries(op.responses ?? {}).filter(([code]) => /^2\d\d$/.test(code));
      assert.ok(success.length, `${name} declares a 2xx response`);
      for (const [code, r] of success) {
        const schemas = Object.values(r.content ?? {}).filter((c) => c.schema);
        assert.ok(schemas.length, `${name} ${code} has a schema`);
      }
      const errors = Object.entries(op.responses).filter(([code]) => /^[45]\d\d$/.test(code));
      assert.ok(errors.length, `${name} declares its errors`);
      for (const [code, r] of errors) {
        const schema = r.content?.['application/json']?.schema as { properties?: Record<string, unknown> } | undefined;
        assert.ok(schema?.properties?.error && schema.properties.message, `${name} ${code} is the error body`);
      }
    }
  });
});

describe('admin routes check the key before the body', () => {
  const GARBAGE = '{"unexpected": ["not", "this", "shape"]}';

  test('no key, or an unknown one, with an invalid body: 401 on every admin route', async () => {
    for (const op of operations.filter(isAdmin)) {
      const body = op.method === 'GET' ? undefined : GARBAGE;
      const json: Record<string, string> = op.method === 'GET' ? {} : { 'content-type': 'application/json' };
      const attempts: Record<string, string>[] = [{}, { authorization: 'Bearer dsar_not-a-key' }, { authorization: 'Basic eDp5' }];
      for (const auth of attempts) {
        const res = await send(op, { ...json, ...auth }, body);
        assert.equal(res.statusCode, 401, `${op.method} ${op.path} ${JSON.stringify(auth)}: ${res.body}`);
        assert.equal(res.json().error, 'unauthorized');
      }
    }
  });

  test('a body that is not even JSON, without a key: 401, not 415', async () => {
    const op = operations.find((o) => o.method === 'POST' && o.path === '/v1/admin/legal-holds')!;
    const res = await send(op, { 'content-type': 'text/plain' }, 'hold everything');
    assert.equal(res.statusCode, 401, res.body);
  });

  test('the auditor key on a write route, with a valid or an invalid body: 403', async () => {
    const writes = operations.filter((op) => isAdmin(op) && op.method !== 'GET');
    assert.ok(writes.length >= 8, `write operations: ${writes.length}`);
    for (const op of writes) {
      const res = await send(op, { 'content-type': 'application/json', authorization: `Bearer ${auditorKey}` }, GARBAGE);
      assert.equal(res.statusCode, 403, `${op.method} ${op.path}: ${res.body}`);
      assert.equal(res.json().error, 'forbidden');
    }
    const hold = await stack.app.inject({
      method: 'POST',
      url: '/v1/admin/legal-holds',
      headers: { authorization: `Bearer ${auditorKey}` },
      payload: { email: 'alice@example.com', reason: 'litigation hold' },
    });
    assert.equal(hold.statusCode, 403, hold.body);
  });

  test('the auditor key reads; the admin key gets the validation answer', async () => {
    for (const op of operations.filter((o) => isAdmin(o) && o.method === 'GET' && !o.path.includes('{'))) {
      const res = await send(op, { authorization: `Bearer ${auditorKey}` });
      assert.equal(res.statusCode, op.path === '/v1/admin/reports/compliance' ? 400 : 200, `${op.path}: ${res.body}`);
    }
    const invalid = await stack.app.inject({
      method: 'POST',
      url: '/v1/admin/legal-holds',
      headers: { authorization: `Bearer ${adminKey}` },
      payload: { email: 'not-an-address', reason: 'x' },
    });
    assert.equal(invalid.statusCode, 400, invalid.body);
    assert.deepEqual(
      invalid
        .json()
        .issues.map((i: { path: string }) => i.path)
        .sort(),
      ['email', 'reason'],
    );
  });
});
