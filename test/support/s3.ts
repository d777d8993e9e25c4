// A real S3-compatible server for the tests: MinIO, built once from its Go module into
// .tools/bin (as .ci/run does), on a free loopback port with a temporary data directory.
// Single-drive MinIO supports versioning, object lock (retention, legal holds) and tagging.
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findTool, goInstall, MissingToolError, onPath } from '../../cli/stack/go-tool';
import { stopChild, waitForPort } from '../../cli/stack/temporal';
import { freePort } from './ports';

/**
 * MinIO tags no semver releases, so Go knows its module by pseudo-version; the module proxy
 * serves this one (February 2026). Keep in step with .ci/run.
 */
export const MINIO_VERSIONS = ['v0.0.0-20260212201848-7aac2a2c5b7c'];

export async function ensureMinio(log: (line: string) => void = console.log): Promise<string> {
  const found = findTool('minio', 'MINIO_PATH');
  if (found) return found;
  if (!onPath('go'))
    throw new MissingToolError(
      'MinIO was not found and Go is not installed to build it: run .ci/run, or set MINIO_PATH to a minio binary.',
    );
  return goInstall({ binary: 'minio', pkg: 'github.com/minio/minio', versions: MINIO_VERSIONS, label: 'MinIO', log });
}

export interface S3Server {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A client with the server's root credentials (path-style, as MinIO on an IP address needs). */
  client: S3Client;
  /** The variables the data-map fixture reads. */
  env: Record<string, string>;
  /** Creates a bucket; object lock implies versioning. */
  createBucket(name: string, opts?: { versioning?: boolean; objectLock?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  const binary = await ensureMinio();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'dsar-s3-'));
  const [port, consolePort] = [await freePort(), await freePort()];
  const accessKeyId = 'dsar-test';
  const secretAccessKey = 'dsar-test-secret-0123456789';
  const child = spawn(
    binary,
    ['server', '--quiet', '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, dir],
    {
      env: { ...process.env, MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey, MINIO_BROWSER: 'off' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.once('error', () => undefined);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 30_000, child);
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`${endpoint}/minio/health/ready`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline) throw new Error('not ready within 30 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw new Error(`minio did not start: ${(err as Error).message}\n${stderr}`, { cause: err });
  }
  const region = 'us-east-1';
  const client = new S3Client({ endpoint, region, forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    client,
    env: { S3_ENDPOINT: endpoint, S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey },
    async createBucket(name, opts = {}) {
      await client.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: opts.objectLock || undefined }));
      if (opts.versioning && !opts.objectLock)
        await client.send(new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }));
    },
    async stop() {
      client.destroy();
      await stop();
    },
  };
}
