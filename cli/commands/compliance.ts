// Compliance commands on the engine database: the period report and the audit-trail check.
import { Command, Option } from 'commander';
import { withEngineDb } from '../clients';
import { CliError } from '../errors';
import { formatTable } from '../format';
import type { CommandContext } from './context';
import type { RightFigures } from '../../records/reports';

export function registerComplianceCommands(program: Command, { out, err, env }: CommandContext): void {
  // The secret audit anchors are signed with: AUDIT_ANCHOR_SECRET, else derived from SIGNING_SECRET.
  const anchorSecret = (): string | undefined => {
    if (!env.AUDIT_ANCHOR_SECRET && !env.SIGNING_SECRET) return undefined;
    const { auditAnchorSecret } = require('../../lib/audit-anchor') as typeof import('../../lib/audit-anchor');
    return auditAnchorSecret({ AUDIT_ANCHOR_SECRET: env.AUDIT_ANCHOR_SECRET || undefined, SIGNING_SECRET: env.SIGNING_SECRET ?? '' });
  };

  program
    .command('report')
    .description('compliance figures for a period, per type and jurisdiction, with the CCPA §7102 metrics (DATABASE_URL)')
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD (inclusive)')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD (exclusive)')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json', 'csv']).default('table'))
    .action(async (o: { from: string; to: string; format: string }) => {
      const day = (s: string, name: string) => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(s) || Number.isNaN(Date.parse(`${s}T00:00:00Z`)))
          throw new CliError(`${name} must be a date, YYYY-MM-DD`);
        return new Date(`${s}T00:00:00Z`);
      };
      const from = day(o.from, '--from');
      const to = day(o.to, '--to');
      if (to <= from) throw new CliError('--to must be after --from');
      const { complianceReport } = require('../../records/reports') as typeof import('../../records/reports');
      const { complianceCsv } = require('../../api/compliance-csv') as typeof import('../../api/compliance-csv');
      const report = await withEngineDb(env, (db) => complianceReport(db, from, to));
      if (o.format === 'json') return out(JSON.stringify(report, null, 2));
      if (o.format === 'csv') return out(complianceCsv(report).trimEnd());
      const header = ['TYPE', 'JURISDICTION', 'RECEIVED', 'COMPLIED', 'DENIED', 'MEDIAN DAYS', 'ON TIME', 'EXTENDED', 'OVERDUE'];
      const rows = report.rows.map((r) =>
        [
          r.type,
          r.jurisdiction,
          r.received,
          r.complied,
          r.denied,
          r.medianDays ?? '–',
          r.onTimeShare === null ? '–' : `${Math.round(r.onTimeShare * 100)}%`,
          r.extended,
          r.overdueNow,
        ].map(String),
      );
      const rightRows = (section: string, rights: Record<string, RightFigures>) =>
        Object.entries(rights).map(([right, f]) =>
          [section, right, f.received, f.complied, f.denied, f.deniedUnverifiable, f.pending, f.medianDays ?? '–', f.meanDays ?? '–'].map(
            String,
          ),
        );
      out(
        [
          ...formatTable(header, rows, [2, 3, 4, 5, 6, 7, 8]),
          '',
          'Per right (CCPA §7102: CCPA requests only; GDPR and policy apart):',
          ...formatTable(
            ['SECTION', 'RIGHT', 'RECEIVED', 'COMPLIED', 'DENIED', 'UNVERIFIABLE', 'PENDING', 'MEDIAN DAYS', 'MEAN DAYS'],
            [
              ...rightRows('ccpa7102', report.ccpa7102),
              ...rightRows('gdpr', report.otherJurisdictions.gdpr),
              ...rightRows('policy', report.otherJurisdictions.policy),
            ],
            [2, 3, 4, 5, 6, 7, 8],
          ),
          '',
          ...report.notes.map((n) => `  ${n}`),
        ].join('\n'),
      );
    });

  const audit = program.command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .description('recompute the hash chain of the audit trail (DATABASE_URL) and name the first broken link')
    .option('--json', 'machine-readable output')
    .option('--from <seq>', 'first event to check (its prev_hash is taken as given)')
    .option('--to <seq>', 'last event to check')
    .action(async (o: { json?: boolean; from?: string; to?: string }) => {
      const { verifyAuditChain } = require('../../records/audit-events') as typeof import('../../records/audit-events');
      const seq = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        if (!/^[1-9]\d*$/.test(v)) throw new CliError(`${name} must be an event number`);
        return Number(v);
      };
      const secret = anchorSecret();
      if (!secret && o.to === undefined)
        err(
          'anchors not checked: set AUDIT_ANCHOR_SECRET or SIGNING_SECRET (as the worker has it) to check the chain reaches its last anchor',
        );
      const range = { fromSeq: seq(o.from, '--from'), toSeq: seq(o.to, '--to'), anchorSecret: secret };
      const report = await withEngineDb(env, async (db) => {
        try {
          return await verifyAuditChain(db, 5000, range);
        } catch (e) {
          if ((e as { code?: string }).code === '42P01')
            throw new CliError('the engine database has no audit trail yet: run `dsar migrate` first');
          throw e;
        }
      });
      if (o.json) {
        out(
          JSON.stringify({
            ok: report.ok,
            events: report.events,
            head: report.lastHash,
            ...(report.firstBroken ? { firstBroken: report.firstBroken } : {}),
            ...(report.anchor ? { anchor: report.anchor } : {}),
          }),
        );
      } else if (report.ok) {
        const anchored = report.anchor ? `, reaches its last anchor (seq ${report.anchor.seq}, ${report.anchor.at})` : '';
        out(`audit trail intact: ${report.events} event${report.events === 1 ? '' : 's'}, head ${report.lastHash}${anchored}`);
      } else {
        out(`audit trail BROKEN at event ${report.firstBroken!.seq}: ${report.firstBroken!.reason}`);
      }
      if (!report.ok) throw new CliError(null, 1);
    });

  audit
    .command('anchor')
    .description(
      "sign the audit chain's current head (seq, hash, time) into audit_anchors (DATABASE_URL, SIGNING_SECRET or AUDIT_ANCHOR_SECRET)",
    )
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const secret = anchorSecret();
      if (!secret) throw new CliError('set AUDIT_ANCHOR_SECRET or SIGNING_SECRET (the one the worker has) to sign the anchor');
      const { writeAuditAnchor } = require('../../records/audit-anchors') as typeof import('../../records/audit-anchors');
      const anchor = await withEngineDb(env, (db) => writeAuditAnchor(db, secret));
      if (!anchor) throw new CliError('the audit trail holds no event yet: nothing to anchor');
      if (o.json) out(JSON.stringify({ seq: anchor.seq, hash: anchor.hash, at: anchor.at, signature: anchor.signature }));
      else out(`anchored seq ${anchor.seq}, hash ${anchor.hash}, at ${anchor.at}, signature ${anchor.signature}`);
    });
}
