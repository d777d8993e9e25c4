// EXPORT_STORAGE and the EXPORT_S3_* settings: what is accepted, and a clear error naming the key otherwise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../schemas/config';
import { parseExportStorage } from '../../schemas/export-storage';

const BASE = {
  DATABASE_URL: 'postgres://localhost/engine',
  TEMPORAL_ADDRESS: 'localhost:7233',
  SMTP_URL: 'smtp://localhost:25',
  SIGNING_SECRET: 'x'.repeat(32),
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
  return [];
}

test('the local folder is the default; s3://bucket/prefix is read into bucket and prefix', () => {
  assert.deepEqual(loadConfig(BASE).EXPORT_STORAGE, { kind: 'local' });
  assert.deepEqual(loadConfig({ ...BASE, EXPORT_STORAGE: 'local' }).EXPORT_STORAGE, { kind: 'local' });
  const c = loadConfig({
    ...BASE,
    EXPORT_STORAGE: 's3://dsar-archives/prod/exports/',
    EXPORT_S3_ENDPOINT: 'http://127.0.0.1:9000',
    EXPORT_S3_ACCESS_KEY_ID: 'key',
    EXPORT_S3_SECRET_ACCESS_KEY: 'secret',
    EXPORT_S3_FORCE_PATH_STYLE: 'true',
  });
  assert.deepEqual(c.EXPORT_STORAGE, { kind: 's3', bucket: 'dsar-archives', prefix: 'prod/exports' });
  assert.equal(c.EXPORT_S3_FORCE_PATH_STYLE, true);
  assert.equal(c.EXPORT_S3_REGION, 'us-east-1');
  assert.deepEqual(parseExportStorage('s3://bucket-only'), { kind: 's3', bucket: 'bucket-only', prefix: '' });
});

test('a malformed EXPORT_STORAGE is refused with an error naming the key', () => {
  for (const bad of ['ftp://host/x', '/var/exports', 's3:/bucket', 's3://', 's3://Bad_Bucket/x', 's3://ok-bucket/a/../b']) {
    const problems = problemsOf({ EXPORT_STORAGE: bad });
    assert.equal(problems.length, 1, `${bad}: ${problems.join('; ')}`);
    assert.match(problems[0], /^EXPORT_STORAGE/, bad);
  }
});

test('the S3 settings are checked: endpoint URL, path style flag, both keys or neither', () => {
  assert.match(problemsOf({ EXPORT_S3_ENDPOINT: 'minio:9000' }).join(), /EXPORT_S3_ENDPOINT must be an absolute http\(s\) URL/);
  assert.match(problemsOf({ EXPORT_S3_FORCE_PATH_STYLE: 'yes' }).join(), /EXPORT_S3_FORCE_PATH_STYLE must be true or false/);
  const oneKey = problemsOf({ EXPORT_STORAGE: 's3://b-1/p', EXPORT_S3_ACCESS_KEY_ID: 'key' });
  assert.match(oneKey.join(), /EXPORT_S3_ACCESS_KEY_ID and EXPORT_S3_SECRET_ACCESS_KEY go together/);
});
