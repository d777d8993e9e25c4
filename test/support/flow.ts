// Steps a data subject takes, driven through the real API.
import assert from 'node:assert/strict';
import { stateQuery } from '../../schemas/contract';
import type { DsarRequestState } from '../../schemas/workflow';
import type { Stack } from './stack';

export async function submit(stack: Stack, body: unknown, headers: Record<string, string> = {}) {
  const res = await stack.app.inject({ method: 'POST', url: '/v1/requests', payload: body as object, headers });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

export function codeFrom(text: string): string {
  const m = /confirm with the code: (\S+)/.exec(text);
  assert.ok(m, 'verification mail carries a code');
  return m[1];
}

export function downloadPathFrom(text: string): string {
  const m = /https?:\/\/\S+(\/v1\/exports\/\S+)/.exec(text);
  assert.ok(m, 'export mail carries a download link');
  return m[1];
}

export async function verify(stack: Stack, id: string, token: string) {
  const res = await stack.app.inject({ method: 'POST', url: `/v1/requests/${id}/verify`, payload: { token } });
  return { status: res.statusCode, body: res.json() };
}

/** Polls the public status; with the request's status token (from the 202) the answer is the full view. */
export async function waitForStatus(stack: Stack, id: string, status: string, timeoutMs = 60_000, statusToken?: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const headers: Record<string, string> = statusToken ? { 'x-status-token': statusToken } : {};
    const res = await stack.app.inject({ method: 'GET', url: `/v1/requests/${id}`, headers });
    const body = res.json();
    if (body.status === status) return body;
    if (Date.now() > deadline) throw new Error(`request ${id} is ${body.status}, not ${status}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Submits, verifies through the emailed code, and returns the request id. */
export async function submitAndVerify(stack: Stack, type: string, email: string): Promise<string> {
  const { status, body } = await submit(stack, { type, email });
  assert.equal(status, 202);
  const mail = await stack.smtp.waitFor((m) => m.to.includes(email) && m.text.includes(body.id) && /Confirm/.test(m.subject));
  const v = await verify(stack, body.id, codeFrom(mail.text));
  assert.equal(v.status, 200, JSON.stringify(v.body));
  return body.id;
}

/**
 * A deletion's erasure is done: completed, or (an account to purge) deactivated and in_progress
 * with its purge date set — it completes only once the purge ran (test/integration/deletion-lifecycle.test.ts).
 */
export async function waitForErasure(stack: Stack, id: string, timeoutMs = 60_000): Promise<DsarRequestState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await stack.env.client.workflow.getHandle(id).query(stateQuery);
    if (state.status === 'completed' || (state.status === 'in_progress' && state.purgeAt)) return state;
    if (Date.now() > deadline) throw new Error(`request ${id} is ${state.status}, its erasure not done, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
