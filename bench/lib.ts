// Shared by the benchmarks: a throwaway embedded PostgreSQL with the demo product schema.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Pool } from 'pg';
import { startEmbeddedPostgres } from '../cli/stack/postgres';
import { migrate } from '../db/migrate';
import { applyDemoSchema } from '../demo/seed';
import { Config } from '../schemas/config';
import { freePort } from '../test/support/ports';

export interface BenchDb {
  appUrl: string;
  engineUrl: string;
  app: Pool;
  engine: Pool;
  stop(): Promise<void>;
}

/**
 * Starts PostgreSQL with an `app` database (demo schema) and a migrated `engine` database.
 * With `dir`, the data directory is `<dir>/pg` and the caller owns (and removes) `dir`;
 * without it, a temp dir is made here and removed by stop().
 */
export async function startBenchDb(opts: { dir?: string } = {}): Promise<BenchDb> {
  const tmp = opts.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'dsar-bench-')));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'pg'), port: await freePort(), fast: true });
  await pg.createDatabase('app');
  await pg.createDatabase('engine');
  const app = new Pool({ connectionString: pg.url('app'), max: 4 });
  const engine = new Pool({ connectionString: pg.url('engine'), max: 4 });
  app.on('error', () => undefined);
  engine.on('error', () => undefined);
  await applyDemoSchema(app);
  await migrate(engine);
  return {
    appUrl: pg.url('app'),
    engineUrl: pg.url('engine'),
    app,
    engine,
    async stop() {
      await app.end();
      await engine.end();
      await pg.stop();
      if (!opts.dir) await rm(tmp, { recursive: true, force: true });
    },
  };
}

export const seconds = (ms: number) => (ms / 1000).toFixed(2);
export const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en-US');

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(String(process.argv[i + 1]).replace(/[_,]/g, ''));
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
}

export async function timedMs<T>(run: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await run();
  return { ms: performance.now() - t0, value };
}

/** Activity configuration for benchmarks that call activities directly (no mail is sent). */
export function benchConfig() {
  return Config.parse({
    DATABASE_URL: 'unused',
    TEMPORAL_ADDRESS: 'unused',
    SMTP_URL: 'unused',
    SIGNING_SECRET: 'x'.repeat(32),
    EXPORT_DIR: os.tmpdir(),
  });
}

/** The targets for batched deletes, printed the same way by every benchmark. */
export function printDeleteTargets(ratio: number, longestMs: number, rawMs: number, label = 'ratio engine/raw'): void {
  console.log(`  ${label.padEnd(30)}  ${ratio.toFixed(2)}×   target ≥ 0.5×  ${ratio >= 0.5 ? 'PASS' : 'MISS'}`);
  console.log(`  longest engine statement        ${Math.round(longestMs)} ms   target ≤ 1000 ms  ${longestMs <= 1000 ? 'PASS' : 'MISS'}`);
  console.log(`  raw DELETE as one statement     ${Math.round(rawMs)} ms (what a single statement would hold locks for)`);
}

/** Runs a benchmark's main, exiting 1 on a functional failure. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

/** Runs registered clean-up steps in reverse order, each at most once, errors reported. */
export class Cleanup {
  private steps: { what: string; fn: () => Promise<unknown> | unknown }[] = [];
  add(what: string, fn: () => Promise<unknown> | unknown) {
    this.steps.push({ what, fn });
  }
  async run() {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.fn();
      } catch (err) {
        console.error(`[bench] clean-up: ${step.what} failed: ${(err as Error).message}`);
      }
    }
  }
}
