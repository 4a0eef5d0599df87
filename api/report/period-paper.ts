import { col, day, shownDay, type Paper, type PaperBlock } from './paper';
import type { PeriodReport } from './period';

const OUTCOME_WORDS: Record<string, string> = {
  approve: 'Approved',
  request_changes: 'Changes requested',
  close_not_implemented: 'Closed, not implemented',
};
const REASON_WORDS: Record<string, string> = {
  not_acknowledged: 'Not acknowledged',
  overdue: 'Overdue',
  stalled: 'Stalled',
  awaiting_board: 'Awaiting the board',
};
const longDay = (iso: string) =>
  new Date(iso).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** The last day inside a half-open period (to is exclusive). */
export const lastDayOf = (r: PeriodReport) => new Date(new Date(r.period.to).getTime() - 1).toISOString();

export function periodTitle(r: PeriodReport): string {
  return `Board report for the period ${longDay(r.period.from)} to ${longDay(lastDayOf(r))}`;
}

const act = (x: { reviewReference: string; reference: string; title: string }) =>
  `${x.reviewReference} ${x.reference}: ${x.title}`;

/** The section names and their tables, in the order of the meeting pack; csv and the paper share them. */
export function periodTables(r: PeriodReport): Extract<PaperBlock, { kind: 'table' }>[] {
  return [
    {
      kind: 'table',
      name: 'Decisions',
      columns: [
        col('Date', 1.3),
        col('Action', 3),
        col('Agency', 0.9),
        col('Decision', 1.8),
        col('Comment or reason', 3),
      ],
      rows: r.decisions.map((d) => [
        shownDay(d.decidedAt),
        act(d),
        d.agencyCode,
        OUTCOME_WORDS[d.outcome] ?? d.outcome,
        d.comment,
      ]),
      empty: 'No decisions in the period.',
    },
    {
      kind: 'table',
      name: 'Actions closed',
      columns: [
        col('Closed', 1.3),
        col('Action', 3),
        col('Agency', 0.9),
        col('Outcome', 1.7),
        col('Why not implemented', 3),
      ],
      rows: r.closed.map((c) => [
        shownDay(c.closedAt),
        act(c),
        c.agencyCode,
        c.outcome === 'implemented' ? 'Implemented' : 'Not implemented',
        c.reason ?? '',
      ]),
      empty: 'No actions closed in the period.',
    },
    {
      kind: 'table',
      name: 'Extensions granted',
      columns: [
        col('Granted', 1.3),
        col('Action', 2.4),
        col('Agency', 0.9),
        col('Due date moved', 1.5),
        col('Reason', 2.2),
        col('Interim measures', 2.2),
      ],
      rows: r.extensions.map((e) => [
        shownDay(e.decidedAt),
        act(e),
        e.agencyCode,
        `${shownDay(e.previousDueDate)} to ${shownDay(e.newDueDate)}`,
        e.reason,
        e.interimMeasures,
      ]),
      empty: 'No extensions granted in the period.',
    },
    {
      kind: 'table',
      name: 'Escalations',
      columns: [
        col('Raised', 1.3),
        col('Action', 3),
        col('Agency', 0.9),
        col('Level and reason', 2),
        col('How it ended', 2),
      ],
      rows: r.escalations.map((e) => [
        shownDay(e.raisedAt),
        act(e),
        e.agencyCode,
        `Level ${e.level}: ${REASON_WORDS[e.reason] ?? e.reason}`,
        e.ended,
      ]),
      empty: 'No escalations raised in the period.',
    },
    {
      kind: 'table',
      name: 'New reviews',
      columns: [col('Created', 1.3), col('Reference', 1.5), col('Title', 5)],
      rows: r.newReviews.map((n) => [shownDay(n.createdAt), n.reference, n.title]),
      empty: 'No new reviews in the period.',
    },
    {
      kind: 'table',
      name: 'New actions',
      columns: [col('Created', 1.3), col('Action', 4), col('Agency', 0.9), col('Due', 1.3)],
      rows: r.newActions.map((n) => [shownDay(n.createdAt), act(n), n.agencyCode, shownDay(n.dueDate)]),
      empty: 'No new actions in the period.',
    },
    {
      kind: 'table',
      name: 'Overdue',
      columns: [col('Action', 4), col('Agency', 0.9), col('Due', 1.3), col('Days overdue', 1), col('Escalation', 1)],
      rows: r.exceptions.overdue.map((o) => [
        act(o),
        o.agencyCode,
        shownDay(o.dueDate),
        String(o.daysOverdue),
        o.escalationLevel ? `Level ${o.escalationLevel}` : 'None',
      ]),
      empty: 'Nothing is overdue.',
    },
    {
      kind: 'table',
      name: 'Stalled',
      columns: [col('Action', 4), col('Agency', 0.9), col('Stalled since', 1.3)],
      rows: r.exceptions.stalled.map((s) => [act(s), s.agencyCode, shownDay(s.since)]),
      empty: 'Nothing is stalled.',
    },
    {
      kind: 'table',
      name: 'No update in the period',
      columns: [col('Action', 4), col('Agency', 0.9), col('Stage', 1.2), col('Last activity', 1.3)],
      rows: r.exceptions.noUpdate.map((n) => [
        act(n),
        n.agencyCode,
        n.status.replace('_', ' '),
        shownDay(n.lastActivityAt) || 'never',
      ]),
      empty: 'Every open action was updated in the period.',
    },
    {
      kind: 'table',
      name: 'Little or no progress',
      columns: [col('Agency', 3), col('Open actions', 1), col('Updated in the period', 1.4)],
      rows: r.exceptions.littleOrNoProgress.map((a) => [
        `${a.agencyCode}: ${a.agencyName}`,
        String(a.openActions),
        String(a.updated),
      ]),
      empty: 'Every agency with open actions updated at least one in the period.',
    },
  ];
}

const HEADINGS: Record<string, string> = {
  Decisions: 'Decisions taken',
  Overdue: 'Exceptions: overdue now',
  Stalled: 'Exceptions: stalled now',
  'No update in the period': 'Exceptions: no update in the period',
  'Little or no progress': 'Exceptions: agencies with little or no progress',
};

export function periodPaper(r: PeriodReport): Paper {
  const t = r.totals;
  const blocks: PaperBlock[] = [
    { kind: 'heading', level: 1, text: periodTitle(r) },
    {
      kind: 'paragraph',
      text:
        `In the period the board took ${t.decisions} decision${t.decisions === 1 ? '' : 's'} on evidence (${t.approved} approved, ${t.changesRequested} sent back for changes, ${t.notImplemented} closed as not implemented); ` +
        `${t.actionsClosed} action${t.actionsClosed === 1 ? ' was' : 's were'} closed, ${t.extensionsGranted} extension${t.extensionsGranted === 1 ? ' was' : 's were'} granted and ${t.escalationsRaised} escalation${t.escalationsRaised === 1 ? ' was' : 's were'} raised. ` +
        `${t.newReviews} new review${t.newReviews === 1 ? '' : 's'} and ${t.newActions} new action${t.newActions === 1 ? '' : 's'} were added. ` +
        `At the time of this report ${t.overdue} action${t.overdue === 1 ? ' is' : 's are'} overdue and ${t.stalled} stalled; ${t.noUpdate} open action${t.noUpdate === 1 ? ' had' : 's had'} no update in the period.`,
    },
    { kind: 'paragraph', text: `The period runs from ${r.period.from} (inclusive) to ${r.period.to} (exclusive).` },
  ];
  for (const table of periodTables(r)) {
    blocks.push({ kind: 'heading', level: 2, text: HEADINGS[table.name] ?? table.name });
    blocks.push(table);
  }
  return { title: periodTitle(r), fileName: `board-report-${day(r.period.from)}-to-${day(lastDayOf(r))}`, blocks };
}

/** RFC 4180; a leading ' on cells a spreadsheet would run as a formula. */
const csvCell = (v: string) => {
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};

const CSV_HEADER = [
  'Section',
  'Date',
  'Review',
  'Reference',
  'Action',
  'Agency',
  'What',
  'Reason or comment',
  'Interim measures',
];

/** One flat table, a row per event or exception, with the section first so a spreadsheet filter splits them. */
export function periodCsv(r: PeriodReport): string {
  const rows: string[][] = [CSV_HEADER];
  const a = (x: { reviewReference: string; reference: string; title: string; agencyCode: string }) => [
    x.reviewReference,
    x.reference,
    x.title,
    x.agencyCode,
  ];
  for (const d of r.decisions)
    rows.push(['Decision', day(d.decidedAt), ...a(d), OUTCOME_WORDS[d.outcome] ?? d.outcome, d.comment, '']);
  for (const c of r.closed)
    rows.push([
      'Closed',
      day(c.closedAt),
      ...a(c),
      c.outcome === 'implemented' ? 'Implemented' : 'Not implemented',
      c.reason ?? '',
      '',
    ]);
  for (const e of r.extensions)
    rows.push([
      'Extension granted',
      day(e.decidedAt),
      ...a(e),
      `Due ${day(e.previousDueDate)} to ${day(e.newDueDate)}`,
      e.reason,
      e.interimMeasures,
    ]);
  for (const e of r.escalations)
    rows.push([
      'Escalation',
      day(e.raisedAt),
      ...a(e),
      `Level ${e.level}: ${REASON_WORDS[e.reason] ?? e.reason}`,
      e.ended,
      '',
    ]);
  for (const n of r.newReviews) rows.push(['New review', day(n.createdAt), n.reference, '', n.title, '', '', '', '']);
  for (const n of r.newActions) rows.push(['New action', day(n.createdAt), ...a(n), `Due ${day(n.dueDate)}`, '', '']);
  for (const o of r.exceptions.overdue)
    rows.push([
      'Overdue',
      day(o.dueDate),
      ...a(o),
      `${o.daysOverdue} days overdue`,
      o.escalationLevel ? `Escalation level ${o.escalationLevel}` : '',
      '',
    ]);
  for (const s of r.exceptions.stalled) rows.push(['Stalled', day(s.since), ...a(s), 'Stalled', '', '']);
  for (const n of r.exceptions.noUpdate)
    rows.push(['No update in the period', day(n.lastActivityAt), ...a(n), n.status, '', '']);
  for (const g of r.exceptions.littleOrNoProgress)
    rows.push([
      'Little or no progress',
      '',
      '',
      '',
      g.agencyName,
      g.agencyCode,
      `${g.updated} of ${g.openActions} open actions updated`,
      '',
      '',
    ]);
  return rows.map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
