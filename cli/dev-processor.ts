// The demo product's billing provider in `dsar dev`: the Stripe stand-in the tests use
// (test/support/stripe-standin.ts) on a free loopback port, seeded with a customer for each demo
// account, and the processor library's Stripe entry (examples/processors/stripe.yml) merged into
// the demo map, pointed at it — so an export shows processor records and a deletion notifies the
// processor. On with the demo map only; DSAR_DEMO_PROCESSOR=off leaves it out. demo/datamap.yml
// itself stays as it is: it holds no processor, and needs no stand-in to be valid.
import { delimiter } from 'node:path';
import path from 'node:path';
import { DEMO_ACCOUNTS } from '../demo/seed';
import { startStripeStandin } from '../test/support/stripe-standin';
import type { Env } from './dev-env';

/** The example merged into the demo map, relative to the project root. */
export const DEMO_PROCESSOR_MAP = path.join('examples', 'processors', 'stripe.yml');

/** Invoices and cards per demo account at the stand-in (the first account has more than one page of invoices). */
const SEED: Record<string, { invoices: number; cards: number }> = {
  'alice@example.com': { invoices: 120, cards: 2 },
  'bob@example.com': { invoices: 12, cards: 1 },
  'carol@example.com': { invoices: 1, cards: 0 },
};

export interface DemoProcessor {
  /** The banner's words for it. */
  label: string;
  url: string;
  /** The data map files: the demo map, then the example. */
  dataMapPath: string;
  /** What the example's ${VAR}s need: the stand-in's URL and key. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** Whether the stand-in runs, and why not when it does not. */
export function demoProcessorWanted(env: Env, usingDemoMap: boolean): { on: true } | { on: false; reason: string } {
  if (!usingDemoMap) return { on: false, reason: 'DATAMAP_PATH names your own map' };
  if (['off', '0', 'false', 'no'].includes((env.DSAR_DEMO_PROCESSOR ?? '').toLowerCase()))
    return { on: false, reason: 'DSAR_DEMO_PROCESSOR=off' };
  return { on: true };
}

export async function startDemoProcessor(root: string, demoMapPath: string): Promise<DemoProcessor> {
  const standin = await startStripeStandin();
  for (const a of DEMO_ACCOUNTS) standin.addCustomer({ email: a.email, name: a.name, ...(SEED[a.email] ?? { invoices: 1, cards: 0 }) });
  return {
    label: `Stripe stand-in at ${standin.url} (store "stripe" from ${DEMO_PROCESSOR_MAP})`,
    url: standin.url,
    dataMapPath: [demoMapPath, path.join(root, DEMO_PROCESSOR_MAP)].join(delimiter),
    env: { STRIPE_API_BASE: standin.url, STRIPE_SECRET_KEY: standin.secretKey },
    stop: standin.stop,
  };
}
