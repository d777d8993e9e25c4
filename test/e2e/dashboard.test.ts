// The privacy team's dashboard in a real browser (Debian's Chromium, headless, driven by
// playwright-core) against the real stack: sign in with an admin key, open requests by due
// date with the overdue one marked, extend one (and see the API refuse an empty reason).
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext } from 'playwright-core';
import { createAdminKey } from '../../api/admin-keys';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { chromiumSkip, startBrowserStack, type BrowserStack } from '../support/browser';
import type { Stack } from '../support/stack';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'e2e', 'artifacts');
const DAY = 86_400_000;
const skip = chromiumSkip;

let stack: Stack;
let context: BrowserContext;
let origin: string;
let adminKey: string;
/** Script errors and CSP violations seen by any page; the test ends by asserting there were none. */
let pageErrors: string[] = [];

let env: BrowserStack;
before(async () => {
  if (skip) return;
  env = await startBrowserStack({ viewport: { width: 1400, height: 1000 } });
  ({ stack, context, origin, pageErrors } = env);
  adminKey = (await createAdminKey(stack.db.engineDb, 'lead', 'admin')).key;
});

after(async () => env?.stop());

/** An open request row in the engine DB and its workflow, waiting for verification. */
async function openRequest(opts: {
  email: string;
  type: 'export' | 'deletion';
  jurisdiction: 'policy' | 'gdpr';
  receivedAt: Date;
  dueAt: Date;
  overdue: boolean;
}): Promise<string> {
  const {
    rows: [r],
  } = await stack.db.engineDb.query(
    `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, jurisdiction, overdue)
     VALUES (gen_random_uuid(), $1, 'admin', 'received', $2, 'h', $3, $4, $5, $6) RETURNING id`,
    [opts.type, opts.email, opts.receivedAt, opts.dueAt, opts.jurisdiction, opts.overdue],
  );
  await stack.env.client.workflow.start('dsarRequest', {
    workflowId: r.id,
    taskQueue: stack.taskQueue,
    args: [
      {
        requestId: r.id,
        type: opts.type,
        receivedAt: opts.receivedAt.toISOString(),
        jurisdiction: opts.jurisdiction,
        verificationTimeout: '70 days',
      },
    ],
  });
  await stack.smtp.waitFor((m) => m.text.includes(r.id)); // the verification mail: the workflow is waiting
  return r.id;
}

describe('privacy-team dashboard in Chromium', { skip }, () => {
  test('serves /dashboard and its scripts', async () => {
    const html = (await stack.app.inject({ method: 'GET', url: '/dashboard' })).body;
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
    assert.ok(scripts.includes('/web/dashboard.js') && scripts.length >= 6, `the split scripts are loaded: ${scripts.join(', ')}`);
    for (const [url, type] of [
      ['/dashboard', 'text/html'],
      ...scripts.map((s) => [s, 'text/javascript']),
      ['/web/style.css', 'text/css'],
    ]) {
      const res = await stack.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.ok(String(res.headers['content-type']).startsWith(type), `${url}: ${res.headers['content-type']}`);
    }
    assert.equal((await stack.app.inject({ method: 'GET', url: '/web/dashboard.html' })).statusCode, 404);
  });

  test('sign in, open requests by due date with the overdue one marked, extend one', { timeout: 60_000 }, async () => {
    const now = Date.now();
    const received = new Date(now);
    const [late, fresh] = await Promise.all([
      openRequest({
        email: 'late@example.com',
        type: 'deletion',
        jurisdiction: 'policy',
        receivedAt: new Date(now - 40 * DAY),
        dueAt: new Date(now - 10 * DAY),
        overdue: true,
      }),
      openRequest({
        email: 'fresh@example.com',
        type: 'export',
        jurisdiction: 'gdpr',
        receivedAt: received,
        dueAt: new Date(now + 30 * DAY),
        overdue: false,
      }),
    ]);

    const page = await context.newPage();
    await page.goto(`${origin}/dashboard`);

    // a wrong key: back to the sign-in form with a message
    await page.getByLabel('Admin API key').fill('dsar_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#login-message:not(:empty)').waitFor();
    assert.match((await page.locator('#login-message').textContent()) ?? '', /Sign in again/);
    assert.equal(await page.evaluate('sessionStorage.length'), 0, 'a refused key is not kept');

    // an empty key is explained next to the field
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match((await page.locator('#api-key-error').textContent()) ?? '', /Enter your admin API key/);

    await page.getByLabel('Admin API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const lateRow = page.locator(`#request-rows tr[data-id="${late}"]`);
    const freshRow = page.locator(`#request-rows tr[data-id="${fresh}"]`);
    await lateRow.waitFor();
    await freshRow.waitFor();
    assert.equal(await page.evaluate(`sessionStorage.getItem('dsar.adminKey')`), adminKey);

    // sorted by due date: the overdue one first, marked by class and by a text badge
    const ids = await page.locator('#request-rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    assert.deepEqual(ids, [late, fresh]);
    assert.match((await lateRow.getAttribute('class')) ?? '', /overdue/);
    assert.equal(await lateRow.locator('.badge-overdue').textContent(), 'Overdue');
    assert.equal(await freshRow.locator('.badge-overdue').count(), 0);
    assert.equal(await lateRow.locator('.days-left').textContent(), '-10');
    assert.equal(await freshRow.locator('.days-left').textContent(), '30');
    assert.match((await freshRow.textContent()) ?? '', /Export.*GDPR/);
    assert.match((await lateRow.locator('.progress').textContent()) ?? '', /Not started|stores done/);
    assert.equal(
      await freshRow.getByRole('link', { name: /Temporal UI/ }).getAttribute('href'),
      `http://localhost:8233/namespaces/default/workflows/${fresh}`,
    );

    // the other lists and the charts load (the weekly chart counts the two requests)
    await page.locator('#triage-count:not(:empty)').waitFor();
    await page.locator('#tasks-count:not(:empty)').waitFor();
    await page.locator('#chart-volume svg rect.bar').first().waitFor();
    assert.equal(await page.locator('#charts-error').textContent(), '');
    assert.equal(await page.locator('#tasks-error').textContent(), '');

    // extend the fresh one: an empty reason is refused by the API, its message shown next to the form
    const newDue = new Date(received.getTime() + 60 * DAY);
    const day = newDue.toISOString().slice(0, 10);
    await freshRow.locator('details.action summary', { hasText: 'Extend' }).click();
    await freshRow.getByLabel('New due date').fill(day);
    await freshRow.getByRole('button', { name: 'Extend' }).click();
    const extendError = freshRow.locator(`[id="extend-error-${fresh}"]`);
    await page.locator(`[id="extend-error-${fresh}"]:not(:empty)`).waitFor();
    assert.match((await extendError.textContent()) ?? '', /reason/i);

    await freshRow.getByLabel('Reason (sent to the subject)').fill('complex request');
    await freshRow.getByRole('button', { name: 'Extend' }).click();
    await page.locator(`#request-rows tr[data-id="${fresh}"] td.due time[datetime="${newDue.toISOString()}"]`).waitFor();
    assert.match((await freshRow.locator('td.due').textContent()) ?? '', new RegExp(`${day}.*extended`));
    assert.equal(await freshRow.locator('.days-left').textContent(), '60');
    assert.match((await page.locator('#dash-status').textContent()) ?? '', /extended|Updated/);
    const {
      rows: [row],
    } = await stack.db.engineDb.query('SELECT extended_due_at, extension_reason FROM requests WHERE id = $1', [fresh]);
    assert.equal(row.extended_due_at.toISOString(), newDue.toISOString());
    assert.equal(row.extension_reason, 'complex request');

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // deny the overdue one: it leaves the list of open requests
    await lateRow.locator('details.action summary', { hasText: 'Deny' }).click();
    await lateRow.getByLabel('Reason', { exact: true }).selectOption('excessive');
    await lateRow.getByLabel('Details (sent to the subject)').fill('Fourth identical request this month.');
    await lateRow.getByRole('button', { name: 'Deny request' }).click();
    await lateRow.waitFor({ state: 'detached' });
    assert.deepEqual(await page.locator('#request-rows tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id'))), [fresh]);
    const denial = await stack.smtp.waitFor((m) => m.text.includes(late) && /declined/.test(m.subject));
    assert.match(denial.text, /excessive/);

    // log out: the key is gone and the sign-in form is back
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Admin API key').waitFor();
    assert.equal(await page.evaluate(`sessionStorage.getItem('dsar.adminKey')`), null);
    assert.equal(await page.locator('#app').isHidden(), true);
    await page.close();
    assert.deepEqual(pageErrors, [], 'no script errors or CSP violations');
  });
  test("CCPA §7063: an agent's request shows the agent and its permission document in the list", async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/requests',
      payload: { type: 'access', email: 'alice@example.com', agent: { name: 'Fair Data Agency', email: 'cases@fair-agency.test' } },
    });
    assert.equal(res.statusCode, 202, res.body);
    const { id, statusToken } = res.json();
    const up = await stack.app.inject({
      method: 'POST',
      url: `/v1/requests/${id}/agent-permission`,
      headers: { 'content-type': 'application/octet-stream', 'x-status-token': statusToken },
      payload: Buffer.from('I authorise Fair Data Agency to act for me. Signed.'),
    });
    assert.equal(up.statusCode, 201, up.body);
    const page = await context.newPage();
    await page.goto(`${origin}/dashboard`);
    await page.getByLabel('Admin API key').fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.locator(`#request-rows tr[data-id="${id}"]`);
    await row.waitFor();
    assert.equal(
      await row.locator('.agent').textContent(),
      `via agent Fair Data Agency · permission document received (SHA-256 ${up.json().sha256.slice(0, 12)})`,
    );
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-agent-request.png'), fullPage: true });
    await page.close();
  });
});
