// A processor's API: erasing there is also how it is notified (GDPR Art. 19, CCPA §7022).
import { sha256Hex } from '../../lib/hash';
import type { Connector } from './connector';
import { NOTHING_DONE, storeSpec } from './connector';
import { callProcessor } from './http';

export const httpConnector: Connector = {
  async plan(ctx) {
    const spec = storeSpec(ctx, 'http');
    return { ...ctx.target, action: 'notify', rows: ((await ctx.subject.identities())[spec.identity] ?? []).length };
  },
  async erase(ctx) {
    const spec = storeSpec(ctx, 'http');
    const base = { ...NOTHING_DONE, ...ctx.target, kind: 'http' as const, action: 'notify' as const };
    if (!spec.erase) return { ...base, note: 'no erase call in the data map' };
    const r = await callProcessor(spec, 'erase', await ctx.subject.identities());
    return { ...base, deleted: r.calls - r.absent, note: `HTTP ${r.statuses.join(', ') || 'none: no identity to send'}` };
  },
  // A processor's own store cannot be re-queried from here; its success status is the proof.
  async verify() {
    return 0;
  },
  async correct(ctx, corrections) {
    const spec = storeSpec(ctx, 'http');
    const r = await callProcessor(spec, 'correct', await ctx.subject.identities(), { corrections });
    return {
      ...ctx.target,
      changes: Object.entries(corrections).map(([field, value]) => ({
        field,
        column: 'processor',
        rows: r.calls - r.absent,
        oldSha256: [],
        newSha256: sha256Hex(value),
      })),
    };
  },
};
