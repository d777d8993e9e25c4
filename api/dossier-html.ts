// The audit dossier as a printable HTML page: a timeline with legal bases, retention decisions
// and proof-of-deletion counts, every value escaped, no scripts.
import type { Dossier } from './dossier';

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Legal basis and retention decisions recorded in an event's details. */
function basisCell(d: Record<string, unknown>): string {
  const parts: string[] = [];
  const basis = str(d.basis);
  if (basis) parts.push(`basis: ${basis}`);
  const period = str(d.retentionPeriod);
  if (period) parts.push(`retention: ${period}`);
  const until = str(d.retainedUntil);
  if (until) parts.push(`retained until ${until}`);
  const purgeAfter = str(d.purgeAfter);
  if (purgeAfter) parts.push(`purge after ${purgeAfter}`);
  const outcome = str(d.action);
  if (outcome) parts.push(`decision: ${outcome}`);
  if (Array.isArray(d.maskedFields) && d.maskedFields.length) parts.push(`masked fields: ${d.maskedFields.map(String).join(', ')}`);
  const reason = str(d.reason);
  if (reason) parts.push(`reason: ${reason}`);
  const note = str(d.note);
  if (note) parts.push(`note: ${note}`);
  return parts.map(escapeHtml).join('<br>');
}

/** Proof-of-deletion and volume counts recorded in an event's details. */
function countsCell(d: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, label] of [
    ['deleted', 'deleted'],
    ['masked', 'masked'],
    ['retained', 'retained'],
    ['softDeleted', 'soft-deleted'],
    ['rows', 'rows'],
    ['collections', 'collections'],
    ['bytes', 'bytes'],
  ] as const) {
    const n = num(d[key]);
    if (n !== null && (n !== 0 || key === 'deleted')) parts.push(`${label}: ${n}`);
  }
  const remaining = num(d.remainingDue);
  const counts = parts.map(escapeHtml);
  if (remaining !== null) {
    counts.push(
      remaining === 0
        ? '<span class="ok">remaining due: 0 (proof of deletion)</span>'
        : `<span class="bad">remaining due: ${escapeHtml(remaining)}</span>`,
    );
  }
  return counts.join('<br>');
}

const STYLE = `
  body { font: 12px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 24px; }
  h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 14px; margin: 20px 0 6px; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border: 1px solid #bbb; padding: 4px 6px; text-align: left; vertical-align: top; }
  th { background: #eee; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; }
  dt { font-weight: 600; } dd { margin: 0; }
  .hash { font: 10px/1.3 ui-monospace, Menlo, Consolas, monospace; word-break: break-all; }
  .ok { color: #075e07; } .bad { color: #a00; font-weight: 600; }
  .muted { color: #555; } pre { white-space: pre-wrap; word-break: break-word; margin: 0; font-size: 10px; }
  @media print {
    body { margin: 0; font-size: 10px; }
    thead { display: table-header-group; } tr { page-break-inside: avoid; break-inside: avoid; }
    a { color: inherit; text-decoration: none; }
  }
  @page { size: A4 landscape; margin: 12mm; }
`;

export function renderDossierHtml(d: Dossier): string {
  const checks = new Map(d.chain.events.map((c) => [c.seq, c]));
  const req = d.request;
  const field = (label: string, value: string | null) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value ?? '—')}</dd>`;
  const eventRows = d.events
    .map((e) => {
      const c = checks.get(e.seq);
      const verdict = c?.recomputes
        ? `<span class="ok">recomputes</span>${c.linked ? '' : '<br><span class="bad">prevHash does not link to seq ' + escapeHtml(e.seq - 1) + '</span>'}`
        : '<span class="bad">DOES NOT RECOMPUTE</span>';
      const target = e.store ? `${e.store}${e.collection ? `.${e.collection}` : ''}` : '';
      return `<tr>
      <td>${escapeHtml(e.seq)}</td>
      <td>${escapeHtml(e.at)}</td>
      <td>${escapeHtml(e.actor)}</td>
      <td>${escapeHtml(e.action)}</td>
      <td>${escapeHtml(target)}</td>
      <td>${basisCell(e.details)}</td>
      <td>${countsCell(e.details)}</td>
      <td><pre>${escapeHtml(JSON.stringify(e.details, null, 1))}</pre></td>
      <td class="hash">key: ${escapeHtml(e.eventKey)}<br>prev: ${escapeHtml(e.prevHash)}<br>hash: ${escapeHtml(e.hash)}</td>
      <td>${verdict}</td>
    </tr>`;
    })
    .join('\n');
  const emailRows = d.emails.length
    ? d.emails
        .map(
          (m) => `<tr><td>${escapeHtml(m.kind)}</td><td>${escapeHtml(m.sentAt)}</td><td class="hash">${escapeHtml(m.messageId)}</td></tr>`,
        )
        .join('\n')
    : '<tr><td colspan="3" class="muted">no emails sent</td></tr>';
  const summary = d.chain.ok
    ? `<span class="ok">All ${d.events.length} events recompute from their own prevHash and link to the event before them.</span>`
    : '<span class="bad">At least one event does not recompute or does not link: see the table.</span>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Audit dossier — request ${escapeHtml(req.id)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Audit dossier — request ${escapeHtml(req.id)}</h1>
<p class="muted">Generated ${escapeHtml(d.generatedAt)}. Contains no personal data: events record counts, hashes and legal bases; emails are listed by kind and time only.</p>
<h2>Request</h2>
<dl>
${field('Id', req.id)}
${field('Type', req.type)}
${field('Jurisdiction', req.jurisdiction)}
${field('Channel', req.channel)}
${field('Status', req.status)}
${field('Received', req.receivedAt)}
${field('Data map version', req.dataMapVersion)}
${field('Due', req.dueAt)}
${field('Extended due', req.extendedDueAt)}
${field('Completed', req.completedAt)}
</dl>
<h2>Timeline (${escapeHtml(d.events.length)} audit events)</h2>
<table>
<thead><tr><th>Seq</th><th>At (UTC)</th><th>Actor</th><th>Action</th><th>Store.collection</th><th>Legal basis / retention</th><th>Counts / proof of deletion</th><th>Details</th><th>Event key and hashes</th><th>Check</th></tr></thead>
<tbody>
${eventRows || '<tr><td colspan="10" class="muted">no audit events</td></tr>'}
</tbody>
</table>
<h2>Emails sent</h2>
<table>
<thead><tr><th>Kind</th><th>Sent (UTC)</th><th>Message-ID</th></tr></thead>
<tbody>
${emailRows}
</tbody>
</table>
<h2>Hash chain</h2>
<p>${summary}</p>
<p class="hash">${escapeHtml(d.chain.recipe)}</p>
</body>
</html>
`;
}
