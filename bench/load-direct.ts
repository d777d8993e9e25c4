// The load benchmark's orchestration baseline: the export request's activities called directly,
// one request after another, in this process (no Temporal), against the same databases and SMTP
// catcher; then the same number of exports one after another through the engine.
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createActivities } from '../activities';
import { sha256Hex } from '../lib/hash';
import { AUDIT_ACTIONS } from '../schemas/audit-actions';
import { Config } from '../schemas/config';
import type { DsarRequestInput, DsarRequestState } from '../schemas/workflow';
import { buildActivityDeps } from '../worker/deps';

export interface DirectEnv {
  engineUrl: string;
  engineDb: Pool;
  env: Record<string, string>;
}

async function insertRequest(engineDb: Pool, email: string): Promise<string> {
  const requestId = randomUUID();
  await engineDb.query(
    `INSERT INTO requests (id, type, channel, status, subject_email, subject_hash, received_at, due_at, pre_verified)
     VALUES ($1, 'export', 'admin', 'received', $2, $3, now(), now() + interval '30 days', true)`,
    [requestId, email, sha256Hex(email)],
  );
  return requestId;
}

/** Mean ms per export with the workflow's activities called in its order, directly. */
export async function directExports(d: DirectEnv, emails: string[]): Promise<number> {
  const deps = await buildActivityDeps(Config.parse(d.env), d.env);
  const a = createActivities(deps);
  const t0 = performance.now();
  try {
    for (const email of emails) {
      const requestId = await insertRequest(d.engineDb, email);
      await a.recordStep({ requestId, status: 'received', action: AUDIT_ACTIONS.requestReceived, details: { type: 'export' } });
      await a.recordStep({ requestId, status: 'in_progress', action: AUDIT_ACTIONS.requestVerified, verified: true });
      const work = await a.resolveSubject(requestId);
      const results = await Promise.all(work.levels.flat().map((t) => a.readTarget(requestId, t)));
      const pkg = await a.packageExport(requestId, results);
      await a.sendExportLink(requestId);
      await a.recordStep({
        requestId,
        status: 'completed',
        action: AUDIT_ACTIONS.requestCompleted,
        completed: true,
        details: { rows: pkg.rows },
      });
    }
    return (performance.now() - t0) / emails.length;
  } finally {
    await deps.engineDb.end();
  }
}

/** Mean ms per export through the engine, one workflow after another (start → result). */
export async function engineExports(d: DirectEnv, client: Client, taskQueue: string, emails: string[]): Promise<number> {
  const t0 = performance.now();
  for (const email of emails) {
    const requestId = await insertRequest(d.engineDb, email);
    const input: DsarRequestInput = { requestId, type: 'export', verificationTimeout: '1 hour', preVerified: true };
    const handle = await client.workflow.start('dsarRequest', { taskQueue, workflowId: requestId, args: [input] });
    const state = (await handle.result()) as DsarRequestState;
    if (state.status !== 'completed') throw new Error(`baseline export ${requestId} ended ${state.status}`);
  }
  return (performance.now() - t0) / emails.length;
}
