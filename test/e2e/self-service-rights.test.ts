// The self-service page for the rights beyond access, export, correction and deletion, in a real
// browser (Debian's Chromium, headless) against the real stack and worker: an opt-out by Global
// Privacy Control, a restriction and its lifting, an authorized agent's request, an objection.
// Every page state is photographed into test/e2e/artifacts and checked with axe-core.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext, type Page } from 'playwright-core';
import { createAdminKey } from '../../api/admin-keys';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { chromiumSkip, seriousAxeViolations, startBrowserStack, watchPageErrors, type BrowserStack } from '../support/browser';
import { productToken, type Stack } from '../support/stack';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'e2e', 'artifacts');
const MAIL_ORIGIN = 'http://dsar.test';
const skip = chromiumSkip;

let env: BrowserStack;
let stack: Stack;
let context: BrowserContext;
let origin: string;
let admin: Record<string, string>;

before(async () => {
  if (skip) return;
  env = await startBrowserStack({ viewport: { width: 900, height: 1000 } });
  ({ stack, context, origin } = env);
  admin = { authorization: `Bearer ${(await createAdminKey(stack.db.engineDb, 'privacy-lead', 'admin')).key}` };
  await mkdir(ARTIFACTS, { recursive: true });
});

after(async () => env?.stop());

/** A screenshot of the page as it is now, and axe-core finding no serious or critical violation on it. */
async function record(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `rights-${name}.png`), fullPage: true });
  assert.deepEqual(await seriousAxeViolations(page), [], `${name}: axe-core`);
}

function linkFrom(text: string, pattern: RegExp): string {
  const m = pattern.exec(text);
  assert.ok(m, `mail carries a link matching ${pattern}`);
  assert.ok(m[0].startsWith(MAIL_ORIGIN), m[0]);
  return origin + m[0].slice(MAIL_ORIGIN.length);
}

/** Sends the form as it is filled in; returns the reference the page shows. */
async function send(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Send request' }).click();
  await page.getByRole('region', { name: 'Request received' }).waitFor();
  const id = (await page.locator('#result-id').textContent()) ?? '';
  assert.match(id, /^[0-9a-f-]{36}$/);
  return id;
}

/** The subject opens the mailed confirmation link, confirms, and follows the status link. */
async function confirmFromMail(page: Page, id: string, email: string): Promise<string> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /Confirm/.test(m.subject));
  await page.goto(linkFrom(mail.text, /https?:\/\/\S+\/verify\?\S+/));
  await page.getByRole('button', { name: 'Confirm my request' }).click();
  await page.getByText('your request is confirmed').waitFor();
  await page.getByRole('link', { name: 'Follow the status of your request' }).click();
  await page.waitForURL((u) => u.pathname === '/status' && u.searchParams.get('id') === id);
  return mail.text;
}

async function progressRows(page: Page): Promise<[string, string][]> {
  return page
    .locator('#progress-rows tr')
    .evaluateAll((trs) => trs.map((tr) => [tr.children[0].textContent ?? '', tr.children[1].textContent ?? ''] as [string, string]));
}

const subjectToken = (email: string) => productToken(email);

describe('every right on the self-service page, in Chromium', { skip }, () => {
  test('Global Privacy Control: a signed-in subject’s opt-out is recorded at once, applied and confirmed; a visitor gets it chosen in advance', async () => {
    const gpcContext = await env.browser.newContext({
      locale: 'en-GB',
      viewport: { width: 900, height: 1000 },
      extraHTTPHeaders: { 'Sec-GPC': '1' },
    });
    // as a browser with Global Privacy Control switched on (a string: the test's compiled functions do not survive the trip)
    await gpcContext.addInitScript({
      content: "Object.defineProperty(navigator, 'globalPrivacyControl', { get: () => true, configurable: true });",
    });
    const errors: string[] = [];
    gpcContext.on('page', (p) => watchPageErrors(p, errors));
    const email = 'gina@example.com';
    await stack.db.appDb.query(`INSERT INTO accounts (email, name) VALUES ($1, 'Gina Park')`, [email]);
    const optedOutBefore = await stack.db.appDb.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE sale_opt_out');

    const page = await gpcContext.newPage();
    await page.goto(`${origin}/#subject-token=${await subjectToken(email)}`);
    const panel = page.getByRole('region', { name: 'Your browser asks us not to sell or share your data' });
    await panel.waitFor();
    assert.ok(!page.url().includes('subject-token'), 'the token leaves the address bar');
    assert.match((await page.locator('#signed-in').textContent()) ?? '', /signed in as gina@example\.com/);
    await page.getByText(/We have recorded your opt-out \(reference [0-9a-f-]{36}\)/).waitFor();
    await record(page, 'gpc-recorded');
    await page.getByText('Done: we no longer sell or share your personal information').waitFor({ timeout: 40_000 });
    await record(page, 'gpc-applied');

    const { rows: requests } = await stack.db.engineDb.query<{ id: string; status: string; verified_at: Date | null }>(
      `SELECT id, status, verified_at FROM requests WHERE type = 'opt_out' AND subject_email = $1`,
      [email],
    );
    assert.equal(requests.length, 1, 'one opt-out, recorded once');
    assert.equal(requests[0].status, 'completed');
    assert.ok(requests[0].verified_at, 'verified by the product’s token, no mail round trip');
    const flag = await stack.db.appDb.query<{ sale_opt_out: boolean }>('SELECT sale_opt_out FROM accounts WHERE email = $1', [email]);
    assert.deepEqual(flag.rows, [{ sale_opt_out: true }], 'the mapped flag is set in the product database');
    const optedOut = await stack.db.appDb.query<{ n: number }>('SELECT count(*)::int AS n FROM accounts WHERE sale_opt_out');
    assert.equal(optedOut.rows[0].n, optedOutBefore.rows[0].n + 1, 'hers and no one else’s');

    await page.getByRole('link', { name: 'Follow your opt-out' }).click();
    await page.locator('#req-status[data-status=completed]').waitFor();
    assert.equal(await page.locator('#req-type').textContent(), 'Opt-out of sale or sharing');
    assert.match((await page.locator('#req-explain').textContent()) ?? '', /^Done: we no longer sell or share/);
    const rows = await progressRows(page);
    assert.ok(
      rows.some(([place, what]) => place === 'Your account' && what === 'No longer sold or shared: 1 record'),
      JSON.stringify(rows),
    );
    await record(page, 'gpc-status');

    // a visitor who is not signed in: told, and the opt-out chosen, to be confirmed by mail as usual
    const visitor = await gpcContext.newPage();
    await visitor.goto(`${origin}/`);
    await visitor.getByText(/we have chosen the opt-out of sale or sharing below for you/).waitFor();
    assert.equal(await visitor.getByLabel('Do not sell or share my data').isChecked(), true);
    assert.equal(await visitor.locator('#signed-in').isVisible(), false);
    await record(visitor, 'gpc-visitor');
    const before = await stack.db.engineDb.query<{ n: number }>(`SELECT count(*)::int AS n FROM requests WHERE type = 'opt_out'`);
    assert.equal(before.rows[0].n, 1, 'a visitor’s signal alone records nothing');
    await gpcContext.close();
    assert.deepEqual(errors, [], 'no script errors');
  });

  test('a restriction through the page, confirmed, then lifted by the privacy team after the subject was told', async () => {
    const page = await context.newPage();
    const email = 'bob@example.com';
    await page.goto(`${origin}/`);
    await page.getByLabel('Restrict the use of my data').check();
    await page.getByLabel('Your email address').fill(email);
    const id = await send(page);
    await record(page, 'restriction-sent');
    await confirmFromMail(page, id, email);
    await page.locator('#req-status[data-status=completed]').waitFor({ timeout: 40_000 });
    assert.equal(await page.locator('#req-type').textContent(), 'Restriction of processing');
    assert.match((await page.locator('#req-explain').textContent()) ?? '', /Your data is restricted: we keep it but do not use it/);
    const restricted = await progressRows(page);
    assert.ok(
      restricted.some(([place, what]) => place === 'Your account' && what === 'Restricted: 1 record'),
      JSON.stringify(restricted),
    );
    const marked = async () =>
      (
        await stack.db.appDb.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM accounts WHERE email = $1 AND restricted_at IS NOT NULL',
          [email],
        )
      ).rows[0].n;
    assert.equal(await marked(), 1, 'the account is marked restricted');
    await record(page, 'restriction-in-place');

    const lift = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${id}/lift-restriction`,
      headers: admin,
      payload: { reason: 'the accuracy of your data was checked and confirmed' },
    });
    assert.equal(lift.statusCode, 200, lift.body);
    const notice = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /being lifted/.test(m.subject));
    assert.match(notice.text, /accuracy of your data was checked/);
    const { rows: events } = await stack.db.engineDb.query<{ action: string; details: { change?: string } }>(
      'SELECT action, details FROM audit_events WHERE request_id = $1 ORDER BY seq',
      [id],
    );
    const told = events.findIndex((e) => e.action === AUDIT_ACTIONS.restrictionLiftNotified);
    const cleared = events.findIndex((e) => e.details.change === 'lift_restriction');
    assert.ok(told >= 0 && cleared > told, 'the notice went out before any mark was cleared');
    assert.equal(await marked(), 0, 'the mark is cleared');

    await page.reload();
    await page.getByText(/^We lifted the restriction on \d{1,2} \w+ \d{4}, after telling you by email why/).waitFor();
    const lifted = await progressRows(page);
    assert.ok(
      lifted.length > 0 && lifted.every(([, what]) => /^(Restriction lifted on \d{1,2} \w+ \d{4}|Nothing held here)$/.test(what)),
      JSON.stringify(lifted),
    );
    await record(page, 'restriction-lifted');
    await page.close();
  });

  test('an authorized agent: the request through the page, the permission uploaded, the subject confirms directly, the outcome mailed to both', async () => {
    const page = await context.newPage();
    const subject = 'carol@example.com';
    const agentEmail = 'desk@agents.example.org';
    await page.goto(`${origin}/`);
    await page.getByLabel('Get a copy of my data').check();
    await page.getByLabel('I am submitting for someone else').check();
    await page.getByLabel('Your name, or your organisation’s').fill('Privacy Agents Ltd');
    await page.getByLabel('Email address of the agent (yours)').fill(agentEmail);
    await page.getByLabel('The email address of the person you act for').fill(subject);
    await record(page, 'agent-form');
    const id = await send(page);
    assert.equal(
      await page.getByRole('link', { name: 'Enter the code from the email' }).isVisible(),
      false,
      'the code goes to the subject',
    );
    const upload = page.getByLabel('The signed permission document');
    await upload.waitFor();
    const limit = stack.config.AGENT_PERMISSION_MAX_BYTES;
    assert.equal(
      await page.locator('#permission-hint').textContent(),
      `A PDF or a picture, at most ${Math.round((limit / 1048576) * 10) / 10} MB.`,
      'the size limit is shown',
    );
    await record(page, 'agent-sent');

    // the subject cannot confirm before the permission is there
    const confirmMail = await stack.smtp.waitFor((m) => m.to.includes(subject) && m.text.includes(id) && /Confirm/.test(m.subject));
    assert.ok(!confirmMail.to.includes(agentEmail));

    await page.getByRole('button', { name: 'Upload the permission' }).click();
    assert.equal(await page.locator('#permission-error').textContent(), 'Choose the signed permission document.');
    const permission = Buffer.from('%PDF-1.4\nI, Carol Diaz, authorise Privacy Agents Ltd to ask for a copy of my data.\n%%EOF\n');
    await upload.setInputFiles({ name: 'permission.pdf', mimeType: 'application/pdf', buffer: permission });
    await page.getByRole('button', { name: 'Upload the permission' }).click();
    await page.getByText(/^Received \(1 KB\)/).waitFor();
    const stored = await stack.db.engineDb.query<{ document_sha256: string }>(
      'SELECT document_sha256 FROM request_agents WHERE request_id = $1',
      [id],
    );
    assert.equal(stored.rows[0].document_sha256, createHash('sha256').update(permission).digest('hex'), 'the uploaded bytes, hashed');
    await record(page, 'agent-uploaded');

    // what the agent's token shows: the outcome, never the subject's per-place progress
    const agentLink = (await page.getByRole('link', { name: 'Follow the status of your request' }).getAttribute('href')) ?? '';
    const agentToken = new URL(agentLink, origin).searchParams.get('t') ?? '';
    const subjectLink = linkFrom(confirmMail.text, /https?:\/\/\S+\/status\?\S+/);
    const subjectToken = new URL(subjectLink).searchParams.get('t') ?? '';
    assert.notEqual(agentToken, subjectToken, 'the agent and the subject hold different tokens');

    await confirmFromMail(page, id, subject);
    await page.locator('#req-status[data-status=completed]').waitFor({ timeout: 40_000 });
    assert.ok((await progressRows(page)).length >= 5, 'the subject sees what was found in each place');
    await record(page, 'agent-subject-status');

    const agentView = await stack.app.inject({ method: 'GET', url: `/v1/requests/${id}`, headers: { 'x-status-token': agentToken } });
    const view = agentView.json() as Record<string, unknown>;
    assert.deepEqual(
      { viewer: view.viewer, type: view.type, status: view.status, permissionReceived: view.permissionReceived },
      { viewer: 'agent', type: 'access', status: 'completed', permissionReceived: true },
    );
    assert.ok(!('progress' in view) && !('purgeAt' in view), `no progress or counts for the agent: ${agentView.body}`);
    const subjectView = await stack.app.inject({ method: 'GET', url: `/v1/requests/${id}`, headers: { 'x-status-token': subjectToken } });
    assert.ok(((subjectView.json() as { progress: unknown[] }).progress ?? []).length >= 5);

    const agentPage = await context.newPage();
    await agentPage.goto(origin + agentLink);
    await agentPage.locator('#req-status[data-status=completed]').waitFor();
    assert.match((await agentPage.locator('#agent-note').textContent()) ?? '', /as the authorized agent.*We have the signed permission/);
    assert.equal(await agentPage.locator('#progress').isVisible(), false);
    assert.equal(await agentPage.locator('#progress-rows tr').count(), 0);
    await record(agentPage, 'agent-status');
    await agentPage.close();

    // the outcome to the agent without data; the data to the subject alone
    const outcome = await stack.smtp.waitFor((m) => m.to.includes(agentEmail) && m.text.includes(id) && /outcome/.test(m.subject));
    assert.match(outcome.text, /has been answered\. The answer, and any copy of the data, was sent to the consumer directly, not to you/);
    const ready = await stack.smtp.waitFor((m) => m.to.includes(subject) && m.text.includes(id) && /\/v1\/exports\//.test(m.text));
    assert.ok(!ready.to.includes(agentEmail));
    const toAgent = stack.smtp.mails.filter((m) => m.to.includes(agentEmail));
    assert.ok(toAgent.length >= 2, 'received and outcome');
    assert.ok(
      toAgent.every((m) => !/\/v1\/exports\/|\/status\?/.test(m.text)),
      'no download link and no subject status link to the agent',
    );
    await page.close();
  });

  test('an objection through the page: the map’s purposes by their labels, direct marketing always honoured and stopped', async () => {
    const page = await context.newPage();
    const email = 'alice@example.com';
    await page.goto(`${origin}/`);
    await page.getByLabel('Object to a use of my data').check();
    const purposes = page.getByRole('group', { name: 'Which use of your data do you object to?' });
    await purposes.getByRole('radio').first().waitFor();
    const labels = await purposes.locator('label').allTextContents();
    assert.deepEqual(labels, [
      'Product news and offers by e-mail Always honoured: we stop at once, without asking why.',
      'Analysing how the product is used to improve it We stop unless we have compelling legitimate grounds, which we would explain to you.',
    ]);
    const body = (await page.locator('main').innerText()).toLowerCase();
    assert.ok(!body.includes('direct_marketing') && !body.includes('product_analytics') && !body.includes('marketing_opt_in'));
    await page.getByLabel('Your email address').fill(email);
    await page.getByRole('button', { name: 'Send request' }).click();
    assert.equal(await page.locator('#objection-error').textContent(), 'Choose the use of your data you object to.');
    await record(page, 'objection-form');

    await page.getByLabel(/^Product news and offers by e-mail/).check();
    const id = await send(page);
    const purpose = await stack.db.engineDb.query('SELECT objection_purpose FROM requests WHERE id = $1', [id]);
    assert.equal(purpose.rows[0].objection_purpose, 'direct_marketing', 'the page’s key reached the intake as the purpose');
    await confirmFromMail(page, id, email);
    await page.locator('#req-status[data-status=completed]').waitFor({ timeout: 40_000 });
    assert.equal(await page.locator('#req-type').textContent(), 'Objection to processing');
    assert.match((await page.locator('#req-explain').textContent()) ?? '', /we have stopped using your data for this purpose/);
    const rows = await progressRows(page);
    assert.ok(
      rows.some(([place, what]) => place === 'Your account' && what === 'Use stopped: 1 record'),
      JSON.stringify(rows),
    );
    const { rows: flags } = await stack.db.appDb.query('SELECT marketing_opt_in, analytics_opt_in FROM accounts WHERE email = $1', [email]);
    assert.deepEqual(flags, [{ marketing_opt_in: false, analytics_opt_in: true }], 'marketing stopped, nothing else');
    await record(page, 'objection-done');

    // an objection to another purpose waits for the privacy team, and the page says so
    await page.goto(`${origin}/`);
    await page.getByLabel('Object to a use of my data').check();
    await page.getByLabel(/^Analysing how the product is used/).check();
    await page.getByLabel('Your email address').fill(email);
    const weighed = await send(page);
    await confirmFromMail(page, weighed, email);
    await page.getByText(/^Our privacy team is weighing your objection/).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#req-status').getAttribute('data-status'), 'in_progress');
    const { rows: still } = await stack.db.appDb.query('SELECT analytics_opt_in FROM accounts WHERE email = $1', [email]);
    assert.deepEqual(still, [{ analytics_opt_in: true }], 'nothing stopped before the team decides');
    await record(page, 'objection-weighed');

    // the same page in German: the new texts exist in every language
    await page.goto(`${origin}/`);
    await page.getByLabel('Language').selectOption('de');
    await page.getByLabel('Einer Nutzung meiner Daten widersprechen').check();
    await page.getByText('Wird immer befolgt: Wir hören sofort auf, ohne nach Gründen zu fragen.').waitFor();
    await page.getByLabel('Ich stelle die Anfrage für jemand anderen').check();
    await page.getByLabel('Die E-Mail-Adresse der Person, für die Sie handeln').waitFor();
    await record(page, 'objection-de');
    await page.getByLabel('Sprache').selectOption('en');
    await page.close();
    assert.deepEqual(env.pageErrors, [], 'no script errors or CSP violations');
  });
});
