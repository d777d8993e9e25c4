// The one-time verification code a subject types: 8 characters of Crockford's base32 (digits and
// letters without I, L, O and U, so nothing reads as something else), shown as ABCD-EFGH.
import { createHmac } from 'node:crypto';

export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 8;

/**
 * The code of a request's `issue`-th code: derived (HMAC of the request id and the issue number),
 * not random, so a retried send mails the same code rather than minting another valid one.
 * 40 bits: guessing is bounded by the per-request attempt limit, not by the code's length.
 */
export function verificationCode(secret: string, requestId: string, issue: number): string {
  const mac = createHmac('sha256', secret).update(`verification-code\n${requestId}\n${issue}`).digest();
  let bits = mac.readUIntBE(0, 5); // 40 bits = 8 × 5
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) {
    code = CODE_ALPHABET[bits % 32] + code;
    bits = Math.floor(bits / 32);
  }
  return code;
}

/** As mailed and shown: two groups of four, `ABCD-EFGH`. */
export const formatVerificationCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/**
 * What the subject typed, as the code it may be: upper case, without dashes or spaces; the letters
 * Crockford's base32 reads as digits (O → 0, I and L → 1) mapped to them. Null when it cannot be a code.
 */
export function normalizeVerificationCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  return code.length === CODE_LENGTH && [...code].every((c) => CODE_ALPHABET.includes(c)) ? code : null;
}

/**
 * What is stored of a code: keyed with the deployment's secret (8 characters could be found from a
 * bare hash by trying them all) and bound to its request (two requests may draw the same code).
 */
export function verificationCodeHash(secret: string, requestId: string, code: string): string {
  return createHmac('sha256', secret).update(`verification-code-hash\n${requestId}\n${code}`).digest('hex');
}

/** What is stored of a step-up fact (and compared with the typed answer): keyed, bound to the request. */
export function stepUpAnswerHash(secret: string, requestId: string, answer: string): string {
  return createHmac('sha256', secret).update(`step-up-answer\n${requestId}\n${answer}`).digest('hex');
}
