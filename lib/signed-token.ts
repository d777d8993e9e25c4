// Compact HMAC-signed tokens for download links: base64url(payload).base64url(mac).
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenCheck<T> = { ok: true; payload: T } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const mac = (secret: string, purpose: string, body: string) =>
  createHmac('sha256', secret).update(`${purpose}\n${body}`).digest('base64url');

/** Signs `payload` for `purpose`; `exp` is seconds since the epoch. */
export function signToken(secret: string, purpose: string, payload: Record<string, unknown> & { exp: number }): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${mac(secret, purpose, body)}`;
}

export function checkToken<T extends { exp: number }>(secret: string, purpose: string, token: string, nowMs = Date.now()): TokenCheck<T> {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(mac(secret, purpose, parts[0]));
  const given = Buffer.from(parts[1]);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad_signature' };
  let payload: T;
  try {
    payload = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as T;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof payload?.exp !== 'number') return { ok: false, reason: 'malformed' };
  if (payload.exp * 1000 <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, payload };
}

/** The purpose export download links are signed for. */
export const DOWNLOAD_TOKEN_PURPOSE = 'export-download';

/** The purpose status tokens are signed for: they unlock a request's full status view. */
export const STATUS_TOKEN_PURPOSE = 'request-status';

/** How long a status token stays valid after the request arrived: longer than any request can run (3 months at most, extended). */
export const STATUS_TOKEN_DAYS = 400;

/**
 * The status token of a request: bound to its id, valid STATUS_TOKEN_DAYS from its receipt.
 * Derived only from these, so the 202 of intake and every mail carry the same token.
 */
export function statusToken(secret: string, requestId: string, receivedAt: Date): string {
  const exp = Math.floor(receivedAt.getTime() / 1000) + STATUS_TOKEN_DAYS * 86_400;
  return signToken(secret, STATUS_TOKEN_PURPOSE, { r: requestId, exp });
}

/** True when `token` is a valid, unexpired status token for exactly this request. */
export function isStatusTokenFor(secret: string, requestId: string, token: string | undefined, nowMs = Date.now()): boolean {
  if (!token) return false;
  const check = checkToken<{ r: unknown; exp: number }>(secret, STATUS_TOKEN_PURPOSE, token, nowMs);
  return check.ok && check.payload.r === requestId;
}

/** The purpose an authorized agent's status token is signed for: the outcome of the request, never the subject's data. */
export const AGENT_STATUS_TOKEN_PURPOSE = 'request-status-agent';

/**
 * The status token an authorized agent gets in the 202 of its submission (CCPA §7063/§7022): it
 * unlocks the agent's view (type, dates, status) and the permission upload, not the per-place
 * progress. The subject's mails carry the full statusToken.
 */
export function agentStatusToken(secret: string, requestId: string, receivedAt: Date): string {
  const exp = Math.floor(receivedAt.getTime() / 1000) + STATUS_TOKEN_DAYS * 86_400;
  return signToken(secret, AGENT_STATUS_TOKEN_PURPOSE, { r: requestId, exp });
}

/** True when `token` is a valid, unexpired agent status token for exactly this request. */
export function isAgentStatusTokenFor(secret: string, requestId: string, token: string | undefined, nowMs = Date.now()): boolean {
  if (!token) return false;
  const check = checkToken<{ r: unknown; exp: number }>(secret, AGENT_STATUS_TOKEN_PURPOSE, token, nowMs);
  return check.ok && check.payload.r === requestId;
}
