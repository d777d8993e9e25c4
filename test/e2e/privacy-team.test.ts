// The privacy team at work in the dashboard (headless Chromium) against the real API and worker,
// with a manual store (the helpdesk archive): find a request by the subject's address, provide
// the manual store's data by upload, place and release a legal hold, download the compliance
// report, retry a request that needs attention and answer its manual task "nothing held", see
// closed requests — and an auditor sees every address masked. axe-core finds no serious or
// critical violation on the pages.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { createAdminKey } from '../../api/admin-keys';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { AUDIT_ACTIONS } from '../../schemas/audit-actions';
import { stateQuery } from '../../schemas/contract';
import { chromiumSkip, seriousAxeViolations, startBrowserStack, type BrowserStack } from '../support/browser';
import { downloadPathFrom, submitAndVerify, waitForStatus } from '../support/flow';
import type { Stack } from '../support/stack';
import { readZip } from '../support/zip';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'e2e', 'artifacts');
const skip = chromiumSkip;

let env: BrowserStack;
let stack: Stack;
let context: BrowserContext;
let origin: string;
let adminKey: string;
let auditorKey: string;

before(async () => {
  if (skip) return;
  env = await startBrowserStack({ viewport: { width: 1400, height: 1000 } }, { extraStores: true, storesFixture: 'all-stores' });
  ({ stack, context, origin } = env);
  adminKey = (await createAdminKey(stack.db.engineDb, 'lead', 'admin')).key;
  auditorKey = (await createAdminKey(stack.db.engineDb, 'external-auditor', 'auditor')).key;
  await mkdir(ARTIFACTS, { recursive: true });
});
after(async () => env?.stop());

const as = (key: string) => ({ authorization: `Bearer ${key}` });

async function signIn(key: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${origin}/dashboard`);
  await page.getByLabel('Admin API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#holds-count:not(:empty)').waitFor();
  return page;
}

async function search(page: Page, text: string): Promise<void> {
  await page.getByLabel('Find by the subject’s address or a request id').fill(text);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

async function assertAccessible(page: Page, what: string): Promise<void> {
  assert.deepEqual(await seriousAxeViolations(page), [], `${what}: axe-core finds no serious or critical violation`);
}

/** Waits until the task's card is gone (completed) or shows an error, and asserts there was none. */
async function expectTaskCompleted(page: Page, requestId: string): Promise<void> {
  const card = page.locator(`#tasks li[data-request="${requestId}"]`);
  const error = card.locator('p.error:not(:empty)');
  await Promise.race([card.waitFor({ state: 'detached' }), error.waitFor()]);
  assert.equal(await card.count(), 0, `the task is still open: ${await error.textContent().catch(() => '')}`);
}

/** The workflow waits on the manual store's task (its row is written a moment before the workflow accepts completion). */
async function waitForOpenTask(requestId: string): Promise<void> {
  for (const until = Date.now() + 30_000; ;) {
    const state = await stack.env.client.workflow.getHandle(requestId).query(stateQuery);
    if (state.progress.find((p) => p.store === 'helpdesk_archive')?.state === 'waiting') return;
    if (Date.now() > until) throw new Error(`no manual task waiting for ${requestId}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the privacy team in the dashboard (real API and worker)', { skip }, () => {
  test('admin listings name the subject, auditors see it masked; a bad filter or search is refused naming the field', async () => {
    const id = await submitAndVerify(stack, 'export', 'carol@example.com');
    const listed = async (key: string, query: string) => {
      const res = await stack.app.inject({ method: 'GET', url: `/v1/admin/requests?${query}`, headers: as(key) });
      assert.equal(res.statusCode, 200, res.body);
      return res.json().requests as { id: string; subject: string }[];
    };
    assert.deepEqual(
      (await listed(adminKey, 'q=CAROL%40Example.com')).map((r) => [r.id, r.subject]),
      [[id, 'carol@example.com']],
    );
    assert.deepEqual(
      (await listed(auditorKey, `q=${id}`)).map((r) => [r.id, r.subject]),
      [[id, 'c***@example.com']],
    );
    assert.deepEqual(await listed(adminKey, 'q=carol%40example.com&view=closed'), []);
    const detail = await stack.app.inject({ method: 'GET', url: `/v1/admin/requests/${id}`, headers: as(auditorKey) });
    assert.equal(detail.json().subject, 'c***@example.com');
    await waitForOpenTask(id);
    const tasks = await stack.app.inject({ method: 'GET', url: '/v1/admin/manual-tasks', headers: as(auditorKey) });
    assert.equal(tasks.json().tasks.find((t: { requestId: string }) => t.requestId === id).subject, 'c***@example.com');

    for (const [query, field] of [
      ['q=carol', 'query.q'],
      ['type=refund', 'type'],
      ['view=archived', 'view'],
      ['needs_attention=yes', 'needs_attention'],
    ]) {
      const res = await stack.app.inject({ method: 'GET', url: `/v1/admin/requests?${query}`, headers: as(adminKey) });
      assert.equal(res.statusCode, 400, query);
      assert.match(res.body, new RegExp(field.replace('.', '\\.')), `${query} names ${field}`);
    }
    const done = await stack.app.inject({
      method: 'POST',
      url: `/v1/admin/requests/${id}/manual-tasks/helpdesk_archive/complete`,
      headers: as(adminKey),
      payload: { note: 'archive searched', outcome: 'nothing_held' },
    });
    assert.equal(done.statusCode, 200, done.body);
  });

  test(
    'find a request by address, provide the manual store by upload, then find it among the closed ones',
    { timeout: 90_000 },
    async () => {
      const email = 'alice@example.com';
      const id = await submitAndVerify(stack, 'access', email);
      await waitForOpenTask(id);

      const page = await signIn(adminKey);
      await search(page, 'Alice@EXAMPLE.com');
      const row = page.locator(`#request-rows tr[data-id="${id}"]`);
      await row.waitFor();
      assert.equal(await page.locator('#request-rows tr').count(), 1, 'the search finds only this subject');
      assert.equal(await row.locator('td.subject').textContent(), email);
      assert.equal(
        await row.getByRole('link', { name: /Temporal UI/ }).getAttribute('href'),
        `http://localhost:8233/namespaces/default/workflows/${id}`,
      );
      // the audit dossier downloads with the key (a plain link could not send it)
      const [dossier] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: /audit dossier/ }).click()]);
      const dossierHtml = await readFile((await dossier.path())!, 'utf8');
      assert.match(dossierHtml, new RegExp(id));
      await screenshot(page, 'dashboard-search');
      await assertAccessible(page, 'the request list');

      // the manual task names the subject; upload the archive's thread and complete it
      const card = page.locator(`#tasks li[data-request="${id}"]`);
      await card.waitFor();
      assert.equal(await card.locator('.subject').textContent(), email);
      await card.locator('summary', { hasText: 'Provide the data' }).click();
      const thread = Buffer.from('From: support@example.com\nSubject: Your ticket\n\nThread held in the archive.\n');
      await card
        .getByLabel('What the store holds (files)')
        .setInputFiles({ name: 'thread-7.eml', mimeType: 'message/rfc822', buffer: thread });
      await card.getByLabel('What was done').fill('searched the archive, one thread');
      await screenshot(page, 'dashboard-manual-task');
      await assertAccessible(page, 'the manual task form');
      await card.getByRole('button', { name: 'Upload and complete' }).click();
      await expectTaskCompleted(page, id);

      await waitForStatus(stack, id, 'completed', 60_000);
      const {
        rows: [task],
      } = await stack.db.engineDb.query('SELECT completed_by, outcome, note FROM manual_tasks WHERE request_id = $1', [id]);
      assert.deepEqual(task, { completed_by: 'lead', outcome: 'uploaded', note: 'searched the archive, one thread' });
      const sha256 = createHash('sha256').update(thread).digest('hex');
      const { rows: uploaded } = await stack.db.engineDb.query('SELECT details FROM audit_events WHERE request_id = $1 AND action = $2', [
        id,
        AUDIT_ACTIONS.manualTaskFileUploaded,
      ]);
      assert.deepEqual(
        uploaded.map((e) => e.details),
        [{ bytes: thread.length, sha256 }],
      );
      const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(id) && /ready/.test(m.subject));
      const archive = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
      assert.deepEqual((await readZip(archive.rawPayload)).get('files/helpdesk_archive/thread-7.eml'), thread);

      // closed requests: the completed one is there, without actions
      await page.getByRole('button', { name: 'Closed', exact: true }).click();
      await page.locator('#requests-title-text', { hasText: 'Closed requests' }).waitFor();
      await row.locator('[data-status="completed"]').waitFor();
      assert.equal(await row.locator('td.actions button').count(), 0);
      await screenshot(page, 'dashboard-closed');
      await assertAccessible(page, 'the closed requests');
      await page.close();
    },
  );

  test('place a legal hold and release it; an auditor sees the held address masked', { timeout: 60_000 }, async () => {
    const signInPage = await context.newPage();
    await signInPage.goto(`${origin}/dashboard`);
    await signInPage.getByLabel('Admin API key').waitFor();
    await assertAccessible(signInPage, 'the sign-in form');
    await signInPage.close();

    const page = await signIn(adminKey);
    await page.locator('summary', { hasText: 'Place a legal hold' }).click();
    await page.getByLabel('Subject’s address', { exact: true }).fill('bob@example.com');
    await page.getByLabel('Category (the subject is told)').selectOption('regulatory_investigation');
    await page.getByLabel('Internal reason (never shown to the subject)').fill('regulator inquiry 2026-17');
    await page.getByRole('button', { name: 'Place hold' }).click();
    const card = page.locator('#holds li', { hasText: 'bob@example.com' });
    await card.waitFor();
    assert.match((await card.textContent()) ?? '', /Regulatory investigation.*Placed by lead/);
    const {
      rows: [hold],
    } = await stack.db.engineDb.query('SELECT id, category, placed_by, released_at FROM legal_holds WHERE subject_email = $1', [
      'bob@example.com',
    ]);
    assert.deepEqual([hold.category, hold.placed_by, hold.released_at], ['regulatory_investigation', 'lead', null]);
    await screenshot(page, 'dashboard-holds');
    await assertAccessible(page, 'the legal holds');

    const auditor = await signIn(auditorKey);
    const masked = auditor.locator(`#holds li[data-id="${hold.id}"] .subject`);
    await masked.waitFor();
    assert.equal(await masked.textContent(), 'b***@example.com');
    assert.equal(await auditor.locator('#holds', { hasText: 'bob@example.com' }).count(), 0);
    await screenshot(auditor, 'dashboard-auditor');
    await auditor.close();

    await card.locator('summary', { hasText: 'Release' }).click();
    await card.getByLabel('Why it is released').fill('inquiry closed');
    await card.getByRole('button', { name: 'Release hold' }).click();
    await card.waitFor({ state: 'detached' });
    const {
      rows: [released],
    } = await stack.db.engineDb.query('SELECT released_by, release_reason, released_at FROM legal_holds WHERE id = $1', [hold.id]);
    assert.deepEqual([released.released_by, released.release_reason], ['lead', 'inquiry closed']);
    assert.ok(released.released_at instanceof Date);
    await page.close();
  });

  test('download the compliance report as CSV and JSON: the same figures the API answers', { timeout: 60_000 }, async () => {
    const page = await signIn(adminKey);
    const from = await page.getByLabel('From', { exact: true }).inputValue();
    const to = await page.getByLabel('To', { exact: true }).inputValue();
    for (const format of ['csv', 'json']) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: `Download ${format.toUpperCase()}` }).click(),
      ]);
      assert.equal(download.suggestedFilename(), `compliance-${from}-${to}.${format}`);
      const got = await readFile((await download.path())!, 'utf8');
      const api = await stack.app.inject({
        method: 'GET',
        url: `/v1/admin/reports/compliance?from=${from}&to=${to}&format=${format}`,
        headers: as(adminKey),
      });
      assert.equal(api.statusCode, 200);
      if (format === 'csv') assert.equal(got, api.body);
      else {
        const report = JSON.parse(got);
        assert.deepEqual(report, api.json());
        assert.ok(JSON.stringify(report).includes('"received"'), 'the report carries the received counts');
      }
    }
    await page.close();
  });

  test(
    'a request stopped in needs_attention: filtered, retried from the dashboard, its manual task answered "nothing held"',
    { timeout: 90_000 },
    async () => {
      const app = stack.db.appDb;
      await app.query('ALTER TABLE support_tickets RENAME TO support_tickets_parked');
      let parked = true;
      try {
        const id = await submitAndVerify(stack, 'export', 'bob@example.com');
        await waitForStatus(stack, id, 'needs_attention', 60_000);

        const page = await signIn(adminKey);
        await page.getByLabel('Needing attention only').check();
        const row = page.locator(`#request-rows tr[data-id="${id}"]`);
        await row.waitFor();
        assert.equal(await page.locator('#request-rows tr').count(), 1);
        assert.match((await row.locator('.attention-reason').textContent()) ?? '', /support_tickets/);
        await screenshot(page, 'dashboard-needs-attention');
        await assertAccessible(page, 'a request needing attention');

        await app.query('ALTER TABLE support_tickets_parked RENAME TO support_tickets');
        parked = false;
        await row.getByRole('button', { name: 'Retry' }).click();
        await page.locator('#dash-status', { hasText: 'runs again' }).waitFor();

        await waitForOpenTask(id);
        await page.getByRole('button', { name: 'Refresh' }).click();
        const card = page.locator(`#tasks li[data-request="${id}"]`);
        await card.waitFor();
        await card.locator('summary', { hasText: 'Provide the data' }).click();
        await card.getByLabel('What was done').fill('no thread with this address');
        await card.getByRole('button', { name: 'Nothing held' }).click();
        await expectTaskCompleted(page, id);
        await waitForStatus(stack, id, 'completed', 60_000);
        const {
          rows: [task],
        } = await stack.db.engineDb.query('SELECT completed_by, outcome FROM manual_tasks WHERE request_id = $1', [id]);
        assert.deepEqual(task, { completed_by: 'lead', outcome: 'nothing_held' });
        assert.deepEqual(env.pageErrors, [], 'no script errors or CSP violations');
        await page.close();
      } finally {
        if (parked) await app.query('ALTER TABLE support_tickets_parked RENAME TO support_tickets');
      }
    },
  );
});
