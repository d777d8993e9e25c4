// The self-service pages in a real browser (Debian's Chromium, headless, driven by
// playwright-core) against the real stack: ask → confirm from the mail → status → download; a
// correction with the typed code; the pages in German; axe-core on every page.
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type BrowserContext, type Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { statusToken } from '../../lib/signed-token';
import { chromiumSkip, seriousAxeViolations, startBrowserStack, type BrowserStack } from '../support/browser';
import { codeFrom } from '../support/flow';
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
  assert.equal(await page.evaluate('document.activeElement.id'), 'residence', 'Tab moves from the choice to the residence question');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.id'), 'email', 'and on to the email field');
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

/** The data map's table and store names never reach the person: the map's labels stand for them. */
async function assertNoTableNames(page: Page): Promise<void> {
  const text = (await page.locator('main').innerText()).toLowerCase();
  for (const name of ['app_db', 'usage_logs', 'api_keys', 'billing_records', 'support_tickets', 'accounts']) {
    assert.ok(!text.includes(name), `no table name "${name}" on the page`);
  }
}

describe('self-service pages in Chromium', { skip }, () => {
  test('serves only the allow-listed web files, with their content types', async () => {
    for (const [url, type] of [
      ['/', 'text/html'],
      ['/status', 'text/html'],
      ['/web/self-service.js', 'text/javascript'],
      ['/web/status.js', 'text/javascript'],
      ['/web/style.css', 'text/css'],
      ['/web/i18n.js', 'text/javascript'],
      ['/web/lang-de.js', 'text/javascript'],
    ]) {
      const res = await stack.app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200, url);
      assert.ok(String(res.headers['content-type']).startsWith(type), `${url}: ${res.headers['content-type']}`);
    }
    const options = await stack.app.inject({ method: 'GET', url: '/v1/requests/options' });
    assert.equal(options.statusCode, 200);
    const places = (options.json() as { places: { key: string; label: string; keptBecause: string | null }[] }).places;
    const billing = places.find((p) => p.label === 'Your invoices');
    assert.deepEqual(
      { label: billing?.label, keptBecause: billing?.keptBecause },
      { label: 'Your invoices', keptBecause: 'GDPR Art. 17(3)(b), tax record-keeping' },
      'the map’s label and retention basis',
    );
    assert.ok(!/postgres:\/\/|password|url/i.test(options.body), 'no connection details in the public options');
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
    assert.ok(
      states.length >= 5 && states.every((s) => /^(In your copy: \d+ records?|Nothing held here)$/.test(s)),
      `every place told in words: ${states.join(', ')}`,
    );
    assert.ok(
      states.some((s) => /^In your copy: [1-9]/.test(s)),
      'the places holding data say how much is in the copy',
    );
    await assertNoTableNames(page);
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
    const field = page.getByLabel(/Confirmation code/);
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
    assert.equal(await page.locator('#req-status').textContent(), 'In progress');
    // each place in words: what was deleted, what was kept and why, the account's purge date — never "Done"
    await page.locator('#progress-rows td.state-done').first().waitFor();
    const outcomes = await page.locator('#progress-rows td.state-done').allTextContents();
    for (const o of outcomes) {
      assert.match(
        o,
        /^(Deleted: \d+ records?|Nothing held here, so nothing to delete|Kept: \d+ records?, because .+|Account closed; deleted for good by .+)$/,
      );
    }
    assert.ok(
      outcomes.some((o) => /^Kept: [1-9]\d* records?, because GDPR Art\. 17\(3\)\(b\)/.test(o)),
      `billing kept, with why: ${outcomes}`,
    );
    assert.ok(
      outcomes.some((o) => /^Account closed; deleted for good by 2?\d{1,2} \w+ \d{4}$/.test(o)),
      `the purge date: ${outcomes}`,
    );
    assert.ok(!outcomes.includes('Done'));
    await assertNoTableNames(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'self-service-deletion-status.png'), fullPage: true });
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

  test('a correction through the page: only correctable fields offered, the typed code confirms, the status says what changed', async () => {
    const page = await context.newPage();
    const email = 'bob@example.com';
    const newName = 'Robert Keller';
    await page.goto(`${origin}/`);
    await page.getByLabel('Correct my data').check();
    const field = page.getByLabel('Information to correct');
    await field.waitFor();
    const offered = await field
      .locator('option')
      .evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value).filter(Boolean));
    const options = (await stack.app.inject({ method: 'GET', url: '/v1/requests/options' })).json() as {
      correctable: { key: string }[];
    };
    assert.deepEqual(
      offered,
      options.correctable.map((c) => c.key),
      'the page offers exactly the correctable fields',
    );
    const labels = await field.locator('option').allTextContents();
    assert.ok(labels.includes('Name') && !labels.includes('Key fingerprint') && !labels.includes('Amount (cents)'), labels.join(', '));
    assert.ok(
      offered.every((key) => /^k_[0-9a-f]{16}$/.test(key)),
      'opaque keys, never column names',
    );

    // no value yet: the error is named next to the corrections
    await field.selectOption({ label: 'Name' });
    await page.getByLabel('Your email address').fill(email);
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.locator('#corrections-error:not(:empty)').waitFor();
    assert.equal(await page.getByLabel('Correct value').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Correct value').fill(newName);
    await page.getByLabel('Where do you live?').selectOption('EU');
    await page.getByRole('button', { name: 'Send request' }).click();
    await page.getByRole('region', { name: 'Request received' }).waitFor();
    const id = (await page.locator('#result-id').textContent()) ?? '';
    assert.match(id, /^[0-9a-f-]{36}$/);
    const stored = await stack.db.engineDb.query('SELECT type, jurisdiction FROM requests WHERE id = $1', [id]);
    assert.deepEqual(stored.rows[0], { type: 'correction', jurisdiction: 'gdpr' }, 'the residence reached the intake');
    await page.screenshot({ path: path.join(ARTIFACTS, 'self-service-correction-form.png'), fullPage: true });

    // the code typed from the mail, not the link
    const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /Confirm/.test(m.subject));
    await page.getByRole('link', { name: 'Enter the code from the email' }).click();
    await page.waitForURL((u) => u.pathname === '/verify');
    await page.getByLabel('Confirmation code').fill('wrong-code-123');
    await page.getByRole('button', { name: 'Confirm my request' }).click();
    await page.locator('#code-error:not(:empty)').waitFor();
    await page.getByLabel('Confirmation code').fill(codeFrom(mail.text));
    await page.getByRole('button', { name: 'Confirm my request' }).click();
    await page.getByText('your request is confirmed').waitFor();
    await page.getByRole('link', { name: 'Follow the status of your request' }).click();

    await page.locator('#req-status[data-status=completed]').waitFor({ timeout: 40_000 });
    assert.equal(await page.locator('#req-status').textContent(), 'Completed');
    assert.equal(await page.locator('#req-type').textContent(), 'Correction of my data');
    assert.ok(((await page.locator('#req-completed').textContent()) ?? '').length > 0, 'the completion date is shown');
    const rows = await page
      .locator('#progress-rows tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.children[0].textContent, tr.children[1].textContent]));
    assert.ok(
      rows.some(([place, what]) => place === 'Your account' && what === 'Corrected: 1 record'),
      `the account corrected: ${JSON.stringify(rows)}`,
    );
    assert.ok(
      rows.every(([, what]) => /^(Corrected: \d+ records?|Nothing to correct here)$/.test(what ?? '')),
      JSON.stringify(rows),
    );
    await assertNoTableNames(page);
    const { rows: account } = await stack.db.appDb.query('SELECT name FROM accounts WHERE email = $1', [email]);
    assert.equal(account[0].name, newName, 'the product database holds the new value');
    await page.screenshot({ path: path.join(ARTIFACTS, 'self-service-correction-status.png'), fullPage: true });
    await page.close();
  });

  test('the language: German from the browser, switched to French and remembered, <html lang> set', async () => {
    const german = await env.browser.newContext({ locale: 'de-DE' });
    german.on('page', (p) => p.on('pageerror', (err) => pageErrors.push(err.message)));
    const page = await german.newPage();
    await page.goto(`${origin}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'de');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Ihre personenbezogenen Daten');
    assert.equal(await page.title(), 'Ihre Datenschutzrechte: Anfrage zu Ihren Daten');
    await page.getByLabel('Meine Daten löschen').waitFor();
    await page.getByRole('button', { name: 'Anfrage senden' }).click();
    assert.equal(await page.locator('#type-error').textContent(), 'Wählen Sie aus, was wir tun sollen.');
    await page.screenshot({ path: path.join(ARTIFACTS, 'self-service-de.png'), fullPage: true });

    await page.getByLabel('Sprache').selectOption('fr');
    assert.equal(await page.getAttribute('html', 'lang'), 'fr');
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Vos données personnelles');
    await page.goto(`${origin}/status?id=00000000-0000-4000-8000-000000000000`);
    assert.equal(await page.getAttribute('html', 'lang'), 'fr', 'the choice is remembered across pages');
    await page.locator('#reference-error:not(:empty)').waitFor();
    assert.match((await page.locator('#reference-error').textContent()) ?? '', /Aucune demande/);
    await page.getByLabel('Langue').selectOption('de');
    await page.goto(`${origin}/verify?request=00000000-0000-4000-8000-000000000000`);
    assert.equal(await page.getByRole('button').textContent(), 'Meine Anfrage bestätigen');
    await german.close();
  });

  test('axe-core finds no serious or critical violations on the index, status and verify pages', async () => {
    const page = await context.newPage();
    const pages: [string, string][] = [
      ['index', `${origin}/`],
      ['status', `${origin}/status?id=00000000-0000-4000-8000-000000000000`],
      ['verify', `${origin}/verify?request=00000000-0000-4000-8000-000000000000`],
    ];
    for (const [name, url] of pages) {
      await page.goto(url);
      if (name === 'index') {
        await page.getByLabel('Correct my data').check(); // the correction fields too
        await page.getByLabel('Information to correct').waitFor();
      }
      if (name === 'status') await page.locator('#reference-error:not(:empty)').waitFor();
      assert.deepEqual(await seriousAxeViolations(page), [], `${name} page`);
    }
    // a status page with a request's details and progress
    const done = await stack.db.engineDb.query(`SELECT id FROM requests WHERE status = 'completed' LIMIT 1`);
    assert.equal(done.rowCount, 1, 'an earlier test completed a request');
    const received = await stack.db.engineDb.query('SELECT received_at FROM requests WHERE id = $1', [done.rows[0].id]);
    const t = statusToken(stack.config.SIGNING_SECRET, done.rows[0].id, received.rows[0].received_at);
    await page.goto(`${origin}/status?id=${done.rows[0].id}&t=${encodeURIComponent(t)}`);
    await page.locator('#progress-rows tr').first().waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'status page with progress');
    await page.close();
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
