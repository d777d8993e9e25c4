// The human-readable access report (GDPR Art. 15): what we hold, why, who receives it, how long.
import type { Manifest } from './manifest';

const esc = (v: unknown) =>
  String(v instanceof Date ? v.toISOString() : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : v).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

import { REPORT_SAMPLE_RECORDS } from './staging';

const UNIT_WORDS = { rows: 'records', keys: 'cache entries', records: 'records', files: 'files' } as const;

export function accessReportHtml(
  manifest: Manifest,
  samples: Map<string, Record<string, unknown>[]>,
  sampleLimit = REPORT_SAMPLE_RECORDS,
  /** The reminder of the subject's other rights, per the request's law (notice-sentences.ts). */
  rightsSentence = 'You also have the right to ask us to correct or delete this data.',
): string {
  const sections = manifest.collections.map((c) => {
    const rows = samples.get(`${c.store}.${c.collection}`) ?? [];
    const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const table = rows.length
      ? `<table><thead><tr>${cols.map((k) => `<th>${esc(k)}</th>`).join('')}</tr></thead><tbody>${rows
          .map((r) => `<tr>${cols.map((k) => `<td>${esc(r[k])}</td>`).join('')}</tr>`)
          .join('')}</tbody></table>`
      : `<p>${esc(c.note ?? 'We hold no records about you here.')}</p>`;
    const more =
      c.rows > rows.length ? `<p>Showing the first ${rows.length} of ${c.rows}; all are in <code>${esc(c.files[0]?.name)}</code>.</p>` : '';
    return `<section><h2>${esc(c.collection)} <small>(${esc(c.source)})</small></h2>
<dl><dt>Records</dt><dd>${c.rows} ${UNIT_WORDS[c.unit]}${c.note && rows.length ? ` (${esc(c.note)})` : ''}</dd>
<dt>Categories of data</dt><dd>${c.categories.map(esc).join(', ') || '—'}</dd>
<dt>Why we process it</dt><dd>${c.purposes.map(esc).join('; ') || '—'}</dd>
<dt>Who receives it</dt><dd>${c.recipients.map(esc).join('; ') || 'no one outside our company'}</dd>
<dt>How long we keep it</dt><dd>${esc(c.retention.description)}${c.retention.basis ? ` (${esc(c.retention.basis)})` : ''}</dd></dl>
${table}${more}</section>`;
  });
  const missing = manifest.notIncluded.length
    ? `<section><h2>Not included in this archive</h2><p>Our records name these places, but this archive could not include them:</p><ul>${manifest.notIncluded
        .map((n) => `<li><strong>${esc(n.store)}</strong>: ${esc(n.reason)}.</li>`)
        .join('')}</ul><p>Ask us about them by replying to our mail.</p></section>`
    : '';
  const withheld = manifest.withheld?.length
    ? `<section><h2>Not disclosed</h2><p>We hold these fields but do not disclose them, so that no one who obtains this copy can use them to reach your account:</p><ul>${manifest.withheld
        .map((w) => `<li><strong>${esc(w.field)}</strong> in ${esc(w.collection)} (${esc(w.category)}): ${esc(w.reason)}.</li>`)
        .join('')}</ul></section>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Your personal data</title>
<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}table{border-collapse:collapse;font-size:.85rem}td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left}dt{font-weight:600}</style></head>
<body><h1>Your personal data</h1>
<p>Request ${esc(manifest.requestId)}, generated ${esc(manifest.generatedAt)}. ${manifest.totals.rows} records in ${manifest.totals.collections} places.
Up to ${sampleLimit} records are shown per place; the complete data is in the files of this archive (listed in manifest.json).</p>
<p>${esc(rightsSentence)}</p>
${missing}${withheld}${sections.join('\n')}</body></html>`;
}
