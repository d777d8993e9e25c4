// The privacy team decides on processing rights and agents' requests in the dashboard (headless
// Chromium) against the real API and worker: lifting a restriction (the subject's mail is caught
// while every mark is still in place, then the marks are gone — rows counted), accepting an
// objection and refusing one with compelling legitimate grounds (required; they reach the
// subject's notice), and an agent's request (agent shown, permission document received or not,
// "Mark power of attorney"). Screenshots in test/e2e/artifacts; axe-core finds nothing serious.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { createAdminKey } from '../../api/admin-keys';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { stateQuery } from '../../schemas/contract';
import { chromiumSkip, seriousAxeViolations, startBrowserStack, type BrowserStack } from '../support/browser';
import { codeFrom, submit, submitAndVerify, verify, waitForStatus } from '../support/flow';
import type { Stack } from '../support/stack';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'e2e', 'artifacts');
const skip = chromiumSkip;

let env: BrowserStack;
let stack: Stack;
let context: BrowserContext;
let origin: string;
let adminKey: string;

before(async () => {
  if (skip) return;
  env = await startBrowserStack({ viewport: { width: 1400, height: 1000 } });
  ({ stack, context, origin } = env);
  adminKey = (await createAdminKey(stack.db.engineDb, 'lead', 'admin')).key;
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => env?.stop());

async function signIn(): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/dashboard`);
  await page.getByLabel('Admin API key').fill(adminKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#holds-count:not(:empty)').waitFor();
  return page;
}

/** Finds the subject's request in the open or closed view and returns its row. */
async function findRow(page: Page, email: string, id: string, view: 'Open' | 'Closed'): Promise<Locator> {
  await page.getByRole('button', { name: view, exact: true }).click();
  await page.getByLabel('Find by the subject’s address or a request id').fill(email);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  const row = page.locator(`#request-rows tr[data-id="${id}"]`);
  await row.waitFor();
  return row;
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function assertAccessible(page: Page, what: string): Promise<void> {
  assert.deepEqual(await seriousAxeViolations(page), [], `${what}: axe-core finds no serious or critical violation`);
}

/** The stored projection (what the dashboard lists) reaching `status`. */
async function waitForListed(id: string, status: string): Promise<void> {
  for (const until = Date.now() + 30_000; ;) {
    const { rows } = await stack.db.engineDb.query<{ status: string }>('SELECT status FROM requests WHERE id = $1', [id]);
    if (rows[0]?.status === status) return;
    if (Date.now() > until) throw new Error(`request ${id} is listed ${rows[0]?.status}, not ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const accountId = async (email: string): Promise<string> =>
  (await stack.db.appDb.query<{ id: string }>('SELECT id::text FROM accounts WHERE lower(email) = lower($1)', [email])).rows[0].id;

describe('processing rights and agents in the dashboard (real API and worker)', { skip }, () => {
  test('lift a restriction: the confirmation says the subject is told first; the mail goes out while the marks are in place, then they are cleared', async () => {
    const email = 'bob@example.com';
    const account = await accountId(email);
    const marked = async () =>
      Number(
        (
          await stack.db.appDb.query(
            `SELECT (SELECT count(*) FROM accounts WHERE id = $1 AND restricted_at IS NOT NULL)
                  + (SELECT count(*) FROM support_tickets WHERE account_id = $1 AND restricted_at IS NOT NULL) AS n`,
            [account],
          )
        ).rows[0].n,
      );
    const rowsOfSubject = Number(
      (await stack.db.appDb.query('SELECT 1 + (SELECT count(*) FROM support_tickets WHERE account_id = $1) AS n', [account])).rows[0].n,
    );
    const id = await submitAndVerify(stack, 'restriction', email);
    await waitForStatus(stack, id, 'completed');
    await waitForListed(id, 'completed');
    assert.equal(await marked(), rowsOfSubject, 'the account and every ticket of the subject are marked');

    // what the product holds at the moment the lift notice reaches the mail server
    let markedWhenMailed: number | null = null;
    stack.smtp.hooks = {
      beforeAccept: async (m) => {
        if (m.to.includes(email) && m.text.includes(id) && /being lifted/.test(m.subject)) markedWhenMailed = await marked();
      },
    };

    const page = await signIn();
    const row = await findRow(page, email, id, 'Closed');
    assert.equal(await row.locator('td.subject').textContent(), email);
    await row.getByText('Lift restriction', { exact: true }).click();
    const form = row.locator('form[data-action="lift-restriction"]');
    assert.match((await form.locator('.confirm-note').textContent()) ?? '', /subject is told first.*before any mark is cleared/);
    await form.getByRole('button', { name: 'Tell the subject, then lift' }).click();
    assert.match((await form.locator('p.error').textContent()) ?? '', /Give the reason/, 'a lift without a reason is refused');
    assert.equal(await form.getByRole('textbox').getAttribute('aria-invalid'), 'true');
    assert.equal(await marked(), rowsOfSubject, 'nothing lifted without a reason');
    await screenshot(page, 'dashboard-rights-lift-confirm');
    await assertAccessible(page, 'the lift confirmation');

    await form.getByLabel('Why it is lifted (sent to the subject)').fill('The accuracy of your address was verified.');
    await form.getByRole('button', { name: 'Tell the subject, then lift' }).click();
    await page.locator('#dash-status', { hasText: `Restriction ${id.slice(0, 8)} lifted` }).waitFor({ timeout: 40_000 });

    const notice = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /being lifted/.test(m.subject));
    assert.match(notice.text, /accuracy of your address was verified/);
    assert.equal(markedWhenMailed, rowsOfSubject, 'the subject was told while every mark was still in place');
    assert.equal(await marked(), 0, 'then every mark was cleared');
    const lifted = await stack.db.engineDb.query('SELECT restriction_lifted_at FROM requests WHERE id = $1', [id]);
    assert.ok(lifted.rows[0].restriction_lifted_at, 'the lift is recorded');
    await row.locator('.lifted').waitFor();
    assert.equal(await row.locator('form[data-action="lift-restriction"]').count(), 0, 'a lifted restriction offers no second lift');
    await screenshot(page, 'dashboard-rights-lifted');
    stack.smtp.hooks = {};
    await page.close();
  });

  test('objections: refused only with the compelling grounds (required, sent to the subject), or accepted — the processing stops', async () => {
    const [refused, accepted] = ['dora.objects@example.com', 'emil.objects@example.com'];
    for (const email of [refused, accepted])
      await stack.db.appDb.query(`INSERT INTO accounts (email, name) VALUES ($1, 'Someone')`, [email]);
    const analyticsOff = async () =>
      (await stack.db.appDb.query<{ email: string }>('SELECT email FROM accounts WHERE NOT analytics_opt_in ORDER BY email')).rows.map(
        (r) => r.email,
      );
    const before = await analyticsOff();
    const objection = async (email: string) => {
      const { status, body } = await submit(stack, { type: 'objection', email, purpose: 'product_analytics' });
      assert.equal(status, 202, JSON.stringify(body));
      const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(body.id) && /Confirm/.test(m.subject));
      assert.equal((await verify(stack, body.id, codeFrom(mail.text))).status, 200);
      for (const until = Date.now() + 30_000; ;) {
        if ((await stack.env.client.workflow.getHandle(body.id).query(stateQuery)).awaitingDecision) break;
        if (Date.now() > until) throw new Error('the objection is not waiting for a decision');
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitForListed(body.id, 'in_progress');
      return body.id as string;
    };
    const r = await objection(refused);
    const a = await objection(accepted);

    const page = await signIn();
    let row = await findRow(page, refused, r, 'Open');
    assert.equal(await row.locator('.purpose').textContent(), 'to product analytics');
    await row.getByText('Refuse (compelling grounds)', { exact: true }).click();
    const form = row.locator('form[data-action="refuse-objection"]');
    await form.getByRole('button', { name: 'Refuse objection' }).click();
    assert.match((await form.locator('p.error').textContent()) ?? '', /compelling legitimate grounds/, 'the grounds are required');
    assert.equal(await form.getByRole('textbox').getAttribute('aria-invalid'), 'true');
    await screenshot(page, 'dashboard-rights-objection');
    await assertAccessible(page, 'an objection waiting for a decision');
    await form
      .getByLabel('Compelling legitimate grounds (sent to the subject in the notice)')
      .fill('Usage analysis is needed to detect abuse of the API.');
    await form.getByRole('button', { name: 'Refuse objection' }).click();
    await page.locator('#dash-status', { hasText: `Objection ${r.slice(0, 8)} refused` }).waitFor();
    await waitForStatus(stack, r, 'denied');
    const notice = await stack.smtp.waitFor((m) => m.to.includes(refused) && m.text.includes(r) && /declined/.test(m.subject));
    assert.match(notice.text, /compelling legitimate grounds/);
    assert.match(notice.text, /detect abuse of the API/, 'the grounds reach the subject');
    for (const until = Date.now() + 15_000; ;) {
      const denial = await stack.db.engineDb.query<{ actor: string }>(
        "SELECT actor FROM audit_events WHERE request_id = $1 AND action = $2 AND details->>'reason' = 'compelling_legitimate_grounds'",
        [r, AUDIT_ACTIONS.requestDenied],
      );
      if (denial.rows.length) {
        assert.deepEqual(denial.rows, [{ actor: 'admin:lead' }], 'the refusal is audited once, with its reason and who decided');
        break;
      }
      assert.ok(Date.now() < until, 'the refusal is audited with its reason');
      await new Promise((res) => setTimeout(res, 100));
    }

    row = await findRow(page, accepted, a, 'Open');
    await row.getByRole('button', { name: 'Accept objection' }).click();
    await page.locator('#dash-status', { hasText: `Objection ${a.slice(0, 8)} accepted` }).waitFor();
    await waitForStatus(stack, a, 'completed');
    assert.deepEqual(await analyticsOff(), [...before, accepted].sort(), 'analytics stops for the accepted objection only');
    await screenshot(page, 'dashboard-rights-objection-decided');
    await page.close();
  });

  test("an agent's request: the agent and whether the permission arrived are shown; the team marks a power of attorney", async () => {
    const email = 'carol@example.com';
    const res = await stack.app.inject({
      method: 'POST',
      url: '/v1/requests',
      payload: { type: 'access', email, agent: { name: 'Fair Data Agency', email: 'cases@fair-agency.test' } },
    });
    assert.equal(res.statusCode, 202, res.body);
    const { id, statusToken } = res.json();
    await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /Confirm/.test(m.subject));
    await waitForListed(id, 'awaiting_verification');

    const page = await signIn();
    let row = await findRow(page, email, id, 'Open');
    assert.equal(await row.locator('.agent').textContent(), 'via agent Fair Data Agency · no permission document yet');
    assert.equal(await row.getByRole('button', { name: 'Mark power of attorney' }).count(), 0, 'nothing to accept yet');

    const up = await stack.app.inject({
      method: 'POST',
      url: `/v1/requests/${id}/agent-permission`,
      headers: { 'content-type': 'application/octet-stream', 'x-status-token': statusToken },
      payload: Buffer.from('Power of attorney: Carol authorises Fair Data Agency to act for her. Signed.'),
    });
    assert.equal(up.statusCode, 201, up.body);
    await page.getByRole('button', { name: 'Refresh' }).click();
    row = page.locator(`#request-rows tr[data-id="${id}"]`);
    await row.locator('.agent', { hasText: 'permission document received' }).waitFor();
    assert.equal(
      await row.locator('.agent').textContent(),
      `via agent Fair Data Agency · permission document received (SHA-256 ${up.json().sha256.slice(0, 12)})`,
    );
    await screenshot(page, 'dashboard-rights-agent');
    await assertAccessible(page, "an agent's request");
    await row.getByRole('button', { name: 'Mark power of attorney' }).click();
    await page.locator('#dash-status', { hasText: `Power of attorney for ${id.slice(0, 8)} accepted by lead` }).waitFor();

    const agent = await stack.db.engineDb.query('SELECT authority_accepted_by FROM request_agents WHERE request_id = $1', [id]);
    assert.equal(agent.rows[0].authority_accepted_by, 'lead');
    await waitForStatus(stack, id, 'completed');
    const verified = await stack.db.engineDb.query('SELECT verified_at FROM requests WHERE id = $1', [id]);
    assert.ok(verified.rows[0].verified_at, 'the power of attorney counted as the verification (the subject never confirmed)');
    await page.getByRole('button', { name: 'Refresh' }).click();
    await findRow(page, email, id, 'Closed').then((r) => r.locator('.agent', { hasText: 'power of attorney accepted by lead' }).waitFor());
    await screenshot(page, 'dashboard-rights-agent-accepted');
    await page.close();
    assert.deepEqual(env.pageErrors, [], 'no script errors or content-policy violations on any dashboard page');
  });
});
