// The export benchmark's account of what the engine did: its audit events for the export, and
// the timing breakdown (the workflow history read back as one span per activity, printed with
// the worker's peak RSS while each long activity ran).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Pool } from 'pg';
import { rate, seconds } from './lib';
import { fmtMB } from './proc';

export interface ActivitySpan {
  name: string;
  label: string;
  scheduled: number;
  started: number;
  closed: number;
  attempt: number;
  ok: boolean;
}

export interface Timeline {
  spans: ActivitySpan[];
  wfStart: number;
  wfEnd: number;
}

export interface ExportAudit {
  packaged: { bytes: number; rows: number; collections: number };
  usageRead: { records: number; files: { name: string; bytes: number }[] };
}

/** The export's audit events: what was packaged, and the usage_logs read of `store` (which must hold `usageRows`). */
export async function readExportAudit(engineDb: Pool, requestId: string, usageRows: number, store = 'app_db'): Promise<ExportAudit> {
  const audit = await engineDb.query<{ action: string; store: string | null; collection: string | null; details: Record<string, unknown> }>(
    `SELECT action, store, collection, details FROM audit_events WHERE request_id = $1 ORDER BY seq`,
    [requestId],
  );
  const packaged = audit.rows.find((r) => r.action === 'export.packaged')?.details as ExportAudit['packaged'] | undefined;
  if (!packaged) throw new Error('no export.packaged audit event');
  const reads = audit.rows.filter((r) => r.action === 'collection.read');
  const usageRead = reads.find((r) => r.store === store && r.collection === 'usage_logs')?.details as ExportAudit['usageRead'] | undefined;
  if (!usageRead || usageRead.records !== usageRows)
    throw new Error(`${store}.usage_logs export has ${usageRead?.records} rows, expected ${usageRows}`);
  return { packaged, usageRead };
}

type Long = { toString(): string } | number | null | undefined;
const num = (v: Long) => (v == null ? 0 : Number(v.toString()));
const tsMs = (t: { seconds?: Long; nanos?: number | null } | null | undefined) => (t ? num(t.seconds) * 1000 + (t.nanos ?? 0) / 1e6 : 0);

function decodeArgs(payloads: { data?: Uint8Array | null }[] | null | undefined): unknown[] {
  return (payloads ?? []).map((p) => {
    try {
      return JSON.parse(Buffer.from(p.data ?? []).toString('utf8'));
    } catch {
      return undefined;
    }
  });
}

export async function activityTimeline(env: TestWorkflowEnvironment, workflowId: string): Promise<Timeline> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const spans = new Map<number, ActivitySpan>();
  let wfStart = 0;
  let wfEnd = 0;
  for (const e of history.events ?? []) {
    const at = tsMs(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) wfStart = at;
    if (e.workflowExecutionCompletedEventAttributes || e.workflowExecutionFailedEventAttributes) wfEnd = at;
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const name = s.activityType?.name ?? '?';
      const args = decodeArgs(s.input?.payloads);
      let label = name;
      const target = args[1] as { store?: string; collection?: string } | undefined;
      if (name === 'readTarget') label = `readTarget ${target?.store}.${target?.collection}`;
      if (name === 'recordStep') label = `recordStep ${(args[0] as { action?: string })?.action ?? ''}`;
      spans.set(num(e.eventId), { name, label, scheduled: at, started: at, closed: at, attempt: 1, ok: false });
    }
    const st = e.activityTaskStartedEventAttributes;
    if (st) {
      const span = spans.get(num(st.scheduledEventId));
      if (span) {
        span.started = at;
        span.attempt = st.attempt ?? 1;
      }
    }
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (done) {
      const span = spans.get(num(done.scheduledEventId));
      if (span) {
        span.closed = at;
        span.ok = !!e.activityTaskCompletedEventAttributes;
      }
    }
  }
  return { spans: [...spans.values()], wfStart, wfEnd };
}

export interface TimelineContext {
  /** the worker's RSS samples taken during the export */
  samples: { t: number; rss: number }[];
  /** the subject's usage_logs rows, and the store holding them */
  usageRows: number;
  usageStore: string;
  /** the export end to end (workflow start → result) */
  runMs: number;
  /** the engine ZIP's uncompressed size */
  packagedBytes: number;
  /** the usage_logs staging files, from the collection.read audit event */
  stagingFiles: { name: string; bytes: number }[];
}

/** The report's "where the engine time went" section. */
export function printTimeline({ spans, wfStart, wfEnd }: Timeline, ctx: TimelineContext): void {
  const fmtS = (ms: number) => `${seconds(ms)} s`;
  const peakIn = (from: number, to: number) => {
    const inside = ctx.samples.filter((s) => s.t >= from - 50 && s.t <= to + 50);
    return inside.length ? Math.max(...inside.map((s) => s.rss)) : NaN;
  };
  console.log('where the engine time went (workflow history; offsets from workflow start)');
  const base = wfStart || spans[0]?.scheduled || 0;
  const head = (a: string, b: string, c: string, d: string, e: string) =>
    console.log(`  ${a.padEnd(44)}${b.padStart(10)}${c.padStart(10)}${d.padStart(14)}${e.padStart(16)}`);
  head('activity', 'start', 'end', 'duration', 'worker peak RSS');
  for (const s of spans.sort((a, b) => a.started - b.started)) {
    head(
      `${s.label}${s.attempt > 1 ? ` (attempt ${s.attempt})` : ''}${s.ok ? '' : ' FAILED'}`,
      seconds(s.started - base),
      seconds(s.closed - base),
      fmtS(s.closed - s.started),
      s.closed - s.started >= 200 ? fmtMB(peakIn(s.started, s.closed)) : '',
    );
  }
  if (wfEnd) head('workflow (server clock)', '0.00', seconds(wfEnd - base), fmtS(wfEnd - base), '');
  const usageSpan = spans.find((s) => s.label === `readTarget ${ctx.usageStore}.usage_logs`);
  const pkgSpan = spans.find((s) => s.name === 'packageExport');
  if (usageSpan && pkgSpan) {
    const read = usageSpan.closed - usageSpan.started;
    const pack = pkgSpan.closed - pkgSpan.started;
    console.log(
      `  usage_logs read (json + csv → staging files): ${fmtS(read)} = ${rate(ctx.usageRows, read)} rows/s; ` +
        `packaging (ZIP of ${fmtMB(ctx.packagedBytes)} uncompressed): ${fmtS(pack)}; ` +
        `other steps: ${fmtS(ctx.runMs - read - pack)}`,
    );
    console.log(`  staging files: ${ctx.stagingFiles.map((x) => `${x.name} ${fmtMB(x.bytes)}`).join(', ')}`);
  }
}
