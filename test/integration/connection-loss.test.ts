// A lost or frozen engine database fails the API call under way with 503 and Retry-After — never
// a 500, never a crash of the process (an unhandled 'error' event on a pg client would end this
// test process) — and a 503 means the request was not stored.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'pg';
import { buildApp } from '../../api/app';
import { migrate } from '../../db/migrate';
import { createPool } from '../../records/pool';
import { startPendingWorkflows, SWEEP_GRACE_MS } from '../../api/workflows';
import { recordFaultOutcome } from '../support/fault-report';
import { waitForStatus } from '../support/flow';
import { startStack, type Stack } from '../support/stack';

const STATEMENT_TIMEOUT_MS = 1_500;
const CONNECT_TIMEOUT_MS = 1_500;

let stack: Stack;
let apiDb: Pool;
let api: FastifyInstance;
const lost: string[] = [];

before(async () => {
  stack = await startStack();
  await stack.startWorker();
  apiDb = createPool(stack.db.engineUrl, {
    statementTimeoutMs: STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: 1_000,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    max: 10,
    clientReadTimeout: true,
    onConnectionLost: (message) => lost.push(message),
  });
  api = await buildApp(
    { config: stack.config, engineDb: apiDb, temporal: stack.env.client, dataMap: stack.deps.dataMap },
    { logger: false },
  );
});
after(async () => {
  await api?.close();
  await apiDb?.end();
  await stack?.stop();
});

let slowestIntakeMs = 0;
const intake = (email: string) =>
  timed(() =>
    api.inject({
      method: 'POST',
      url: '/v1/requests',
      payload: { type: 'export', email },
      headers: { 'content-type': 'application/json' },
    }),
  );

async function timed<T>(call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await call();
  } finally {
    slowestIntakeMs = Math.max(slowestIntakeMs, performance.now() - started);
  }
}

/** Terminates every session of the engine database but the caller's own. */
async function terminateEngineSessions(): Promise<number> {
  const { rows } = await stack.db.appDb.query(
    `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid()`,
    [new URL(stack.db.engineUrl).pathname.slice(1)],
  );
  return Number(rows[0].n);
}

describe('engine-database sessions terminated during concurrent intakes', () => {
  test(
    'every call gets 202 or 503 with Retry-After, exactly the 202s are stored, and each stored request is started and mailed once',
    { timeout: 180_000 },
    async () => {
      const tag = `loss-${Date.now()}`;
      const emails = Array.from({ length: 100 }, (_, i) => `${tag}-${i}@example.com`);
      let stop = false;
      let terminated = 0;
      const killer = (async () => {
        while (!stop) {
          terminated += await terminateEngineSessions();
          await new Promise((r) => setTimeout(r, 40)); // a cut every 40 ms: some intakes meet one, others get through
        }
      })();
      const answers = await Promise.all(emails.map(async (email) => ({ email, res: await intake(email) })));
      stop = true;
      await killer;

      const accepted = new Set<string>();
      let unavailable = 0;
      for (const { email, res } of answers) {
        assert.ok(res.statusCode === 202 || res.statusCode === 503, `unexpected ${res.statusCode}: ${res.body}`);
        if (res.statusCode === 503) {
          unavailable++;
          assert.ok(Number(res.headers['retry-after']) > 0, 'a 503 carries Retry-After');
          assert.equal(res.json().error, 'unavailable');
        } else accepted.add(email);
      }
      assert.ok(terminated > 0, 'sessions were terminated');
      assert.ok(unavailable > 0, 'some calls met a lost connection');
      const { rows } = await stack.db.engineDb.query<{ subject_email: string }>(
        'SELECT subject_email FROM requests WHERE subject_email LIKE $1',
        [`${tag}-%`],
      );
      const stored = new Set(rows.map((r) => r.subject_email));
      assert.deepEqual([...stored].sort(), [...accepted].sort(), 'stored requests are exactly the ones answered 202');
      const maxIntakeMs = slowestIntakeMs;

      // Starts that met a lost connection are the sweep's: afterwards every stored request has its
      // one workflow, waiting for its subject, who got exactly one verification mail.
      await new Promise((r) => setTimeout(r, SWEEP_GRACE_MS + 500)); // the sweep leaves requests that young to their own intake
      const sweep = await startPendingWorkflows({
        config: stack.config,
        engineDb: apiDb,
        temporal: stack.env.client,
        dataMap: stack.deps.dataMap,
      });
      assert.equal(sweep.interrupted, null, 'the sweep ran to the end');
      const ids = (
        await stack.db.engineDb.query<{ id: string }>('SELECT id FROM requests WHERE subject_email LIKE $1', [`${tag}-%`])
      ).rows.map((r) => r.id);
      for (const id of ids) await waitForStatus(stack, id, 'awaiting_verification', 60_000);
      await stack.smtp.waitFor(() => ids.every((id) => stack.smtp.mails.some((m) => m.text.includes(id))), 60_000);
      const mailsOf = (id: string) => stack.smtp.mails.filter((m) => m.text.includes(id) && m.subject === 'Confirm your privacy request');
      const duplicates = ids.reduce((n, id) => n + mailsOf(id).length - 1, 0);
      assert.equal(duplicates, 0, 'one verification mail per request');
      recordFaultOutcome({
        scenario: `engine-DB sessions terminated during ${emails.length} concurrent intakes (${terminated} sessions)`,
        requests: emails.length,
        completed: ids.length,
        lost: emails.length - unavailable - ids.length,
        duplicateMails: duplicates,
        maxIntakeMs,
        note: `${unavailable} answered 503 with Retry-After (nothing stored); every stored request started and mailed once`,
      });

      // Afterwards the same pool serves again.
      const res = await intake(`${tag}-after@example.com`);
      assert.equal(res.statusCode, 202, res.body);
    },
  );
});

/** The embedded server's postmaster and its backends. */
function postgresPids(): number[] {
  const dataDir = (stack.db.pg as unknown as { dataDir?: string } | null)?.dataDir ?? path.join(stack.db.tmp, 'pg');
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => n > 0);
  return [postmaster, ...children];
}

describe('a frozen engine database', () => {
  test('an API call answers 503 within the configured timeout instead of hanging', { timeout: 60_000 }, async () => {
    // a warm client in the pool (its next query will never be answered) and a new connection (never accepted)
    assert.equal((await intake(`frozen-warm-${Date.now()}@example.com`)).statusCode, 202);
    const pids = postgresPids();
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    // Should an answer never come, the server is thawed anyway so the test fails instead of hanging.
    const thaw = setTimeout(() => pids.forEach((pid) => process.kill(pid, 'SIGCONT')), 30_000);
    try {
      const started = Date.now();
      const answers = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          api.inject({ method: 'GET', url: `/v1/requests/00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }),
        ),
      );
      const elapsed = Date.now() - started;
      for (const res of answers) {
        assert.equal(res.statusCode, 503, res.body);
        assert.ok(Number(res.headers['retry-after']) > 0);
      }
      assert.ok(elapsed < STATEMENT_TIMEOUT_MS + 2_000 + CONNECT_TIMEOUT_MS + 2_000, `answered after ${elapsed} ms`);
    } finally {
      clearTimeout(thaw);
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    // thawed, it serves again
    let res = await intake(`frozen-after-${Date.now()}@example.com`);
    for (let i = 0; i < 5 && res.statusCode === 503; i++) res = await intake(`frozen-after-${Date.now()}-${i}@example.com`);
    assert.equal(res.statusCode, 202, res.body);
  });
});

describe('migrations under the pools’ timeouts', () => {
  test('a migrator waiting longer than the lock timeout for another one still runs, and the session keeps its timeouts', async () => {
    const one = createPool(stack.db.engineUrl, { statementTimeoutMs: 1_000, lockTimeoutMs: 500, connectTimeoutMs: 5_000, max: 1 });
    const holder = await stack.db.engineDb.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(7311001)');
      const started = Date.now();
      const migrating = migrate(one);
      await new Promise((r) => setTimeout(r, 3_500)); // past the lock, statement and client-side timeouts
      await holder.query('SELECT pg_advisory_unlock(7311001)');
      assert.deepEqual(await migrating, [], 'nothing left to apply, and no timeout');
      assert.ok(Date.now() - started >= 3_500);
      const { rows } = await one.query<{ lock_timeout: string; statement_timeout: string }>(
        'SELECT current_setting($1) AS lock_timeout, current_setting($2) AS statement_timeout',
        ['lock_timeout', 'statement_timeout'],
      );
      assert.deepEqual(rows[0], { lock_timeout: '500ms', statement_timeout: '1s' });
    } finally {
      holder.release();
      await one.end();
    }
  });
});
