import type { Connector } from './connector';
import { NOTHING_DONE, storeSpec } from './connector';
import { countSubjectKeys, unlinkSubjectKeys } from './redis';

export const redisConnector: Connector = {
  async plan(ctx) {
    return { ...ctx.target, action: 'delete', rows: await countSubjectKeys(storeSpec(ctx, 'redis'), await ctx.subject.identities()) };
  },
  async erase(ctx) {
    const r = await unlinkSubjectKeys(storeSpec(ctx, 'redis'), await ctx.subject.identities());
    return { ...NOTHING_DONE, ...ctx.target, kind: 'redis', action: 'delete', deleted: r.removed, remainingDue: r.remaining };
  },
  async verify(ctx) {
    return countSubjectKeys(storeSpec(ctx, 'redis'), await ctx.subject.identities());
  },
};
