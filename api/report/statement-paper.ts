import { RESULT_LABEL, ragText, resultOf } from '../../domain/words';
import { STATUS_LABEL, type ProgressReport, type ReportAction } from './model';
import { col, shownDay, safeFileName, type Paper, type PaperBlock } from './paper';
import { reportTitle } from './render';

const outcomeLabel = (a: ReportAction) => {
  const result = resultOf(a);
  return result ? RESULT_LABEL[result] : 'Open';
};

function progressText(a: ReportAction): string {
  const parts: string[] = [];
  if (a.progressStatement) parts.push(`${a.progressStatement} (accepted ${shownDay(a.progressStatementDate)})`);
  for (const x of a.extensions)
    parts.push(
      `Extension approved from ${shownDay(x.from)} to ${shownDay(x.to)}, because: ${x.reason} Interim measures: ${x.interimMeasures}`,
    );
  if (a.notImplementedReason) parts.push(`Not implemented, because: ${a.notImplementedReason}`);
  if (a.cancellationReason) parts.push(`Cancelled, because: ${a.cancellationReason}`);
  return parts.join('\n') || 'No accepted statement yet';
}

/** The progress statement as a board paper: an introduction, then a heading and a table per agency. */
export function statementPaper(r: ProgressReport): Paper {
  const blocks: PaperBlock[] = [
    { kind: 'heading', level: 1, text: reportTitle(r) },
    {
      kind: 'paragraph',
      text:
        `Alongside the ${r.review.title} (${r.review.reference}), the board publishes the following statements of the progress made by the agencies involved on the recommendations of its action plan. ` +
        `Of ${r.totals.actions} actions, ${r.totals.implemented} have been implemented, ${r.totals.notImplemented} closed as not implemented, ${r.totals.cancelled} cancelled and ${r.totals.open} remain open` +
        (r.totals.overdue ? ` (${r.totals.overdue} past the target date).` : '.'),
    },
  ];
  blocks.push({ kind: 'paragraph', text: r.summary });
  for (const s of r.sections) {
    blocks.push({ kind: 'heading', level: 2, text: `${s.number} ${s.agencyName}` });
    blocks.push({ kind: 'paragraph', text: s.summary });
    blocks.push({
      kind: 'table',
      name: s.agencyCode,
      columns: [
        col('Ref.', 0.6),
        col('Recommendation and action', 3),
        col('Status', 1.3),
        col('Target date', 1.3),
        col('Progress', 3.2),
      ],
      rows: s.actions.map((a) => [
        a.reference,
        `Recommendation ${a.recommendationNumber}: ${a.recommendation}\nAction: ${a.title}${a.successMeasure ? `\nSuccess measure: ${a.successMeasure}` : ''}`,
        resultOf(a) ? outcomeLabel(a) : `${STATUS_LABEL[a.status] ?? a.status} (${ragText(a)})`,
        shownDay(a.dueDate) +
          (a.extensions.length ? `\n(revised from ${shownDay(a.extensions[0].from)})` : '') +
          (a.closedAt ? `\nclosed ${shownDay(a.closedAt)}` : ''),
        progressText(a),
      ]),
    });
  }
  if (!r.sections.length) blocks.push({ kind: 'paragraph', text: 'No actions.' });
  return { title: reportTitle(r), fileName: `${safeFileName(r.review.reference)}-progress`, blocks };
}
