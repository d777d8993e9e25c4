// `dsar plan` shows the statements a deletion runs, recorded from the erase code itself: here a
// plan is made, then the real deletion runs with a logging wrapper around the store's pool, and
// every PostgreSQL collection's data-changing statements are the plan's, in the plan's order.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Pool } from 'pg';
import { createAdminKey } from '../../api/admin-keys';
import { storePool } from '../../activities/stores/postgres';
import { statementText } from '../../activities/stores/planned-statements';
import type { PlanEntry } from '../../schemas/workflow';
import { submitAndVerify, waitForErasure } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

let stack: Stack;
let adminKey: string;

before(async () => {
  stack = await startStack();
  await stack.startWorker();
  adminKey = (await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key;
});
after(async () => {
  await stack?.stop();
});

/** Every statement sent through the worker's pool of the product database, until `stop()`. */
function logStatements(pool: Pool): { sent: string[]; stop(): void } {
  const sent: string[] = [];
  const original = pool.query;
  pool.query = function (this: Pool, ...args: unknown[]) {
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
    if (text) sent.push(statementText(text));
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as Pool['query'];
  return { sent, stop: () => void (pool.query = original) };
}

test('the plan lists, per PostgreSQL collection, exactly the data-changing statements the deletion then runs, in order', async () => {
  const email = 'carol@example.com';
  const app = stack.db.appDb;
  const accountId = String((await app.query('SELECT id FROM accounts WHERE email = $1', [email])).rows[0].id);
  const res = await stack.app.inject({
    method: 'POST',
    url: '/v1/plans',
    payload: { email, type: 'deletion' },
    headers: { authorization: `Bearer ${adminKey}` },
  });
  assert.equal(res.statusCode, 200, res.body);
  const plan: PlanEntry[] = res.json().entries;
  const planned = plan.filter((e) => e.kind === 'postgres');
  assert.deepEqual(planned.map((e) => e.collection).sort(), ['accounts', 'api_keys', 'billing_records', 'support_tickets', 'usage_logs']);
  for (const e of planned) {
    assert.ok(e.statements, `${e.collection} has its statements`);
    for (const s of [...e.statements, ...(e.purgeStatements ?? [])]) {
      assert.ok(!s.includes(email) && !new RegExp(`(?<![$\\w])${accountId}\\b`).test(s), `no value in ${s}`);
      assert.match(s, /^(DELETE|UPDATE|WITH)\b/);
    }
  }
  const byAction = Object.fromEntries(planned.map((e) => [e.collection, e]));
  assert.match(byAction.accounts.statements![0], /^UPDATE "public"\."accounts" t SET "status" = \$1, "deleted_at" = coalesce/);
  assert.match(byAction.accounts.purgeStatements![0], /DELETE FROM "public"\."accounts"/);
  assert.match(byAction.billing_records.statements![0], /^UPDATE "public"\."billing_records" SET "billing_email" = CASE/);
  assert.match(byAction.api_keys.statements![0], /DELETE FROM "public"\."api_keys"/);

  // the real deletion, every statement it sends to the product database logged
  const log = logStatements(storePool(stack.db.appUrl));
  try {
    const id = await submitAndVerify(stack, 'deletion', email);
    await waitForErasure(stack, id);
  } finally {
    log.stop();
  }
  const writes = [...new Set(log.sent.filter((s) => !/^SELECT\b/i.test(s)))];
  for (const e of planned) {
    const ran = writes.filter((s) => e.statements!.includes(s));
    assert.deepEqual(ran, e.statements, `${e.collection}: the statements run, in order`);
  }
  const plannedAll = planned.flatMap((e) => e.statements!);
  assert.deepEqual(
    writes.filter((s) => !plannedAll.includes(s)),
    [],
    'no data-changing statement ran that the plan did not show',
  );
  assert.equal(
    Number((await app.query('SELECT count(*) AS n FROM api_keys WHERE account_id = $1', [accountId])).rows[0].n),
    0,
    'the deletion ran',
  );
});
