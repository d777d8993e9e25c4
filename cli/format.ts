// Terminal output of the client commands: aligned tables and the `dsar status` view.

interface ProgressRow {
  store: string;
  collection: string;
  state: string;
  rows?: number;
  attempts?: number;
}
export interface RequestView {
  id: string;
  type: string;
  channel: string;
  status: string;
  receivedAt: string;
  dueAt: string;
  verifiedAt: string | null;
  completedAt: string | null;
  progress: ProgressRow[];
}

/**
 * Lines of a table: columns two spaces apart, each as wide as its widest cell, the columns in
 * `rightAligned` (by index) padded on the left, trailing spaces trimmed.
 */
export function formatTable(header: string[], rows: string[][], rightAligned: Iterable<number> = []): string[] {
  const right = new Set(rightAligned);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

export function relativeDays(iso: string, now = Date.now()): string {
  const days = Math.round((Date.parse(iso) - now) / 86_400_000);
  if (days === 0) return 'today';
  return days > 0 ? `in ${days} day${days === 1 ? '' : 's'}` : `${-days} day${days === -1 ? '' : 's'} ago`;
}

/** What the API answers without the request's status token: status and due date only. */
export interface PublicStatusView {
  id: string;
  status: string;
  dueAt: string;
  extendedDueAt: string | null;
}

export function formatStatus(v: RequestView | PublicStatusView, now = Date.now()): string {
  const open = !['completed', 'denied', 'expired_unverified', 'failed'].includes(v.status);
  const overdue = open && Date.parse(v.dueAt) < now;
  if (!('type' in v)) {
    return [
      `request    ${v.id}`,
      `status     ${v.status}`,
      `due        ${v.dueAt.slice(0, 10)} (${overdue ? `OVERDUE, ${relativeDays(v.dueAt, now)}` : relativeDays(v.dueAt, now)})`,
      '',
      'type, dates and per-store progress need the status token (--token, from `dsar submit` or the mailed link)',
    ].join('\n');
  }
  const lines = [
    `request    ${v.id}`,
    `type       ${v.type} (${v.channel.replace('_', '-')})`,
    `status     ${v.status}`,
    `received   ${v.receivedAt}`,
    `due        ${v.dueAt.slice(0, 10)} (${overdue ? `OVERDUE, ${relativeDays(v.dueAt, now)}` : relativeDays(v.dueAt, now)})`,
  ];
  if (v.verifiedAt) lines.push(`verified   ${v.verifiedAt}`);
  if (v.completedAt) lines.push(`completed  ${v.completedAt}`);
  lines.push('');
  if (!v.progress.length) {
    lines.push(open ? 'no store work yet (the request starts once it is verified)' : 'no store work recorded');
    return lines.join('\n');
  }
  const withAttempts = v.progress.some((p) => p.attempts !== undefined);
  const header = ['STORE', 'COLLECTION', 'STATE', 'ROWS', ...(withAttempts ? ['ATTEMPTS'] : [])];
  const rows = v.progress.map((p) => [
    p.store,
    p.collection,
    p.state,
    p.rows === undefined ? '-' : String(p.rows),
    ...(withAttempts ? [p.attempts === undefined ? '-' : String(p.attempts)] : []),
  ]);
  lines.push(...formatTable(header, rows, [3, 4]));
  const done = v.progress.filter((p) => p.state === 'done').length;
  const total = v.progress.reduce((n, p) => n + (p.rows ?? 0), 0);
  lines.push('', `${done}/${v.progress.length} collections done, ${total} rows`);
  return lines.join('\n');
}
