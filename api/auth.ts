import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'pg';
import { findAdminKey, type AdminKey, type AdminRole } from './admin-keys';
import { ApiError, unauthorized } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    adminKey?: AdminKey;
  }
}

/** A preHandler: a valid `Authorization: Bearer <key>` (401) whose role is allowed (403). */
export function requireRole(db: Pool, ...roles: AdminRole[]) {
  return async (req: FastifyRequest, _reply: FastifyReply) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer (\S+)$/.exec(header);
    if (!m) throw unauthorized('send an admin API key: Authorization: Bearer <key>');
    const key = await findAdminKey(db, m[1]);
    if (!key) throw unauthorized('this API key is not valid');
    if (!roles.includes(key.role)) throw new ApiError(403, 'forbidden', `the ${key.role} role may not do this`);
    req.adminKey = key;
  };
}
