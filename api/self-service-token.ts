// The product vouches for its logged-in user with a short-lived HS256 JWT (shared secret):
// `x-subject-token`, claims { email, aud: "dsar-engine", iat, exp }. Such requests start verified.
import { errors, jwtVerify } from 'jose';
import { unauthorized } from './errors';

export const SUBJECT_TOKEN_HEADER = 'x-subject-token';
export const SUBJECT_TOKEN_AUDIENCE = 'dsar-engine';
const MAX_AGE = '15m';

/** The email the token vouches for; 401 when the token is missing the point, forged or stale. */
export async function vouchedEmail(token: string, secret: string | undefined): Promise<string> {
  if (!secret) throw unauthorized('self-service tokens are not enabled on this deployment');
  try {
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), {
      audience: SUBJECT_TOKEN_AUDIENCE,
      algorithms: ['HS256'],
      maxTokenAge: MAX_AGE,
      requiredClaims: ['email', 'exp', 'iat'],
    });
    if (typeof payload.email !== 'string') throw unauthorized('the self-service token names no email');
    return payload.email.trim().toLowerCase();
  } catch (err) {
    if (err instanceof errors.JOSEError) throw unauthorized(`the self-service token is not valid (${err.code})`);
    throw err;
  }
}
