// Who a request, hold or task is about, as the privacy team sees it: the admin role sees the
// address, the auditor role a masked form (first character and the domain: a***@example.com).
import type { FastifyRequest } from 'fastify';
import { adminOf } from './auth';

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** The subject's address for this key's role: whole for admins, masked for auditors. */
export function subjectFor(req: FastifyRequest): (email: string | undefined) => string | null {
  const whole = adminOf(req).role === 'admin';
  return (email) => (email === undefined ? null : whole ? email : maskEmail(email));
}
