// Debian's Chromium, headless, driven by playwright-core: shared by the page tests.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { startStack, type Stack } from './stack';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** CI installs Chromium (apt-get install chromium): there a missing browser fails; elsewhere it skips. */
export const chromiumSkip: string | false =
  !existsSync(CHROMIUM) && !process.env.CI ? `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)` : false;

export function launchChromium(): Promise<Browser> {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // without the background-networking flags Chromium keeps calling out, which this network refuses
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Collects script errors and CSP violations of a page into `errors`. */
export function watchPageErrors(page: Page, errors: string[]): void {
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
  page.on('console', (msg) => {
    // 4xx answers the page handles itself are logged by Chromium as failed loads: not errors of ours.
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(`${page.url()}: ${msg.text()}`);
  });
}

export interface BrowserStack {
  stack: Stack;
  browser: Browser;
  context: BrowserContext;
  /** The listening API's origin, e.g. http://127.0.0.1:41234. */
  origin: string;
  /** Script errors and CSP violations seen by any page; tests end by asserting there were none. */
  pageErrors: string[];
  stop(): Promise<void>;
}

/** The real stack listening on a free port, and a browser context watching its pages for errors. */
export async function startBrowserStack(contextOptions: BrowserContextOptions): Promise<BrowserStack> {
  const [stack, browser] = await Promise.all([startStack(), launchChromium()]);
  await stack.startWorker();
  const origin = await stack.app.listen({ host: '127.0.0.1', port: 0 });
  const context = await browser.newContext({ locale: 'en-GB', ...contextOptions });
  context.setDefaultTimeout(15_000);
  const pageErrors: string[] = [];
  context.on('page', (page) => watchPageErrors(page, pageErrors));
  return {
    stack,
    browser,
    context,
    origin,
    pageErrors,
    async stop() {
      await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await stack.stop();
    },
  };
}

/** axe-core's findings on the page as it is now: only the serious and critical ones, with the elements they name. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const { source } = (await import('axe-core')).default;
  // evaluated through the DevTools protocol, so the page's content policy (no inline scripts) stays on
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    type AxeResult = { violations: { id: string; impact: string; nodes: { target: string[] }[] }[] };
    const axe = (globalThis as unknown as { axe: { run(): Promise<AxeResult> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.targets.join(', ')}`);
}
