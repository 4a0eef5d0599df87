/**
 * Not done is never labelled done (issue 22, item 1): an action closed as not implemented or
 * cancelled reads as exactly that on the statement page, in every export of the statement, in
 * the badge the lists use and on the dashboard's chart, from the fixture with every outcome
 * (test/unit/fixtures/report-rows.ts).
 */
import { assembleReport } from '../../api/report/model';
import { renderCsv, renderHtml, renderMarkdown } from '../../api/report/render';
import { statementPaper } from '../../api/report/statement-paper';
import { ragBarChart, ragByAgency, ragLegend } from '../../api/web/charts';
import { html } from '../../api/web/html';
import { ragBadge } from '../../api/web/layout';
import { dashboardPage, statementPage } from '../../api/web/reports';
import { RESULT_LABEL, resultOf, ragText } from '../../domain/words';
import { NOW, REPORT_ROWS } from './fixtures/report-rows';

const report = assembleReport(REPORT_ROWS, NOW);
const rowOf = (page: string, id: string) => {
  const at = page.indexOf(`data-action-id="${id}"`);
  return page.slice(at, page.indexOf('</tr>', at));
};

describe('how a finished action ended', () => {
  it.each([
    [{ status: 'closed', outcome: 'implemented' }, 'implemented'],
    [{ status: 'closed', outcome: 'not_implemented' }, 'not_implemented'],
    [{ status: 'closed', outcome: null }, 'implemented'],
    [{ status: 'cancelled', outcome: null }, 'cancelled'],
    [{ status: 'in_progress', outcome: null }, null],
    [{ status: 'under_review', outcome: null }, null],
  ])('%j is %s', (a, result) => {
    expect(resultOf(a)).toBe(result);
  });

  it('the RAG word of a finished action is its result, never "Complete"', () => {
    expect(ragText({ rag: 'complete', status: 'closed', outcome: 'not_implemented' })).toBe('Not implemented');
    expect(ragText({ rag: 'complete', status: 'cancelled' })).toBe('Cancelled');
    expect(ragText({ rag: 'complete', status: 'closed', outcome: 'implemented' })).toBe('Implemented');
    expect(ragText({ rag: 'red', status: 'in_progress' })).toBe('Red');
  });

  it('the badge: a symbol, a word and a class of its own for each ending', () => {
    const badge = (status: string, outcome: string | null) => ragBadge('complete', { status, outcome }).value;
    expect(badge('closed', 'implemented')).toMatch(/class="rag rag-implemented".*✓.*Implemented/s);
    expect(badge('closed', 'not_implemented')).toMatch(/class="rag rag-not_implemented".*✗.*Not implemented/s);
    expect(badge('cancelled', null)).toMatch(/class="rag rag-cancelled".*–.*Cancelled/s);
    for (const b of [badge('closed', 'not_implemented'), badge('cancelled', null)]) expect(b).not.toContain('Complete');
    expect(ragBadge('amber', { status: 'in_progress' }).value).toContain('Amber');
  });
});

describe('the statement, from a fixture with every outcome', () => {
  it('the model carries the result of every action', () => {
    const results = Object.fromEntries(report.sections.flatMap((s) => s.actions).map((a) => [a.reference, a.result]));
    expect(results).toEqual({
      '1.1': 'implemented',
      '1.2': 'not_implemented',
      '1.3': null,
      '2.1': 'cancelled',
      '2.2': null,
      '2.3': null,
    });
  });

  it('the statement page: each finished row says how it ended, with the reason; none says Complete', () => {
    const page = html`${statementPage(report)}`.value;
    expect(page).not.toMatch(/Complete\b/);
    expect(rowOf(page, 'a-1')).toContain(RESULT_LABEL.implemented);
    expect(rowOf(page, 'a-2')).toContain(RESULT_LABEL.not_implemented);
    expect(rowOf(page, 'a-2')).toContain('Why not implemented:');
    expect(rowOf(page, 'a-2')).not.toContain('No accepted statement yet');
    expect(rowOf(page, 'a-4')).toContain(RESULT_LABEL.cancelled);
    expect(rowOf(page, 'a-4')).toContain('Why cancelled:</strong> Superseded by the ICB plan');
    expect(rowOf(page, 'a-4')).not.toContain('No accepted statement yet');
    expect(rowOf(page, 'a-4')).not.toContain('Implemented');
  });

  it('the summaries count cancelled actions apart from implemented ones', () => {
    expect(report.sections[1].summary).toContain('0 have been implemented');
    expect(report.sections[1].summary).toContain('1 closed as not implemented, 1 cancelled');
  });

  it('every export: HTML, Markdown, CSV and the board paper (Word, PDF, Excel) name the result', () => {
    const html = renderHtml(report);
    expect(html).toContain('<div class="action rag-not_implemented"><h3>1.2');
    expect(html).toContain('<div class="action rag-cancelled"><h3>2.1');
    expect(html).not.toContain('COMPLETE');
    expect(renderMarkdown(report)).toContain('- Status: Cancelled; outcome: Cancelled');
    const csv = renderCsv(report).split('\r\n');
    expect(csv[0].endsWith(',Result,Original target date')).toBe(true);
    expect(csv.slice(1, 7).map((r) => r.split(',').at(-2))).toEqual([
      'Implemented',
      'Open',
      'Not implemented',
      'Cancelled',
      'Open',
      'Open',
    ]);
    const paper = statementPaper(report);
    const cells = paper.blocks.flatMap((b) => (b.kind === 'table' ? b.rows.map((r) => [r[0], r[2]]) : []));
    expect(Object.fromEntries(cells)).toMatchObject({
      '1.1': 'Implemented',
      '1.2': 'Not implemented',
      '2.1': 'Cancelled',
    });
    expect(JSON.stringify(paper)).not.toContain('COMPLETE');
  });
});

describe('the dashboard', () => {
  const byAgency = [
    {
      agencyCode: 'TVP',
      agencyName: 'Thames Valley Police',
      total: 6,
      open: 3,
      overdue: 1,
      escalated: 0,
      byRag: { red: 1, amber: 1, green: 1, complete: 3 },
      byResult: { implemented: 1, not_implemented: 1, cancelled: 1 },
    },
  ];

  it('the chart has a segment, a legend entry and words for each ending', () => {
    const data = ragByAgency([{ code: 'TVP', name: 'Thames Valley Police' }], byAgency);
    expect(data[0].counts).toEqual({ red: 1, amber: 1, green: 1, implemented: 1, not_implemented: 1, cancelled: 1 });
    const chart = ragBarChart(data).value;
    expect(chart).toContain('1 implemented, 1 not implemented, 1 cancelled');
    expect(chart).not.toContain('complete');
    for (const word of ['Implemented', 'Not implemented', 'Cancelled']) expect(ragLegend.value).toContain(word);
  });

  it('tiles count implemented, not implemented and cancelled apart', () => {
    const d = {
      total: 6,
      byStatus: { assigned: 1, in_progress: 1, under_review: 1, closed: 2, cancelled: 1 },
      byRag: { red: 1, amber: 1, green: 1, complete: 3 },
      byResult: { implemented: 1, not_implemented: 1, cancelled: 1 },
      byAgency,
      overdue: [],
      awaitingSignOff: [],
      openEscalations: [],
      impact: {
        impactEvidenceDue: 0,
        impactEvidenceWithBoard: 0,
        impactCheckScheduled: 0,
        impactEvidenced: 0,
        notEmbedded: 0,
        impactWaived: 0,
      },
    };
    const page = html`${dashboardPage([{ code: 'TVP', name: 'Thames Valley Police' }], d as never, [], 'board')}`.value;
    for (const tile of ['Implemented', 'Closed as not implemented', 'Cancelled']) expect(page).toContain(tile);
    expect(page).not.toMatch(/>Complete</);
  });
});
