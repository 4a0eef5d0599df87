/**
 * The agency progress statement from fixture rows (test/unit/fixtures/report-rows.ts): the model's
 * sections, summaries and totals (api/report/model.ts assembleReport), and its Markdown, CSV and
 * HTML renderings (api/report/render.ts).
 */
import { assembleReport, byReference, type ProgressReport } from '../../api/report/model';
import { html } from '../../api/web/html';
import { statementPage } from '../../api/web/reports';
import { renderCsv, renderHtml, renderMarkdown, reportTitle } from '../../api/report/render';
import { NOW, REPORT_ROWS } from './fixtures/report-rows';

const report = assembleReport(REPORT_ROWS, NOW);
const action = (r: ProgressReport, ref: string) =>
  r.sections.flatMap((s) => s.actions).find((a) => a.reference === ref)!;

describe('the report model', () => {
  it('one section per agency, in the order the plan first names them, named from the agencies table', () => {
    expect(
      report.sections.map((s) => [s.number, s.agencyCode, s.agencyName, s.actions.map((a) => a.reference)]),
    ).toEqual([
      [1, 'BSCB', 'Safeguarding Children Board', ['1.1', '1.3']],
      [2, 'TVP', 'Thames Valley Police', ['1.2', '2.1', '2.2', '2.3']],
    ]);
  });

  it('an agency missing from the agencies table keeps the name on the action', () => {
    const r = assembleReport({ ...REPORT_ROWS, agencies: [] }, NOW);
    expect(r.sections.map((s) => s.agencyName)).toEqual(['BSCB (name on the action)', 'TVP (name on the action)']);
  });

  it('totals: open counts assigned, in progress and under review; overdue leaves out what the board holds', () => {
    expect(report.totals).toEqual({
      actions: 6,
      implemented: 1,
      notImplemented: 1,
      open: 3,
      cancelled: 1,
      overdue: 1,
      evidenced: 0,
      awaitingImpact: 0,
      notEmbedded: 0,
    });
    expect(report.generatedAt).toBe('2027-02-15T12:00:00.000Z');
    expect(report.review).toEqual({
      id: 'rev-1',
      reference: 'SCR-P',
      title: 'Serious Case Review: Child P',
      publishedOn: '2026-06-01',
      status: 'active',
    });
  });

  it('summaries in words, singular and plural', () => {
    expect(report.sections[0].summary).toBe(
      'Safeguarding Children Board owns 2 actions in this plan. 1 has been implemented and signed off by the board; 1 remains open (1 past the target date).',
    );
    expect(report.sections[1].summary).toBe(
      'Thames Valley Police owns 4 actions in this plan. 0 have been implemented and signed off by the board, 1 closed as not implemented, 1 cancelled; 2 remain open.',
    );
    const one = assembleReport({ ...REPORT_ROWS, acts: REPORT_ROWS.acts.filter((a) => a.id === 'a-3') }, NOW);
    expect(one.sections[0].summary).toBe(
      'Safeguarding Children Board owns 1 action in this plan. 0 have been implemented and signed off by the board; 1 remains open (1 past the target date).',
    );
    const done = assembleReport({ ...REPORT_ROWS, acts: REPORT_ROWS.acts.filter((a) => a.id === 'a-1') }, NOW);
    expect(done.sections[0].summary).toBe(
      'Safeguarding Children Board owns 1 action in this plan. 1 has been implemented and signed off by the board; 0 remain open.',
    );
  });

  it('an action due exactly now is not yet past its date', () => {
    const r = assembleReport({ ...REPORT_ROWS, acts: [{ ...REPORT_ROWS.acts[2], dueDate: NOW.toISOString() }] }, NOW);
    expect(r.totals.overdue).toBe(0);
    expect(r.sections[0].summary).toBe(
      'Safeguarding Children Board owns 1 action in this plan. 0 have been implemented and signed off by the board; 1 remains open.',
    );
  });

  it('the newest accepted statement, the latest reason for not implementing, the cancellation reason from its own audit event', () => {
    expect(action(report, '1.1')).toEqual({
      actionId: 'a-1',
      reference: '1.1',
      recommendationNumber: '1',
      recommendation: 'Agencies must escalate concerns about <neglect> promptly.',
      title: 'Refresh the escalation policy',
      successMeasure: 'Policy published; audit shows use',
      status: 'closed',
      outcome: 'implemented',
      result: 'implemented',
      rag: 'complete',
      dueDate: '2027-01-31T00:00:00.000Z',
      dueOn: '2027-01-31',
      acknowledgedAt: '2026-07-01T09:00:00.000Z',
      closedAt: '2027-01-20T16:00:00.000Z',
      progressStatement: 'Published in May, "audited" in June.',
      progressStatementDate: '2027-01-10T08:00:00.000Z',
      submittedStatement: null,
      submittedStatementDate: null,
      notImplementedReason: null,
      cancellationReason: null,
      originalDueOn: '2027-01-31',
      extensionCount: 0,
      daysSlipped: 0,
      agencyResponse: null,
      agencyResponseDate: null,
      assurance: null,
      impactCheckOn: null,
      impactEvidence: null,
      impactDecisionComment: null,
      extensions: [],
    });
    expect(action(report, '1.2')).toMatchObject({
      notImplementedReason: 'The training budget went to the merger.',
      cancellationReason: null,
      progressStatement: null,
      progressStatementDate: null,
    });
    expect(action(report, '2.1')).toMatchObject({
      cancellationReason: 'Superseded by the ICB plan',
      notImplementedReason: null,
      recommendation: 'Thresholds should be understood by every agency.',
    });
    expect(action(report, '2.3')).toMatchObject({
      cancellationReason: null,
      notImplementedReason: null,
      progressStatement: null,
    });
  });

  it('a cancellation without a written reason, or an unknown recommendation, leaves the field empty', () => {
    const r = assembleReport(
      {
        ...REPORT_ROWS,
        auditEvents: [{ actionId: 'a-4', type: 'cancelled', payload: { reason: 42 } }],
        review: { ...REPORT_ROWS.review, recommendations: [] },
      },
      NOW,
    );
    expect(action(r, '2.1').cancellationReason).toBeNull();
    expect(action(r, '2.1').recommendation).toBe('');
  });
});

describe('rendering', () => {
  it('the title names the review and the month it was generated', () => {
    expect(reportTitle(report)).toBe(
      'Serious Case Review: Child P: agency progress against action plan recommendations, February 2027',
    );
  });

  it('Markdown: a numbered section per agency, each action with its facts, Markdown characters escaped', () => {
    const md = renderMarkdown(report).split('\n');
    expect(md[0]).toBe(
      '# Serious Case Review: Child P: agency progress against action plan recommendations, February 2027',
    );
    expect(md[2]).toBe(
      'Alongside the Serious Case Review: Child P (SCR-P), the board publishes the following statements of the progress made by the agencies involved on the recommendations of its action plan. ' +
        'Of 6 actions, 1 have been implemented, 1 closed as not implemented, 1 cancelled and 3 remain open.',
    );
    const at = (line: string) => md.indexOf(line);
    expect(at('## 1 Safeguarding Children Board')).toBeGreaterThan(0);
    expect(at('## 2 Thames Valley Police')).toBeGreaterThan(at('## 1 Safeguarding Children Board'));
    const first = md.slice(at('### 1.1 Refresh the escalation policy'), at('### 1.3 Audit midwifery referrals'));
    expect(first).toEqual([
      '### 1.1 Refresh the escalation policy',
      '',
      '- Recommendation 1: Agencies must escalate concerns about \\<neglect\\> promptly.',
      '- Success measure: Policy published; audit shows use',
      '- Status: Closed; outcome: Implemented',
      '- Target date: 31 January 2027; acknowledged 1 July 2026; closed 20 January 2027',
      '- Progress statement (accepted 10 January 2027): Published in May, "audited" in June.',
      '',
    ]);
    expect(md).toContain('- Status: Closed; outcome: Not implemented');
    expect(md).toContain('- Not implemented, because: The training budget went to the merger.');
    expect(md).toContain('### 2.1 Publish thresholds, \\*revised\\* \\| v2');
    expect(md).toContain('- Status: Cancelled; outcome: Cancelled');
    expect(md).toContain('- Cancelled, because: Superseded by the ICB plan');
    expect(md).toContain('- Status: Evidence with the board; outcome: Open');
    expect(md).toContain('- Status: Assigned, not yet acknowledged; outcome: Open');
    expect(md).toContain('- Target date: 31 March 2027');
    expect(md.at(-2)).toBe('_Generated Monday 15 February 2027 at 12:00pm from the action-plan system._');
  });

  it('CSV: one row per action, RFC 4180 quoting, formulas defused', () => {
    const rows = renderCsv(report).split('\r\n');
    expect(rows).toHaveLength(1 + 6 + 1);
    expect(rows.at(-1)).toBe('');
    expect(rows[0]).toBe(
      'Agency code,Agency,Reference,Recommendation number,Recommendation,Action,Success measure,Status,Outcome,RAG,Target date,Acknowledged,Closed,Progress statement,Not implemented reason,Cancellation reason,"Submitted, awaiting the board",Extensions,Days slipped,Agency response,Impact check,Impact check date,Evidence of impact,Result,Original target date',
    );
    expect(rows[1]).toBe(
      'BSCB,Safeguarding Children Board,1.1,1,Agencies must escalate concerns about <neglect> promptly.,Refresh the escalation policy,Policy published; audit shows use,closed,implemented,complete,31 January 2027,1 July 2026,20 January 2027,"Published in May, ""audited"" in June.",,,,0,0,,,,,Implemented,',
    );
    expect(rows[4]).toBe(
      'TVP,Thames Valley Police,2.1,2,Thresholds should be understood by every agency.,"Publish thresholds, *revised* | v2",,cancelled,,complete,31 March 2027,,1 December 2026,,,Superseded by the ICB plan,,0,0,,,,,Cancelled,',
    );
    expect(rows[6]).toContain(`,"'=HYPERLINK(""x"") training",`);
  });

  it.each(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'])('a cell starting %j is defused', (title) => {
    const r = assembleReport({ ...REPORT_ROWS, acts: [{ ...REPORT_ROWS.acts[5], title }] }, NOW);
    const cell = renderCsv(r).split('\r\n')[1].split(',')[5];
    expect(cell).toBe(title.includes('\r') ? `"'${title}"` : `'${title}`);
  });

  it('HTML: a printable page, everything escaped, the RAG as a class', () => {
    const html = renderHtml(report);
    expect(html.startsWith('<!doctype html>\n<html lang="en-GB">')).toBe(true);
    expect(html).toContain(
      '<title>Serious Case Review: Child P: agency progress against action plan recommendations, February 2027</title>',
    );
    expect(html).toContain(
      '<section><h2>1 Safeguarding Children Board</h2><p>Safeguarding Children Board owns 2 actions in this plan.',
    );
    expect(html).toContain(
      '<div class="action rag-implemented"><h3>1.1 Refresh the escalation policy</h3><dl>' +
        '<dt>Recommendation</dt><dd>1: Agencies must escalate concerns about &lt;neglect&gt; promptly.</dd>' +
        '<dt>Success measure</dt><dd>Policy published; audit shows use</dd>' +
        '<dt>Status</dt><dd>Closed (Implemented)</dd><dt>Outcome</dt><dd>Implemented</dd>' +
        '<dt>Target date</dt><dd>31 January 2027</dd><dt>Acknowledged</dt><dd>1 July 2026</dd><dt>Closed</dt><dd>20 January 2027</dd>' +
        '<dt>Progress statement (10 January 2027)</dt><dd>Published in May, &quot;audited&quot; in June.</dd></dl></div>',
    );
    expect(html).toContain('<div class="action rag-red"><h3>1.3 Audit midwifery referrals</h3>');
    expect(html).toContain('<dt>Not implemented, because</dt><dd>The training budget went to the merger.</dd>');
    expect(html).toContain('<dt>Cancelled, because</dt><dd>Superseded by the ICB plan</dd>');
    expect(html).toContain('<dt>Status</dt><dd>Evidence with the board (Red)</dd>');
    expect(html).not.toContain('<neglect>');
    expect(html).toContain(
      '<footer class="meta"><p>Generated <time datetime="2027-02-15T12:00:00.000Z">Monday 15 February 2027 at 12:00pm</time> from the action-plan system.</p></footer>',
    );
  });

  it('a review the board withdrew says so (issue 22), and one that was not does not', () => {
    const withdrawn = assembleReport({ ...REPORT_ROWS, review: { ...REPORT_ROWS.review, status: 'withdrawn' } }, NOW);
    expect(renderMarkdown(withdrawn)).toContain('The board withdrew this review; its open actions were cancelled.');
    expect(renderMarkdown(assembleReport(REPORT_ROWS, NOW))).not.toContain('withdrew');
  });

  it('an unknown status is shown as stored', () => {
    const r = assembleReport({ ...REPORT_ROWS, acts: [{ ...REPORT_ROWS.acts[5], status: 'paused' as never }] }, NOW);
    expect(renderMarkdown(r)).toContain('- Status: paused; outcome: Open');
    expect(renderHtml(r)).toContain('<dt>Status</dt><dd>paused (Amber)</dd>');
  });
});

describe('ready to publish (issue 22)', () => {
  const extended = assembleReport(
    {
      ...REPORT_ROWS,
      // As the query gives them: by due date, not by reference.
      acts: [...REPORT_ROWS.acts].reverse(),
      extensions: [
        {
          actionId: 'a-3',
          previousDueDate: new Date('2027-01-31T23:59:59.999Z'),
          newDueDate: new Date('2027-04-30T22:59:59.999Z'),
          reason: 'The audit lead was off sick',
          interimMeasures: 'Weekly case checks by the named midwife',
        },
      ],
    },
    NOW,
  );

  it('actions by reference within each agency, whatever order they came in; 1.10 after 1.9', () => {
    expect(extended.sections.map((s) => s.actions.map((a) => a.reference))).toEqual([
      ['1.1', '1.3'],
      ['1.2', '2.1', '2.2', '2.3'],
    ]);
    const refs = ['1.10', '1.9', '2.1', '1.2'].map((reference) => ({ reference }));
    expect(refs.sort(byReference).map((r) => r.reference)).toEqual(['1.2', '1.9', '1.10', '2.1']);
  });

  it('a summary line overall and the counts per agency', () => {
    expect(extended.summary).toBe(
      '6 actions across 2 agencies: 1 implemented, 1 not implemented, 1 cancelled, 3 open (1 past the target date).',
    );
    expect(extended.sections.map((s) => s.counts)).toEqual([
      { actions: 2, implemented: 1, notImplemented: 0, cancelled: 0, open: 1, overdue: 1 },
      { actions: 4, implemented: 0, notImplemented: 1, cancelled: 1, open: 2, overdue: 0 },
    ]);
  });

  it('a revised date is shown with the original, the reason and the interim measures, in every format', () => {
    const a = extended.sections[0].actions[1];
    expect(a.extensions).toEqual([
      {
        from: '2027-01-31T23:59:59.999Z',
        to: '2027-04-30T22:59:59.999Z',
        reason: 'The audit lead was off sick',
        interimMeasures: 'Weekly case checks by the named midwife',
      },
    ]);
    const md = renderMarkdown(extended);
    expect(md).toContain('(revised from 31 January 2027)');
    expect(md).toContain(
      '- Extension approved: 31 January 2027 to 30 April 2027, because: The audit lead was off sick; interim measures: Weekly case checks by the named midwife',
    );
    expect(renderHtml(extended)).toContain('Weekly case checks by the named midwife');
    expect(renderCsv(extended).split('\r\n')[2].endsWith(',31 January 2027')).toBe(true);
    const page = html`${statementPage(extended)}`.value;
    expect(page).toContain('(revised from 31 January 2027)');
    expect(page).toContain('Weekly case checks by the named midwife');
    expect(page).toContain(extended.summary);
    expect(page).toMatch(/<th scope="row">All agencies<\/th>\s*<td data-label="Actions">6<\/td>/);
    // One column layout for every agency's table.
    expect(page.match(/<colgroup>/g)).toHaveLength(2);
  });
});

describe('issue 17 on the statement', () => {
  const base = REPORT_ROWS.acts[0];
  const rows = {
    ...REPORT_ROWS,
    acts: [
      { ...base, assurance: 'evidenced' as const, extensionCount: 2, daysSlipped: 40, originalDueOn: '2026-12-22' },
      {
        ...REPORT_ROWS.acts[1],
        id: 'a-x',
        reference: '1.3',
        status: 'closed' as const,
        outcome: 'implemented' as const,
        assurance: 'due' as const,
        impactCheckOn: '2027-07-20',
      },
    ],
    impactEvidence: new Map([
      [base.id, { statement: 'Audit: 19 of 20 referrals right', method: 'audit', submittedAt: '2027-02-01T00:00:00Z' }],
    ]),
  };
  const r = assembleReport(rows, NOW);
  it('counts evidenced and awaited impact, and says so in the agency summary and the intro', () => {
    expect(r.totals).toMatchObject({ evidenced: 1, awaitingImpact: 1, notEmbedded: 0 });
    const summaries = r.sections.map((x) => x.summary).join(' ');
    expect(summaries).toContain('Of the implemented actions, 1 has evidence of impact.');
    expect(summaries).toContain('Of the implemented actions, 0 have evidence of impact, 1 is awaiting it.');
    expect(renderMarkdown(r)).toContain('1 has evidence that the learning is embedded, 1 is awaiting it');
  });
  it('carries slippage, the evidence summary and the per-recommendation implemented/assured line', () => {
    const md = renderMarkdown(r);
    expect(md).toContain('- Slippage: originally due 22 December 2026; 2 extensions; 40 days slipped');
    expect(md).toContain('- Evidence of impact: Audit: 19 of 20 referrals right');
    expect(md).toContain('Impact evidence due (check date 20 July 2027)');
    expect(r.recommendations[0]).toMatchObject({ implemented: true, assured: false, awaitingImpact: 1 });
    expect(md).toContain('Recommendation 1: implemented; awaiting evidence of impact (1)');
    const html = renderHtml(r);
    expect(html).toContain('<dt>Evidence of impact</dt><dd>Audit: 19 of 20 referrals right</dd>');
  });
  it('a recommendation is assured once every check is evidenced or waived', () => {
    const assured = assembleReport({ ...rows, acts: [rows.acts[0]] }, NOW);
    expect(assured.recommendations[0]).toMatchObject({ implemented: true, assured: true });
  });
});
