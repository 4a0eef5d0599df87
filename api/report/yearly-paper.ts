import { col, day, shownDay, type Paper } from './paper';
import { ACTION_STATUSES } from '../../db/schema';
import type { YearlyExtract } from './yearly';

const longDay = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const STATUS_WORDS: Record<string, string> = {
  assigned: 'Assigned',
  in_progress: 'In progress',
  under_review: 'With the board',
  closed: 'Closed',
  cancelled: 'Cancelled',
};

export function yearlyPaper(y: YearlyExtract): Paper {
  const last = new Date(new Date(y.period.to).getTime() - 1).toISOString();
  const title = `Yearly report extract: ${longDay(y.period.from)} to ${longDay(last)}`;
  const pct = y.shareClosedOnTime === null ? 'n/a' : `${Math.round(y.shareClosedOnTime * 100)}%`;
  return {
    title,
    fileName: `yearly-extract-${day(y.period.from)}-to-${day(last)}`,
    blocks: [
      { kind: 'heading', level: 1, text: title },
      {
        kind: 'table',
        name: 'Figures',
        columns: [col('Figure', 3), col('Value', 1)],
        rows: [
          ['Reviews carried', String(y.reviewsCarried.length)],
          ['Actions closed in the year', String(y.closedInYear)],
          ['Closed by the original due date', String(y.closedOnTime)],
          ['Share closed on time', pct],
          [
            'Average slippage (days after the original due date)',
            y.averageSlippageDays === null ? 'n/a' : String(y.averageSlippageDays),
          ],
          ['Closed as not implemented', String(y.notImplemented.length)],
          ['Escalations to the chair', String(y.chairEscalations.length)],
        ],
      },
      { kind: 'heading', level: 2, text: 'Reviews carried' },
      {
        kind: 'table',
        name: 'Reviews',
        columns: [
          col('Reference', 1.4),
          col('Title', 3),
          col('Started', 1.2),
          col('Actions', 0.9),
          col('Closed in year', 1),
          col('Open at year end', 1),
        ],
        rows: y.reviewsCarried.map((r) => [
          r.reference,
          r.title,
          shownDay(r.createdAt),
          String(r.actions),
          String(r.closedInYear),
          String(r.openAtEnd),
        ]),
        empty: 'No reviews in the year.',
      },
      { kind: 'heading', level: 2, text: 'Actions by status and agency' },
      {
        kind: 'table',
        name: 'By agency',
        columns: [col('Agency', 2.5), ...ACTION_STATUSES.map((s) => col(STATUS_WORDS[s], 1)), col('Total', 0.8)],
        rows: y.byAgency.map((a) => [
          `${a.agencyCode}: ${a.agencyName}`,
          ...ACTION_STATUSES.map((s) => String(a[s])),
          String(a.total),
        ]),
        empty: 'No actions in the year.',
      },
      { kind: 'heading', level: 2, text: 'Closed as not implemented, with the reasons' },
      {
        kind: 'table',
        name: 'Not implemented',
        columns: [col('Decided', 1.2), col('Action', 3), col('Agency', 0.9), col('Reason', 4)],
        rows: y.notImplemented.map((n) => [
          shownDay(n.decidedAt),
          `${n.reviewReference} ${n.reference}: ${n.title}`,
          n.agencyCode,
          n.reason,
        ]),
        empty: 'No action was closed as not implemented.',
      },
      { kind: 'heading', level: 2, text: "Escalations to the board's chair" },
      {
        kind: 'table',
        name: 'Chair escalations',
        columns: [col('Raised', 1.2), col('Action', 3), col('Agency', 0.9), col('Reason', 1.5), col('Resolved', 1.2)],
        rows: y.chairEscalations.map((c) => [
          shownDay(c.raisedAt),
          `${c.reviewReference} ${c.reference}: ${c.title}`,
          c.agencyCode,
          c.reason.replace('_', ' '),
          shownDay(c.resolvedAt) || `open (${c.status.replace('_', ' ')})`,
        ]),
        empty: 'No escalation reached the chair.',
      },
    ],
  };
}
