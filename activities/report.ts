// The human-readable access report (GDPR Art. 15(1)(a)-(h), 15(2)): what we hold, why, who
// receives it, how long, where it came from, automated decisions and transfers abroad — in the
// words of the data map's labels, with dates in the reader's language.
import { categoryLabel, defaultLabel, formatDateTime, readableValue, readerLanguage } from '../schemas/labels';
import type { Manifest, ManifestCollection } from './manifest';
import { REPORT_SAMPLE_RECORDS } from './staging';

const esc = (v: unknown) =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const UNIT_WORDS = { rows: 'records', keys: 'cache entries', records: 'records', files: 'files' } as const;

export interface ReportOptions {
  /** The reader's language (BCP 47, e.g. `de`, `fr-FR`): dates are written as it writes them. Default English. */
  lang?: string;
  /** Where the subject may complain, per the request's law (notice-sentences.ts recourseSentence; Art. 15(1)(f)). */
  recourseSentence?: string;
}

const NO_SOURCE = 'From you: you gave it to us, or it was recorded as you used our service.';

/** A withheld field's reason without its category pattern (`category user.credentials.*: …`): the label says it. */
const plainReason = (reason: string) => reason.replace(/^category \S+: /, '');

function sampleTable(c: ManifestCollection, rows: Record<string, unknown>[], lang: string): string {
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const head = cols.map((k) => `<th scope="col">${esc(c.fieldLabels[k] ?? defaultLabel(k))}</th>`).join('');
  const body = rows.map((r) => `<tr>${cols.map((k) => `<td>${esc(readableValue(r[k], lang))}</td>`).join('')}</tr>`).join('');
  return `<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

function placeSection(c: ManifestCollection, index: number, rows: Record<string, unknown>[], lang: string): string {
  const table = rows.length ? sampleTable(c, rows, lang) : `<p>${esc(c.note ?? 'We hold no records about you here.')}</p>`;
  const file = c.files[0]?.name;
  const more =
    c.rows > rows.length && file ? `<p>Showing the first ${rows.length} of ${c.rows}; all are in the file ${esc(file)}.</p>` : '';
  const retention = `${c.retention.description}${c.retention.basis ? ` (why: ${c.retention.basis})` : ''}`;
  return `<section id="place-${index}"><h2>${esc(c.label)}</h2>
<p class="where">Kept in: ${esc(c.place)}</p>
<dl>
<dt>What we hold</dt><dd>${c.rows} ${UNIT_WORDS[c.unit]}${c.note && rows.length ? ` (${esc(c.note)})` : ''}</dd>
<dt>Kinds of data</dt><dd>${esc(c.categories.map(categoryLabel).join(', ') || '—')}</dd>
<dt>Why we process it</dt><dd>${esc(c.purposes.join('; ') || '—')}</dd>
${c.legalBasis ? `<dt>On what legal ground</dt><dd>${esc(c.legalBasis)}</dd>` : ''}
<dt>Who receives it</dt><dd>${esc(c.recipients.join('; ') || 'no one outside our company')}</dd>
<dt>How long we keep it</dt><dd>${esc(retention)}</dd>
<dt>Where it came from</dt><dd>${esc(c.source ?? NO_SOURCE)}</dd>
</dl>
${table}${more}</section>`;
}

function automatedSection(m: Manifest): string {
  const body = m.automatedDecisions.length
    ? `<p>We make these decisions about people by automated means alone:</p>${m.automatedDecisions
        .map(
          (d) =>
            `<h3>${esc(d.name)}${d.profiling ? ' (profiling)' : ''}</h3><dl><dt>How it works</dt><dd>${esc(d.logic)}</dd><dt>What it means for you</dt><dd>${esc(d.consequences)}</dd></dl>`,
        )
        .join('')}<p>You may ask for a person to look at such a decision, give your point of view and contest it.</p>`
    : '<p>We make no decisions about you by automated means alone, and we do not profile you.</p>';
  return `<section id="automated"><h2>Automated decisions</h2>${body}</section>`;
}

function transfersSection(m: Manifest): string {
  const body = m.transfers.length
    ? `<p>We send your data to these recipients in other countries, protected as follows:</p><div class="table-wrap"><table><thead><tr><th scope="col">Country</th><th scope="col">Recipient</th><th scope="col">Safeguard</th></tr></thead><tbody>${m.transfers
        .map(
          (t) =>
            `<tr><td>${esc(t.country)}</td><td>${esc(t.recipient)}</td><td>${esc(t.safeguard)}${t.copyFrom ? ` — a copy: ${esc(t.copyFrom)}` : ''}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
    : '<p>We do not send your data to other countries.</p>';
  return `<section id="transfers"><h2>Transfers to other countries</h2>${body}</section>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;line-height:1.45;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}
h2{margin-top:2.2rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;break-after:avoid}
.where{color:#444;margin-top:-.4rem}
dl{display:grid;grid-template-columns:minmax(9rem,14rem) 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0}
.table-wrap{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;table-layout:auto;font-size:.85rem}
td,th{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top;word-break:normal;overflow-wrap:break-word;hyphens:auto}
th{background:#f2f2f2}
nav ol{columns:2}
@media (max-width:40rem){dl{grid-template-columns:1fr}nav ol{columns:1}}
@media print{body{max-width:none;margin:0;font-size:10pt}.table-wrap{overflow:visible}table{table-layout:fixed}td,th{word-break:break-word}thead{display:table-header-group}tr{break-inside:avoid}a{color:inherit;text-decoration:none}}`;

export function accessReportHtml(
  manifest: Manifest,
  samples: Map<string, Record<string, unknown>[]>,
  sampleLimit = REPORT_SAMPLE_RECORDS,
  /** The reminder of the subject's other rights, per the request's law (notice-sentences.ts; Art. 15(1)(e)). */
  rightsSentence = 'You also have the right to ask us to correct or delete this data.',
  options: ReportOptions = {},
): string {
  const lang = readerLanguage(options.lang);
  const places = manifest.collections.map((c, i) => ({ c, i, rows: samples.get(`${c.store}.${c.collection}`) ?? [] }));
  const toc: [string, string][] = [['rights', 'Your rights']];
  if (manifest.notIncluded.length) toc.push(['not-included', 'Not included in this archive']);
  if (manifest.withheld.length) toc.push(['withheld', 'Not disclosed']);
  toc.push(['automated', 'Automated decisions'], ['transfers', 'Transfers to other countries']);
  for (const { c, i } of places) toc.push([`place-${i}`, c.label]);

  const rights = `<section id="rights"><h2>Your rights</h2><p>${esc(rightsSentence)}</p>${
    options.recourseSentence ? `<p>${esc(options.recourseSentence)}</p>` : ''
  }</section>`;
  const missing = manifest.notIncluded.length
    ? `<section id="not-included"><h2>Not included in this archive</h2><p>Our records name these places, but this archive could not include them:</p><ul>${manifest.notIncluded
        .map((n) => `<li><strong>${esc(n.label ?? defaultLabel(n.store))}</strong>: ${esc(n.reason)}.</li>`)
        .join('')}</ul><p>Ask us about them by replying to our mail.</p></section>`
    : '';
  const labelOf = (store: string, collection: string) => manifest.collections.find((c) => c.store === store && c.collection === collection);
  const withheld = manifest.withheld.length
    ? `<section id="withheld"><h2>Not disclosed</h2><p>We hold these fields but do not disclose them, so that no one who obtains this copy can use them to reach your account:</p><ul>${manifest.withheld
        .map((w) => {
          const place = labelOf(w.store, w.collection);
          const field = place?.fieldLabels[w.field] ?? defaultLabel(w.field);
          return `<li><strong>${esc(field)}</strong> in ${esc(place?.label ?? defaultLabel(w.collection))} (${esc(categoryLabel(w.category))}): ${esc(plainReason(w.reason))}.</li>`;
        })
        .join('')}</ul></section>`
    : '';
  return `<!doctype html><html lang="${esc(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Your personal data</title>
<style>${STYLE}</style></head>
<body><main><h1>Your personal data</h1>
<p>Request ${esc(manifest.requestId)}, prepared on ${esc(formatDateTime(manifest.generatedAt, lang))} (UTC). We hold ${manifest.totals.rows} records about you in ${manifest.totals.collections} places.
Up to ${sampleLimit} records are shown per place; the complete data is in the files of this archive (listed in manifest.json).</p>
<nav aria-label="Contents"><h2>Contents</h2><ol>${toc.map(([id, title]) => `<li><a href="#${id}">${esc(title)}</a></li>`).join('')}</ol></nav>
${rights}${missing}${withheld}${automatedSection(manifest)}${transfersSection(manifest)}
${places.map(({ c, i, rows }) => placeSection(c, i, rows, lang)).join('\n')}</main></body></html>`;
}
