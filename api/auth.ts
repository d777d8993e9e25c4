// Admin routes: `Authorization: Bearer <key>` is checked in an onRequest hook, so a request
// without a valid key is refused (401) before its body or parameters are even parsed. The
// auditor role only reads: it may use GET and HEAD; anything else answers 403.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool } from 'pg';
import { findAdminKey, type AdminKey } from './admin-keys';
import type { RoutesOptions } from './deps';
import { ApiError, unauthorized } from './errors';

const READ_METHODS = new Set(['GET', 'HEAD']);
const authenticated = new WeakMap<FastifyRequest, AdminKey>();

/** The OpenAPI security requirement of admin routes. */
export const ADMIN_SECURITY = [{ adminKey: [] }];

function requireAdminKey(scope: FastifyInstance, db: Pool): void {
  scope.addHook('onRequest', async (req) => {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!m) throw unauthorized('send an admin API key: Authorization: Bearer <key>');
    const key = await findAdminKey(db, m[1]);
    if (!key) throw unauthorized('this API key is not valid');
    if (key.role !== 'admin' && !READ_METHODS.has(req.method)) throw new ApiError(403, 'forbidden', `the ${key.role} role may not do this`);
    authenticated.set(req, key);
  });
}

/** A group of admin routes: every route in it is behind the admin key check. */
export function adminRoutes(routes: FastifyPluginAsyncZod<RoutesOptions>): FastifyPluginAsyncZod<RoutesOptions> {
  return async (scope, opts) => {
    requireAdminKey(scope, opts.deps.engineDb);
    await routes(scope, opts);
  };
}

/** The admin key a request to an admin route was authenticated with. */
export function adminOf(req: FastifyRequest): AdminKey {
  const key = authenticated.get(req);
  // only reachable from a route outside adminRoutes: refuse rather than act for nobody
  if (!key) throw unauthorized('send an admin API key: Authorization: Bearer <key>');
  return key;
}
