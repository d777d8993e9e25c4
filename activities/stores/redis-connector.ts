// Redis: a subject's keys by pattern per identity (caches, sessions), read with their type and
// TTL, removed with UNLINK.
import type { ConnectorFor } from './connector';
import { NOTHING_DONE, targetOf } from './connector';
import { countSubjectKeys, subjectKeyRecords, unlinkSubjectKeys } from './redis';
import { jsonArray, REPORT_SAMPLE_RECORDS } from '../staging';

export const redisConnector: ConnectorFor<'redis'> = {
  async read(ctx, sink) {
    const sample: unknown[] = [];
    let rows = 0;
    const records = subjectKeyRecords(ctx.node.spec, await ctx.subject.identities());
    async function* counted() {
      for await (const r of records) {
        rows++;
        if (sample.length < REPORT_SAMPLE_RECORDS) sample.push(r);
        yield r;
      }
    }
    const file = await sink.write(`data/${ctx.node.store}/keys.json`, jsonArray(counted()));
    await sink.sample(sample);
    return { rows, unit: 'keys', files: [file] };
  },
  async plan(ctx) {
    return { ...targetOf(ctx.node), action: 'delete', rows: await countSubjectKeys(ctx.node.spec, await ctx.subject.identities()) };
  },
  async erase(ctx) {
    const r = await unlinkSubjectKeys(ctx.node.spec, await ctx.subject.identities(), ctx.tally);
    return { ...NOTHING_DONE, ...targetOf(ctx.node), action: 'delete', deleted: r.removed, remainingDue: r.remaining };
  },
  async verify(ctx) {
    return countSubjectKeys(ctx.node.spec, await ctx.subject.identities());
  },
};
