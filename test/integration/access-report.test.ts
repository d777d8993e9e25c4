// The access report a person reads, from the real stack: a GDPR access request for a seeded
// account, its ZIP read back, the report's visible text checked against the data map and the
// manifest, and (where Chromium is installed) the page rendered narrow to see its tables wrap.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Manifest } from '../../activities/manifest';
import { PROJECT_ROOT } from '../../cli/stack/temporal';
import { chromiumSkip, launchChromium } from '../support/browser';
import { codeFrom, downloadPathFrom, submit, verify, waitForStatus } from '../support/flow';
import { ISO_TIMESTAMP, visibleText } from '../support/report-text';
import { startStack, type Stack } from '../support/stack';
import { readZip } from '../support/zip';

const ARTIFACTS = path.join(PROJECT_ROOT, 'test', 'e2e', 'artifacts');

let stack: Stack;
let report = '';
before(async () => {
  stack = await startStack();
  await stack.startWorker();
});
after(async () => stack?.stop());

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('GDPR Art. 15(1)(a)-(h) and 15(2): the access report names purposes, recipients, retention, rights, source, automated decisions and transfers in plain words', async () => {
  const email = 'alice@example.com';
  const { status, body } = await submit(stack, { type: 'access', email, residence: 'DE' });
  assert.equal(status, 202);
  const confirm = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(body.id) && /Confirm/.test(m.subject));
  assert.equal((await verify(stack, body.id, codeFrom(confirm.text))).status, 200);
  await waitForStatus(stack, body.id, 'completed', 90_000, body.statusToken);

  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(body.id) && /ready/.test(m.subject));
  assert.match(mail.text, /report\.html in the archive explains all of it in plain language/, 'the mail says the report is there');
  const res = await stack.app.inject({ method: 'GET', url: downloadPathFrom(mail.text) });
  assert.equal(res.statusCode, 200);
  const files = await readZip(res.rawPayload);
  const manifest = JSON.parse(files.get('manifest.json')!.toString()) as Manifest;
  const html = files.get('report.html');
  assert.ok(html, 'the access archive holds report.html');
  report = html.toString();

  const listed = manifest.documents.find((d) => d.name === 'report.html');
  assert.ok(listed, 'report.html is listed in manifest.json');
  assert.equal(listed.sha256, sha256(html), "the manifest's SHA-256 is the report's");
  assert.equal(listed.bytes, html.length);

  const text = visibleText(report);
  const map = stack.deps.dataMap.source;
  const codes = new Set(manifest.collections.flatMap((c) => c.categories));
  assert.ok(codes.has('user.credentials.hash') && codes.has('contact.email'));
  for (const code of codes) assert.ok(!text.includes(code), `no raw category code ${code} in the visible text`);
  const prefixes = [...new Set([...codes].map((c) => c.split('.')[0]))].join('|');
  assert.doesNotMatch(text, new RegExp(`\\b(${prefixes})\\.[a-z_*]`), 'no category code or pattern (user.credentials.*) either');
  assert.doesNotMatch(text, ISO_TIMESTAMP, 'no ISO timestamps in the visible text');
  for (const th of report.matchAll(/<th[^>]*>([^<]*)<\/th>/g)) assert.doesNotMatch(th[1], /_/, `a column heading in words: ${th[1]}`);

  const usage = manifest.collections.find((c) => c.collection === 'usage_logs')!;
  const billing = manifest.collections.find((c) => c.collection === 'billing_records')!;
  const need = [
    // (a) purposes, (b) categories, (c) recipients, (d) retention
    ...usage.purposes,
    'IP address (network address of your device)',
    'hosting provider',
    'payment processor',
    '90 days, counted from the date “When”',
    // (e) rectification, erasure, restriction, objection; (f) complaint, per the request's law (GDPR)
    'right to ask us to correct or delete this data, to object to or restrict its processing',
    `you have the right to lodge a complaint with ${stack.deps.config.SUPERVISORY_AUTHORITY}`,
    // (g) the source where not the subject; the default said where the map names none
    `Where it came from ${billing.source}`,
    'From you: you gave it to us, or it was recorded as you used our service.',
    // (h) the demo map says `automatedDecisions: none`
    'We make no decisions about you by automated means alone',
    // 15(2): each transfer with its safeguard
    ...map.transfers.map((t) => `${t.country} ${t.recipient} ${t.safeguard}`),
    // labels from the map, and the default for a field without one
    'Your API calls',
    'Your invoices',
    'Last used',
  ];
  for (const words of need) assert.ok(text.includes(words), `the report says: ${words}`);
  assert.equal(map.transfers.length, 2);
  assert.match(text, /Showing the first 100 of 5000/, "alice's usage is sampled, the rest in the files");
});

test('the access report fits a narrow window: tables wrap inside the page (Chromium screenshot)', { skip: chromiumSkip }, async () => {
  assert.ok(report, 'the first test produced the report');
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 700, height: 900 } });
    await page.setContent(report);
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `the page does not run off the window (${overflow}px too wide)`);
    const toc = await page.locator('nav a').allTextContents();
    assert.ok(toc.includes('Your rights') && toc.includes('Your invoices'), 'the contents list every section');
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'access-report.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: path.join(ARTIFACTS, 'access-report.pdf') }).catch(() => undefined);
  } finally {
    await browser.close();
  }
});
