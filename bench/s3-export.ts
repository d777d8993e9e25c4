// S3 export benchmark: one subject with N objects totalling S bytes of random data (default
// 1,000 objects, 1 GiB) in a MinIO bucket, exported by the engine's s3 connector into a ReadSink
// (what the worker's readTarget runs: each object streamed, SHA-256 and CRC-32 computed, deflated
// into staging, plus objects.json) against a raw baseline: the same objects fetched with the SDK
// straight to files. Each runs in a child process of its own, so the memory measured is its
// own: RSS sampled every 100 ms by this process, and the child's own peak (maxRSS).
//
//   npx tsx bench/s3-export.ts [--objects 1000] [--mb 1024] [--keep]
//
// Exit status: 0 whatever the numbers (it is a report); 1 when an export itself fails.
import { GetObjectCommand, paginateListObjectsV2, PutObjectCommand } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ActivityDeps } from '../activities/deps';
import { openReadSink } from '../activities/staging';
import { s3Connector } from '../activities/stores/s3-connector';
import { s3Client } from '../activities/stores/s3';
import { closeS3Clients } from '../storage/s3-clients';
import { resolvedSubject } from '../activities/subject';
import { PROJECT_ROOT } from '../cli/stack/temporal';
import { S3Store } from '../schemas/datamap';
import type { Node } from '../schemas/datamap-graph';
import { startS3Server } from '../test/support/s3';
import { arg, benchConfig, Cleanup, runBench, seconds } from './lib';
import { fmtMB, MB, sampleRss } from './proc';

const BUCKET = 'bench-uploads';
const SUBJECT = 'bench-subject';
const log = (line: string) => console.log(`[bench] ${line}`);

interface ChildResult {
  ms: number;
  objects: number;
  bytes: number;
  maxRssBytes: number;
}

// ---------------------------------------------------------------------------------------------
// the children: engine (connector → sink) and raw (SDK → files)

function storeFromEnv(): S3Store {
  return S3Store.parse({
    kind: 's3',
    endpoint: process.env.BENCH_S3_ENDPOINT,
    bucket: BUCKET,
    forcePathStyle: true,
    credentials: { accessKeyId: process.env.BENCH_S3_KEY, secretAccessKey: process.env.BENCH_S3_SECRET },
    prefixes: ['uploads/{account_id}/'],
  });
}

/** Tells the parent the export starts now (its RSS profile leaves out the child's start-up). */
const started = () => process.stdout.write('started\n');

async function engineChild(out: string): Promise<Omit<ChildResult, 'maxRssBytes'>> {
  const node = { store: 'bench', collection: 'objects', kind: 's3', spec: storeFromEnv() } as Extract<Node, { kind: 's3' }>;
  const deps = { config: benchConfig() } as unknown as ActivityDeps;
  const sink = await openReadSink(out, 'bench', 'bench.objects');
  started();
  const t0 = performance.now();
  const r = await s3Connector.read({ deps, node, subject: resolvedSubject([], { account_id: [SUBJECT] }) }, sink);
  const ms = performance.now() - t0;
  return { ms, objects: r.rows, bytes: r.files.slice(1).reduce((n, f) => n + f.bytes, 0) };
}

async function rawChild(out: string): Promise<Omit<ChildResult, 'maxRssBytes'>> {
  const store = storeFromEnv();
  const client = s3Client(store);
  await mkdir(out, { recursive: true });
  started();
  const t0 = performance.now();
  let objects = 0;
  let bytes = 0;
  for await (const page of paginateListObjectsV2({ client, pageSize: 1000 }, { Bucket: BUCKET, Prefix: `uploads/${SUBJECT}/` })) {
    for (const o of page.Contents ?? []) {
      const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }));
      await pipeline(got.Body as Readable, createWriteStream(path.join(out, `${objects}.bin`)));
      objects++;
      bytes += o.Size ?? 0;
    }
  }
  return { ms: performance.now() - t0, objects, bytes };
}

async function child(mode: string, out: string) {
  const r = mode === 'engine' ? await engineChild(out) : await rawChild(out);
  closeS3Clients();
  process.stdout.write(`${JSON.stringify({ ...r, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`);
}

// ---------------------------------------------------------------------------------------------
// the parent: MinIO, the objects, both children measured

function runChild(mode: 'engine' | 'raw', out: string, env: Record<string, string>) {
  const c = spawn(process.execPath, ['--import', 'tsx', path.join('bench', 's3-export.ts'), '--child', mode, out], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const rss = sampleRss(c.pid!, 100);
  let stdout = '';
  let startedAt = Infinity;
  c.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    if (startedAt === Infinity && stdout.includes('started\n')) startedAt = Date.now();
  });
  return new Promise<ChildResult & { samples: { t: number; rss: number }[] }>((resolve, reject) => {
    c.once('exit', (code) => {
      const samples = rss.stop();
      if (code !== 0) return reject(new Error(`${mode} child exited with ${code}`));
      resolve({ ...(JSON.parse(stdout.trim().split('\n').pop()!) as ChildResult), samples: samples.filter((s) => s.t >= startedAt) });
    });
  });
}

/** RSS at 10 %, 50 % and 90 % of the export (start-up left out), and the peak sampled: flat memory keeps them close. */
function rssProfile(samples: { rss: number }[]) {
  const rss = samples.map((s) => s.rss).filter((n) => Number.isFinite(n)); // an exiting process reports none
  const at = (f: number) => rss[Math.min(rss.length - 1, Math.floor(rss.length * f))] ?? 0;
  return { p10: at(0.1), p50: at(0.5), p90: at(0.9), peak: Math.max(0, ...rss) };
}

async function main() {
  const objects = arg('objects', 1000);
  const totalMb = arg('mb', 1024);
  const keep = process.argv.includes('--keep');
  const size = Math.floor((totalMb * MB) / objects);
  const cleanup = new Cleanup();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dsar-bench-s3-'));
  cleanup.add('remove temp dir', () => (keep ? log(`kept ${tmp}`) : rm(tmp, { recursive: true, force: true })));
  try {
    log(`objects=${objects}  size=${fmtMB(size)} each, ${fmtMB(size * objects)} in all  cpus=${os.cpus().length}  node=${process.version}`);
    const server = await startS3Server();
    cleanup.add('stop MinIO', () => server.stop());
    await server.createBucket(BUCKET);
    const t0 = performance.now();
    for (let i = 0; i < objects; i += 8) {
      await Promise.all(
        Array.from({ length: Math.min(8, objects - i) }, (_, j) =>
          server.client.send(
            new PutObjectCommand({
              Bucket: BUCKET,
              Key: `uploads/${SUBJECT}/${String(i + j).padStart(5, '0')}.bin`,
              Body: randomBytes(size),
            }),
          ),
        ),
      );
    }
    await server.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/someone-else/x.bin', Body: randomBytes(1024) }));
    log(`generated ${objects} objects of random bytes into MinIO in ${seconds(performance.now() - t0)} s`);

    const env = { BENCH_S3_ENDPOINT: server.endpoint, BENCH_S3_KEY: server.accessKeyId, BENCH_S3_SECRET: server.secretAccessKey };
    const runs: { mode: 'engine' | 'raw'; r: Awaited<ReturnType<typeof runChild>> }[] = [];
    for (const mode of ['raw', 'engine', 'raw'] as const) {
      const out = path.join(tmp, `${mode}-${runs.length}`);
      const r = await runChild(mode, out, env);
      await rm(out, { recursive: true, force: true });
      if (r.objects !== objects || r.bytes !== size * objects) throw new Error(`${mode}: ${r.objects} objects, ${r.bytes} bytes`);
      const p = rssProfile(r.samples);
      log(
        `${mode.padEnd(6)} ${r.objects} objects, ${fmtMB(r.bytes)} in ${seconds(r.ms)} s = ${(r.bytes / MB / (r.ms / 1000)).toFixed(1)} MB/s; ` +
          `RSS 10/50/90 % ${fmtMB(p.p10)} / ${fmtMB(p.p50)} / ${fmtMB(p.p90)}, peak sampled ${fmtMB(p.peak)}, maxRSS ${fmtMB(r.maxRssBytes)}`,
      );
      runs.push({ mode, r });
    }
    const raw = runs.filter((x) => x.mode === 'raw').map((x) => x.r);
    const engine = runs.find((x) => x.mode === 'engine')!.r;
    const rawMs = raw.reduce((n, r) => n + r.ms, 0) / raw.length;
    console.log('\nresult');
    console.log(`  raw (SDK → files, mean of 2)     ${seconds(rawMs)} s   ${((size * objects) / MB / (rawMs / 1000)).toFixed(1)} MB/s`);
    console.log(
      `  engine (connector → ReadSink)    ${seconds(engine.ms)} s   ${((size * objects) / MB / (engine.ms / 1000)).toFixed(1)} MB/s`,
    );
    console.log(`  ratio engine/raw throughput      ${(rawMs / engine.ms).toFixed(2)}×`);
    const p = rssProfile(engine.samples);
    console.log(
      `  engine RSS 10/50/90 %            ${fmtMB(p.p10)} / ${fmtMB(p.p50)} / ${fmtMB(p.p90)}  (flat: 90 % − 10 % = ${fmtMB(p.p90 - p.p10)})`,
    );
    console.log(`  engine peak RSS                  ${fmtMB(Math.max(p.peak, engine.maxRssBytes))}`);
    console.log(
      `  raw peak RSS                     ${fmtMB(Math.max(...raw.map((r) => Math.max(rssProfile(r.samples).peak, r.maxRssBytes))))}`,
    );
  } finally {
    await cleanup.run();
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3], process.argv[4]).catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else runBench(main);
