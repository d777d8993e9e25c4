// A processor's API: found through its lookup, read through its export calls; erasing there is
// also how it is notified (GDPR Art. 19, CCPA §7022).
import { httpExportCalls, type HttpStore } from '../../schemas/datamap';
import type { IdentityValues } from './selector';
import { auditHashSecret, keyedHash } from '../../lib/keyed-hash';
import type { ConnectorFor } from './connector';
import { NOTHING_DONE, targetOf } from './connector';
import { callProcessor } from './http';
import { correctionBody } from './http-body';
import { lookupValues } from './http-lookup';
import { processorRecords } from './http-pagination';
import { jsonArray, REPORT_SAMPLE_RECORDS } from '../staging';

/**
 * The proof after erasure: the first export call (the subject's main record) must find nothing —
 * an "absent" answer (`absent`, `absentWhen`: a 404, or a record marked deleted) counts as gone.
 * Without an export call the processor cannot be re-queried, and its success status is the proof.
 */
async function remainingAtProcessor(spec: HttpStore, identities: IdentityValues): Promise<number> {
  const [first] = Object.entries(httpExportCalls(spec));
  if (!first) return 0;
  let n = 0;
  for await (const record of processorRecords(spec, first[0], first[1], identities)) if (record !== undefined) n++;
  return n;
}

export const httpConnector: ConnectorFor<'http'> = {
  /** The lookup: `predicates` carry the values of the identity it needs, `columns` the fields it provides. */
  async resolve(ctx, predicates, columns) {
    const needs = predicates[0]?.column;
    if (!needs) return {};
    return lookupValues(
      ctx.node.spec,
      needs,
      predicates.flatMap((p) => p.values),
      columns,
    );
  },
  async read(ctx, sink) {
    const spec = ctx.node.spec;
    const identities = await ctx.subject.identities();
    const sample: unknown[] = [];
    const files = [];
    let rows = 0;
    for (const [name, call] of Object.entries(httpExportCalls(spec))) {
      async function* counted() {
        for await (const r of processorRecords(spec, name, call, identities)) {
          rows++;
          if (sample.length < REPORT_SAMPLE_RECORDS) sample.push(r);
          yield r;
        }
      }
      files.push(await sink.write(`data/${ctx.node.store}/${name}.json`, jsonArray(counted())));
    }
    await sink.sample(sample);
    return { rows, unit: 'records', files };
  },
  async plan(ctx) {
    return { ...targetOf(ctx.node), action: 'notify', rows: ((await ctx.subject.identities())[ctx.node.spec.identity] ?? []).length };
  },
  async erase(ctx) {
    const spec = ctx.node.spec;
    const base = { ...NOTHING_DONE, ...targetOf(ctx.node), action: 'notify' as const };
    const identities = await ctx.subject.identities();
    const r = await callProcessor(spec, 'erase', spec.erase ?? [], identities);
    return {
      ...base,
      deleted: r.acted,
      remainingDue: await remainingAtProcessor(ctx.node.spec, identities),
      note: `HTTP ${r.statuses.join(', ') || 'none: no identity to send'}`,
    };
  },
  async verify(ctx) {
    return remainingAtProcessor(ctx.node.spec, await ctx.subject.identities());
  },
  /** The processor is told (GDPR Art. 19, CCPA §7026(f)); its success answer is the confirmation. */
  async process(ctx, change) {
    const spec = ctx.node.spec;
    const call =
      change.kind === 'opt_out'
        ? spec.onOptOut
        : change.kind === 'limit'
          ? spec.onLimit
          : change.kind === 'restrict'
            ? spec.onRestrict
            : change.kind === 'lift_restriction'
              ? spec.onLiftRestriction
              : undefined;
    const base = { ...targetOf(ctx.node), change: change.kind, columns: [] };
    if (!call) return { ...base, rows: 0, remaining: 0, note: 'the data map gives this processor no call for it' };
    const r = await callProcessor(spec, change.kind, [call], await ctx.subject.identities());
    return { ...base, rows: r.acted, remaining: 0, note: `HTTP ${r.statuses.join(', ') || 'none: no identity to send'}` };
  },
  async correct(ctx, corrections) {
    const spec = ctx.node.spec;
    const call = spec.correct;
    const encoded = call ? correctionBody(call, corrections) : null;
    if (!call || !encoded) return { ...targetOf(ctx.node), changes: [] };
    const r = await callProcessor(spec, 'correct', [call], await ctx.subject.identities(), encoded.body);
    return {
      ...targetOf(ctx.node),
      changes: encoded.fields.map((field) => ({
        field,
        column: call.fields?.[field] ?? 'processor',
        rows: r.acted,
        oldHash: [],
        newHash: keyedHash(auditHashSecret(ctx.deps.config), corrections[field]),
      })),
    };
  },
};
