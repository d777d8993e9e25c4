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
