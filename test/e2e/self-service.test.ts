// The self-service pages in a real browser (Debian's Chromium, headless, driven by
// playwright-core) against the real stack: ask → confirm from the mail → status → download.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { chromiumSkip, startBrowserStack, type BrowserStack } from '../support/browser';
import type { Stack } from '../support/stack';
import { readZip } from '../support/zip';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'e2e', 'artifacts');
const MAIL_ORIGIN = 'http://dsar.test';
const skip = chromiumSkip;

let stack: Stack;
let context: BrowserContext;
let origin: string;
/** Script errors and CSP violations seen by any page; the test ends by asserting there were none. */
let pageErrors: string[] = [];

let env: BrowserStack;
before(async () => {
  if (skip) return;
  env = await startBrowserStack({ acceptDownloads: true, viewport: { width: 900, height: 1000 } });
  ({ stack, context, origin, pageErrors } = env);
});

after(async () => env?.stop());

/** The link from a caught mail, pointed at the listening server instead of PUBLIC_BASE_URL. */
function linkFrom(text: string, pattern: RegExp): string {
  const m = pattern.exec(text);
  assert.ok(m, `mail carries a link matching ${pattern}`);
  assert.ok(m[0].startsWith(MAIL_ORIGIN), m[0]);
  return origin + m[0].slice(MAIL_ORIGIN.length);
}

/** Fills in and sends the request form; returns the reference the page shows. */
async function ask(page: Page, type: 'export' | 'deletion', email: string): Promise<string> {
  await page.goto(`${origin}/`);
  // by keyboard: choose the type with Space, Tab to the email field, type, submit with Enter
  await page.getByLabel(type === 'export' ? 'Export my data' : 'Delete my data').focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.id'), 'email', 'Tab moves from the choice to the email field');
  assert.notEqual(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle'), 'none', 'keyboard focus is visible');
  await page.keyboard.type(email);
  await page.keyboard.press('Enter');

  const result = page.getByRole('region', { name: 'Request received' });
  await result.waitFor();
  const id = (await page.locator('#result-id').textContent()) ?? '';
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.match((await page.getByRole('status').textContent()) ?? '', new RegExp(`reference is ${id}`));
  const due = await page.locator('#result-due').getAttribute('datetime');
  assert.ok(due && Date.parse(due) > Date.now(), 'a due date in the future');
  assert.ok(((await page.locator('#result-due').textContent()) ?? '').length > 0);
  const href = (await page.getByRole('link', { name: 'Follow the status of your request' }).getAttribute('href')) ?? '';
  assert.match(href, new RegExp(`^/status\\?id=${id}&t=[\\w.%-]+$`), 'the status link carries the status token');
  assert.ok(!page.url().includes('@') && !page.url().includes('example'), 'no personal data in the URL');
  return id;
}

/** Opens the verification link from the mail and confirms; returns the page, now offering the status link. */
async function confirmFromMail(page: Page, id: string, email: string): Promise<void> {
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /Confirm/.test(m.subject));
  await page.goto(linkFrom(mail.text, /https?:\/\/\S+\/verify\?\S+/));
  await page.getByRole('button', { name: 'Confirm my request' }).click();
  await page.getByText('your request is confirmed').waitFor();
  const statusLink = page.getByRole('link', { name: 'Follow the status of your request' });
  await statusLink.waitFor();
  await statusLink.click();
  await page.waitForURL((u) => u.pathname === '/status' && u.searchParams.get('id') === id && !!u.searchParams.get('t'));
}

describe('self-service pages in Chromium', { skip }, () => {
  test('serves only the allow-listed web files, with their content types', async () => {
    for (const [url, type] of [
      ['/', 'text/html'],
      ['/status', 'text/html'],
      ['/web/self-service.js', 'text/javascript'],
      ['/web/status.js', 'text/javascript'],
      ['/web/style.css', 'text/css'],
    ]) {
      const res = await stack.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.ok(String(res.headers['content-type']).startsWith(type), `${url}: ${res.headers['content-type']}`);
    }
    for (const url of ['/web/index.html', '/web/..%2Fpackage.json', '/web/%2e%2e%2fpackage.json', '/web/nope.js']) {
      assert.equal((await stack.app.inject({ method: 'GET', url })).statusCode, 404, url);
    }
  });

  test('an export: ask, see field errors, confirm from the mail, watch it complete, download the ZIP', async () => {
    const page = await context.newPage();
    const email = 'alice@example.com';

    // an API error is shown next to its field
    await page.goto(`${origin}/`);
    await page.getByLabel('Export my data').check();
    await page.getByLabel('Your email address').fill('not-an-address');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.locator('#email-error:not(:empty)').waitFor();
    assert.match((await page.locator('#email-error').textContent()) ?? '', /valid email/);
    assert.equal(await page.getByLabel('Your email address').getAttribute('aria-invalid'), 'true');

    const id = await ask(page, 'export', email);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'self-service-form.png'), fullPage: true });
    await confirmFromMail(page, id, email);

    await page.locator('#req-status[data-status=completed]').waitFor({ timeout: 40_000 });
    assert.equal(await page.locator('#req-status').textContent(), 'Completed');
    assert.equal(await page.locator('#req-id').textContent(), id);
    const states = await page.locator('#progress-rows tr td:nth-child(2)').allTextContents();
    assert.ok(states.length >= 5 && states.every((s) => s === 'Done'), `every place done: ${states.join(', ')}`);
    assert.match((await page.getByRole('status').textContent()) ?? '', /Completed/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'self-service.png'), fullPage: true });

    const ready = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /ready/.test(m.subject));
    const downloadUrl = linkFrom(ready.text, /https?:\/\/\S+\/v1\/exports\/\S+/);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.goto(downloadUrl).catch(() => undefined), // navigation "fails": the answer is an attachment
    ]);
    assert.equal(download.suggestedFilename(), `dsar-export-${id}.zip`);
    const zip = await readFile(await download.path());
    assert.equal(zip.subarray(0, 2).toString('latin1'), 'PK');
    const files = await readZip(zip);
    const manifest = JSON.parse(files.get('manifest.json')?.toString() ?? 'null');
    assert.equal(manifest?.requestId, id);
    await page.close();
  });

  test('the verification code typed by hand on the page: a wrong one is explained, the right one in lower case without the dash confirms', async () => {
    const page = await context.newPage();
    const email = 'bob@example.com';
    const id = await ask(page, 'export', email);
    const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /Confirm/.test(m.subject));
    const code = /confirm with the code: (\S+)/.exec(mail.text)?.[1] ?? '';
    assert.match(code, /^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    // the page for typing: the mailed address without the code
    await page.goto(linkFrom(mail.text, /https?:\/\/\S+\/verify\?request=[\w-]+&t=\S+/));
    const field = page.getByLabel(/Code from the email/);
    assert.equal(await field.inputValue(), '');
    await field.fill('ABCD-EFGH');
    await page.getByRole('button', { name: 'Confirm my request' }).click();
    await page.locator('#result.is-error').waitFor();
    assert.match((await page.locator('#result').textContent()) ?? '', /not valid/);
    await field.fill(code.replace('-', '').toLowerCase());
    await field.press('Enter');
    await page.getByText('your request is confirmed').waitFor();
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'verify-typed-code.png'), fullPage: true });
    await page.close();
  });

  test('a deletion: ask, confirm from the mail, and follow its progress', async () => {
    const page = await context.newPage();
    const email = 'carol@example.com';
    const id = await ask(page, 'deletion', email);
    await confirmFromMail(page, id, email);
    await page.locator('#progress-rows tr').first().waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#req-type').textContent(), 'Deletion of my data');
    assert.match((await page.locator('#req-status').getAttribute('data-status')) ?? '', /^(in_progress|completed)$/);
    assert.ok((await page.locator('#progress-rows tr').count()) >= 1);
    // erased and the account deactivated: the request stays in progress until the purge is proven
    await stack.smtp.waitFor((m) => m.text.includes(id) && /being deleted/.test(m.subject), 30_000);
    await page.reload();
    await page.locator('#req-status[data-status=in_progress]').waitFor({ timeout: 30_000 });
    await page.close();
  });

  test('the status link in the mail shows progress; the bare reference shows status and due date only', async () => {
    const email = 'bob@example.com';
    const asked = await context.newPage();
    const id = await ask(asked, 'export', email);
    await asked.close();
    const confirming = await context.newPage();
    await confirmFromMail(confirming, id, email);
    await confirming.close();
    const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /Confirm/.test(m.subject));

    const mailed = await context.newPage();
    await mailed.goto(linkFrom(mail.text, /https?:\/\/\S+\/status\?\S+/));
    await mailed.locator('#req-status[data-status=completed]').waitFor({ timeout: 40_000 });
    assert.equal(await mailed.locator('#req-type').textContent(), 'Export of my data');
    assert.ok((await mailed.locator('#progress-rows tr').count()) >= 5, 'per-store progress from the mailed link');
    await mailed.close();

    const bare = await context.newPage();
    await bare.goto(`${origin}/status?id=${id}`);
    await bare.locator('#req-status[data-status=completed]').waitFor({ timeout: 10_000 });
    assert.ok(((await bare.locator('#req-due').getAttribute('datetime')) ?? '').length > 0, 'the due date is shown');
    assert.equal(await bare.locator('#req-type').isVisible(), false, 'no type without the token');
    assert.equal(await bare.locator('#progress').isVisible(), false, 'no progress without the token');
    assert.equal(await bare.locator('#progress-rows tr').count(), 0);
    await bare.close();
  });

  test('the status view explains an unknown reference next to the field', async () => {
    const page = await context.newPage();
    await page.goto(`${origin}/status?id=00000000-0000-4000-8000-000000000000`);
    await page.locator('#reference-error:not(:empty)').waitFor();
    assert.match((await page.locator('#reference-error').textContent()) ?? '', /no request with this reference/);
    await page.goto(`${origin}/status?id=not-a-reference`);
    await page.locator('#reference-error:not(:empty)').waitFor();
    assert.match((await page.locator('#reference-error').textContent()) ?? '', /not a valid reference/);
    await page.close();
    assert.deepEqual(pageErrors, [], 'no script errors or CSP violations');
  });
});
