// The compliance report as CSV: one line per type and jurisdiction.
import type { ComplianceReport, ComplianceRow } from '../records/reports';

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
  return `${lines.join('\n')}\n`;
}
