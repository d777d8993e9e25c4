// The compliance report as CSV: one line per type and jurisdiction, then the per-right figures
// (the CCPA §7102 block, then the other jurisdictions) and the notes on how they are counted.
import type { ComplianceReport, ComplianceRow, RightFigures } from '../records/reports';

const CSV_COLUMNS: (keyof ComplianceRow)[] = [
  'type',
  'jurisdiction',
  'received',
  'complied',
  'denied',
  'expiredUnverified',
  'medianDays',
  'meanDays',
  'onTimeShare',
  'extended',
  'overdueNow',
];

export function complianceCsv(report: ComplianceReport): string {
  const cell = (v: unknown) => (v === null ? '' : String(v));
  const lines = [[...CSV_COLUMNS, 'deniedByReason'].join(',')];
  for (const r of report.rows) {
    const reasons = Object.entries(r.deniedByReason)
      .map(([k, n]) => `${k}=${n}`)
      .join(';');
    lines.push([...CSV_COLUMNS.map((c) => cell(r[c])), reasons].join(','));
  }
  lines.push('', rightsCsv(report).join('\n'), '', 'note', ...report.notes.map(quoted));
  return `${lines.join('\n')}\n`;
}

const RIGHT_COLUMNS: (keyof RightFigures)[] = [
  'received',
  'complied',
  'denied',
  'deniedUnverifiable',
  'pending',
  'failed',
  'medianDays',
  'meanDays',
];

const quoted = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** `section,right,…`: section `ccpa7102` (CCPA requests only), then `gdpr` and `policy`. */
export function rightsCsv(report: ComplianceReport): string[] {
  const cell = (v: number | null) => (v === null ? '' : String(v));
  const lines = [['section', 'right', ...RIGHT_COLUMNS].join(',')];
  const sections: [string, Record<string, RightFigures>][] = [
    ['ccpa7102', report.ccpa7102],
    ['gdpr', report.otherJurisdictions.gdpr],
    ['policy', report.otherJurisdictions.policy],
  ];
  for (const [section, rights] of sections)
    for (const [right, f] of Object.entries(rights)) lines.push([section, right, ...RIGHT_COLUMNS.map((c) => cell(f[c]))].join(','));
  return lines;
}
