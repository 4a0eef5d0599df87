import { formatDateTime, formatDay, formatMonth } from '../../lib/board-time';
import { escapeHtml as esc } from '../../domain/text';
import { RESULT_LABEL, ragText, resultOf } from '../../domain/words';
import { STATUS_LABEL, type ProgressReport, type ReportAction } from './model';

/** Every date a reader sees is a day in the board's zone, written the UK way ("31 January 2027"). */
const day = (iso: string | null) => (iso ? formatDay(iso) : '');
const outcomeLabel = (a: ReportAction) => {
  const result = resultOf(a);
  return result ? RESULT_LABEL[result] : 'Open';
};
const monthYear = (iso: string) => formatMonth(iso);
/** " (revised from 31 March 2027)" when the board approved a later date; empty otherwise. */
export const revised = (a: ReportAction) => (a.extensions.length ? ` (revised from ${day(a.extensions[0].from)})` : '');

export function reportTitle(r: ProgressReport): string {
  return `${r.review.title}: agency progress against action plan recommendations, ${monthYear(r.generatedAt)}`;
}

const intro = (r: ProgressReport) =>
  `Alongside the ${r.review.title} (${r.review.reference}), the board publishes the following statements of the progress made by the agencies involved on the recommendations of its action plan. ` +
  `Of ${r.totals.actions} actions, ${r.totals.implemented} have been implemented, ${r.totals.notImplemented} closed as not implemented, ${r.totals.cancelled} cancelled and ${r.totals.open} remain open.` +
  impactSentence(r) +
  // Issue 22: a review the board withdrew says so; each cancelled action gives the reason.
  (r.review.status === 'withdrawn' ? ' The board withdrew this review; its open actions were cancelled.' : '');

/** Issue 17: implemented is not the same as embedded; say how many have evidence of impact. */
function impactSentence(r: ProgressReport): string {
  const t = r.totals;
  if (!t.evidenced && !t.awaitingImpact && !t.notEmbedded) return '';
  return ` Of the implemented actions, ${t.evidenced} ${t.evidenced === 1 ? 'has' : 'have'} evidence that the learning is embedded, ${t.awaitingImpact} ${t.awaitingImpact === 1 ? 'is' : 'are'} awaiting it${t.notEmbedded ? ` and ${t.notEmbedded} ${t.notEmbedded === 1 ? 'was' : 'were'} found not embedded and followed up` : ''}.`;
}

export const ASSURANCE_LABEL: Record<string, string> = {
  scheduled: 'Impact check scheduled',
  due: 'Impact evidence due',
  evidence_submitted: 'Impact evidence with the board',
  evidenced: 'Impact evidenced',
  not_embedded: 'Not embedded: followed up',
  waived: 'Impact check waived',
};

/** The issue 17 facts of one action, as label and text, for every format. */
function assuranceRows(a: ReportAction): [string, string][] {
  const rows: [string, string][] = [];
  if (a.extensionCount > 0)
    rows.push([
      'Slippage',
      `originally due ${day(a.originalDueOn)}; ${a.extensionCount} extension${a.extensionCount === 1 ? '' : 's'}; ${a.daysSlipped} days slipped`,
    ]);
  if (a.agencyResponse && a.status !== 'closed' && a.status !== 'cancelled')
    rows.push([`Agency response (${day(a.agencyResponseDate)})`, a.agencyResponse]);
  if (a.assurance)
    rows.push([
      'Impact',
      `${ASSURANCE_LABEL[a.assurance] ?? a.assurance}${a.impactCheckOn && (a.assurance === 'scheduled' || a.assurance === 'due') ? ` (check date ${day(a.impactCheckOn)})` : ''}`,
    ]);
  if (a.impactEvidence) rows.push(['Evidence of impact', a.impactEvidence]);
  if (a.impactDecisionComment) rows.push(['Board on the impact', a.impactDecisionComment]);
  return rows;
}

const recommendationLine = (x: ProgressReport['recommendations'][number]) =>
  `Recommendation ${x.number}: ${x.implemented ? 'implemented' : 'not yet implemented'}; ${x.assured ? 'assured (impact evidenced or check waived)' : x.awaitingImpact ? `awaiting evidence of impact (${x.awaitingImpact})` : 'not yet assured'}`;

/** Markdown in the shape of the published example: a numbered section per agency. */
export function renderMarkdown(r: ProgressReport): string {
  const md = (s: string) => s.replace(/([\\`*_[\]#<>|])/g, '\\$1');
  const lines = [`# ${md(reportTitle(r))}`, '', md(intro(r)), ''];
  for (const s of r.sections) {
    lines.push(`## ${s.number} ${md(s.agencyName)}`, '', md(s.summary), '');
    for (const a of s.actions) {
      lines.push(`### ${a.reference} ${md(a.title)}`, '');
      lines.push(`- Recommendation ${a.recommendationNumber}: ${md(a.recommendation)}`);
      if (a.successMeasure) lines.push(`- Success measure: ${md(a.successMeasure)}`);
      lines.push(`- Status: ${STATUS_LABEL[a.status] ?? a.status}; outcome: ${outcomeLabel(a)}`);
      lines.push(
        `- Target date: ${day(a.dueDate)}${revised(a)}${a.acknowledgedAt ? `; acknowledged ${day(a.acknowledgedAt)}` : ''}${a.closedAt ? `; closed ${day(a.closedAt)}` : ''}`,
      );
      if (a.progressStatement)
        lines.push(`- Progress statement (accepted ${day(a.progressStatementDate)}): ${md(a.progressStatement)}`);
      if (a.submittedStatement)
        lines.push(
          `- Statement submitted ${day(a.submittedStatementDate)}, awaiting the board: ${md(a.submittedStatement)}`,
        );
      for (const x of a.extensions)
        lines.push(
          `- Extension approved: ${day(x.from)} to ${day(x.to)}, because: ${md(x.reason)}; interim measures: ${md(x.interimMeasures)}`,
        );
      if (a.notImplementedReason) lines.push(`- Not implemented, because: ${md(a.notImplementedReason)}`);
      if (a.cancellationReason) lines.push(`- Cancelled, because: ${md(a.cancellationReason)}`);
      for (const [k, v] of assuranceRows(a)) lines.push(`- ${md(k)}: ${md(v)}`);
      lines.push('');
    }
  }
  if (r.recommendations.length) {
    lines.push('## Recommendations: implemented and assured', '');
    for (const x of r.recommendations) lines.push(`- ${md(recommendationLine(x))}`);
    lines.push('');
  }
  lines.push(`_Generated ${formatDateTime(r.generatedAt)} from the action-plan system._`, '');
  return lines.join('\n');
}

const CSV_COLUMNS: [string, (s: ProgressReport['sections'][number], a: ReportAction) => string][] = [
  ['Agency code', (s) => s.agencyCode],
  ['Agency', (s) => s.agencyName],
  ['Reference', (_s, a) => a.reference],
  ['Recommendation number', (_s, a) => a.recommendationNumber],
  ['Recommendation', (_s, a) => a.recommendation],
  ['Action', (_s, a) => a.title],
  ['Success measure', (_s, a) => a.successMeasure ?? ''],
  ['Status', (_s, a) => a.status],
  ['Outcome', (_s, a) => a.outcome ?? ''],
  ['RAG', (_s, a) => a.rag],
  ['Target date', (_s, a) => day(a.dueDate)],
  ['Acknowledged', (_s, a) => day(a.acknowledgedAt)],
  ['Closed', (_s, a) => day(a.closedAt)],
  ['Progress statement', (_s, a) => a.progressStatement ?? ''],
  ['Not implemented reason', (_s, a) => a.notImplementedReason ?? ''],
  ['Cancellation reason', (_s, a) => a.cancellationReason ?? ''],
  // Last, so the earlier columns keep their places for whoever reads them by position.
  ['Submitted, awaiting the board', (_s, a) => a.submittedStatement ?? ''],
  // Issue 17's slippage and impact check; main's Result and revised date stay last (issue 22's tests read them so).
  ['Extensions', (_s, a) => String(a.extensionCount)],
  ['Days slipped', (_s, a) => String(a.daysSlipped)],
  ['Agency response', (_s, a) => a.agencyResponse ?? ''],
  ['Impact check', (_s, a) => (a.assurance ? (ASSURANCE_LABEL[a.assurance] ?? a.assurance) : '')],
  ['Impact check date', (_s, a) => day(a.impactCheckOn)],
  ['Evidence of impact', (_s, a) => a.impactEvidence ?? ''],
  ['Result', (_s, a) => outcomeLabel(a)],
  ['Original target date', (_s, a) => (a.extensions.length ? day(a.extensions[0].from) : '')],
];

/** RFC 4180, and a leading ' on cells a spreadsheet would run as a formula. */
function csvCell(v: string): string {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function renderCsv(r: ProgressReport): string {
  const rows = [CSV_COLUMNS.map(([h]) => h)];
  for (const s of r.sections) for (const a of s.actions) rows.push(CSV_COLUMNS.map(([, f]) => f(s, a)));
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const CSS = `
body{font-family:Georgia,'Times New Roman',serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.3rem;border-bottom:2px solid #333;padding-bottom:.2rem;margin-top:2.5rem}
h3{font-size:1.05rem;margin:1.2rem 0 .3rem}
.action{border-left:4px solid #999;padding:.2rem .8rem;margin:.8rem 0}
.rag-green{border-color:#2e7d32}.rag-amber{border-color:#f9a825}.rag-red{border-color:#c62828}.rag-complete{border-color:#1565c0}.rag-implemented{border-color:#1565c0}.rag-not_implemented{border-color:#555;border-left-style:dashed}.rag-cancelled{border-color:#bbb;border-left-style:dotted}
dl{display:grid;grid-template-columns:11rem 1fr;gap:.15rem .8rem;margin:.3rem 0}dt{font-weight:bold}dd{margin:0}
.meta{color:#555;font-size:.9rem}
@media print{
  @page{size:A4;margin:18mm 16mm}
  body{max-width:none;margin:0;font-size:10.5pt}
  h2{break-before:page}section:first-of-type h2{break-before:avoid}
  .action{break-inside:avoid}
  a{color:inherit;text-decoration:none}
}`;

export function renderHtml(r: ProgressReport): string {
  const sections = r.sections
    .map((s) => {
      const items = s.actions
        .map((a) => {
          const rows: [string, string][] = [
            ['Recommendation', `${a.recommendationNumber}: ${a.recommendation}`],
            ...(a.successMeasure ? ([['Success measure', a.successMeasure]] as [string, string][]) : []),
            ['Status', `${STATUS_LABEL[a.status] ?? a.status} (${ragText(a)})`],
            ['Outcome', outcomeLabel(a)],
            ['Target date', day(a.dueDate) + revised(a)],
            ...a.extensions.map((x): [string, string] => [
              `Extension approved (${day(x.from)} to ${day(x.to)})`,
              `${x.reason} Interim measures: ${x.interimMeasures}`,
            ]),
            ...(a.acknowledgedAt ? ([['Acknowledged', day(a.acknowledgedAt)]] as [string, string][]) : []),
            ...(a.closedAt ? ([['Closed', day(a.closedAt)]] as [string, string][]) : []),
            ...(a.progressStatement
              ? ([[`Progress statement (${day(a.progressStatementDate)})`, a.progressStatement]] as [string, string][])
              : []),
            ...(a.submittedStatement
              ? ([[`Submitted ${day(a.submittedStatementDate)}, awaiting the board`, a.submittedStatement]] as [
                  string,
                  string,
                ][])
              : []),
            ...(a.notImplementedReason
              ? ([['Not implemented, because', a.notImplementedReason]] as [string, string][])
              : []),
            ...(a.cancellationReason ? ([['Cancelled, because', a.cancellationReason]] as [string, string][]) : []),
            ...assuranceRows(a),
          ];
          return `<div class="action rag-${esc(resultOf(a) ?? a.rag)}"><h3>${esc(a.reference)} ${esc(a.title)}</h3><dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl></div>`;
        })
        .join('\n');
      return `<section><h2>${s.number} ${esc(s.agencyName)}</h2><p>${esc(s.summary)}</p>\n${items}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(reportTitle(r))}</title><style>${CSS}</style></head>
<body><header><h1>${esc(reportTitle(r))}</h1><p>${esc(intro(r))}</p><p><strong>${esc(r.summary)}</strong></p></header>
${sections}
${r.recommendations.length ? `<section><h2>Recommendations: implemented and assured</h2><ul>${r.recommendations.map((x) => `<li>${esc(recommendationLine(x))}</li>`).join('')}</ul></section>` : ''}
<footer class="meta"><p>Generated <time datetime="${esc(r.generatedAt)}">${esc(formatDateTime(r.generatedAt))}</time> from the action-plan system.</p></footer>
</body></html>`;
}
