import type { dashboard } from '../queries/dashboard';
import type { ProgressReport, ReportAction } from '../report/model';
import { stageText } from '../../domain/words';
import {
  CHART_LABEL,
  RAG_ORDER,
  chartFilterHref,
  overdueChart,
  ragBarChart,
  ragByAgency,
  ragLegend,
  type OverduePoint,
} from './charts';
import { fmtDate, html, type Part } from './html';
import { ragBadge, ragKey } from './layout';

type Dashboard = Awaited<ReturnType<typeof dashboard>>;

export function dashboardPage(
  agencyList: { code: string; name: string }[],
  d: Dashboard,
  points: OverduePoint[],
  role: string,
): Part {
  const open = d.byStatus.assigned + d.byStatus.in_progress + d.byStatus.under_review;
  const overdue = d.byAgency.reduce((n, a) => n + a.overdue, 0);
  const escalated = d.byAgency.reduce((n, a) => n + a.escalated, 0);
  const cards: [string, number, string?][] = [
    ['Open actions', open],
    ['Overdue', overdue, '/actions?overdue=true'],
    ['Awaiting sign-off', d.byStatus.under_review, role === 'agency' ? undefined : '/'],
    ['Escalated', escalated],
    ['Implemented', d.byResult.implemented, '/actions?result=implemented'],
    ['Closed as not implemented', d.byResult.not_implemented, '/actions?result=not_implemented'],
    ['Cancelled', d.byResult.cancelled, '/actions?result=cancelled'],
    // Issue 17: closed is not the same as embedded.
    ['Impact evidence due', d.impact.impactEvidenceDue, '/actions?assurance=due'],
    ['Not embedded', d.impact.notEmbedded, '/actions?assurance=not_embedded'],
    ['Impact evidenced', d.impact.impactEvidenced, '/actions?assurance=evidenced'],
  ];
  const agenciesShown =
    role === 'agency' ? agencyList.filter((a) => d.byAgency.some((b) => b.agencyCode === a.code)) : agencyList;
  const rag = ragByAgency(agenciesShown, d.byAgency);
  return html`<h1>Dashboard</h1>
    <ul class="cards">
      ${cards.map(([label, n, href]) => html`<li>${href ? html`<a href="${href}"><strong>${n}</strong>${label}</a>` : html`<strong>${n}</strong>${label}`}</li>`)}
    </ul>
    <div class="charts">
      <figure>
        <figcaption>RAG by agency</figcaption>
        ${ragBarChart(rag)}${ragLegend}
        <p class="hint">Choose a bar, or a number below, to see those actions.</p>
        ${ragKey}
        <details open>
          <summary>The numbers</summary>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Agency</th>
                  ${RAG_ORDER.map((k) => html`<th scope="col">${CHART_LABEL[k]}</th>`)}
                </tr>
              </thead>
              <tbody>
                ${rag.map(
                  (r) =>
                    html`<tr>
                      <th scope="row">${r.code}</th>
                      ${RAG_ORDER.map(
                        (k) =>
                          html`<td>
                            ${
                              r.counts[k]
                                ? html`<a href="${chartFilterHref(r.code, k)}"
                                    >${r.counts[k]}<span class="visually-hidden">
                                      ${CHART_LABEL[k]} for ${r.code}</span
                                    ></a
                                  >`
                                : '0'
                            }
                          </td>`,
                      )}
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </details>
      </figure>
      <figure>
        <figcaption>Overdue actions, last 12 weeks</figcaption>
        ${overdueChart(points)}
        <details>
          <summary>The numbers</summary>
          <ul>
            ${points.map((p) => html`<li>${fmtDate(p.at)}: ${p.overdue}</li>`)}
          </ul>
        </details>
      </figure>
    </div>
    ${
      d.overdue.length
        ? html`<h2>Overdue now</h2>
            <div class="table-wrap">
              <table class="responsive">
                <thead>
                  <tr>
                    <th scope="col">Action</th>
                    <th scope="col">Agency</th>
                    <th scope="col">Due</th>
                    <th scope="col">Escalation</th>
                  </tr>
                </thead>
                <tbody>
                  ${d.overdue.map(
                    (a) =>
                      html`<tr>
                        <td data-label="Action">
                          <a href="/actions/${a.id}">${a.reviewReference} ${a.reference}</a> ${a.title}
                        </td>
                        <td data-label="Agency">${a.agencyCode}</td>
                        <td data-label="Due">${fmtDate(a.dueDate)}</td>
                        <td data-label="Escalation">${a.escalationLevel ? `Level ${a.escalationLevel}` : 'None'}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>
            ${overdue > d.overdue.length ? html`<p><a href="/actions?overdue=true">All ${overdue} overdue actions</a></p>` : ''}`
        : ''
    }`;
}

export function reviewsPage(
  list: {
    id: string;
    reference: string;
    title: string;
    actionCount: number;
    finishedCount: number;
    implementedCount: number;
    notImplementedCount: number;
    cancelledCount: number;
    status?: string;
  }[],
  role: string,
): Part {
  const board = role === 'board' || role === 'admin';
  return html`<h1>Reviews</h1>
    ${board ? html`<p><a class="button" href="/reviews/new">Import a review</a></p>` : ''}
    ${
      list.length
        ? html`<div class="table-wrap">
            <table class="responsive">
              <thead>
                <tr>
                  <th scope="col">Review</th>
                  <th scope="col">Actions finished</th>
                  <th scope="col">Progress statement</th>
                </tr>
              </thead>
              <tbody>
                ${list.map(
                  (r) =>
                    html`<tr>
                      <td data-label="Review">
                        <a href="/reviews/${r.id}"><strong>${r.reference}</strong></a> ${r.title}${
                          r.status === 'withdrawn' ? html` <strong class="muted">(withdrawn by the board)</strong>` : ''
                        }
                      </td>
                      <td data-label="Finished">${finishedText(r)}</td>
                      <td data-label="Statement">
                        <a href="/reviews/${r.id}/statement">Progress statement for ${r.reference}</a>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : html`<p>
            No reviews
            yet.${board ? html` <a href="/reviews/new">Import one from its action-plan spreadsheet</a>, or create it through the API (<a href="/docs">API documentation</a>).` : ''}
          </p>`
    }`;
}

/** "3 of 8: 2 implemented, 1 cancelled": how many finished, and never a cancelled one counted as done. */
function finishedText(r: {
  actionCount: number;
  finishedCount: number;
  implementedCount: number;
  notImplementedCount: number;
  cancelledCount: number;
}): string {
  const parts = [
    r.implementedCount ? `${r.implementedCount} implemented` : '',
    r.notImplementedCount ? `${r.notImplementedCount} not implemented` : '',
    r.cancelledCount ? `${r.cancelledCount} cancelled` : '',
  ].filter(Boolean);
  return `${r.finishedCount} of ${r.actionCount}${parts.length ? `: ${parts.join(', ')}` : ''}`;
}

/** The status column: the outcome once closed, otherwise the stage. */
const statusText = (a: ReportAction) =>
  a.result ? (a.closedAt ? `Since ${fmtDate(a.closedAt)}` : '') : stageText(a.status, a.outcome, false);

/** What the statement says of the action's progress: only accepted evidence reads as done. */
function progressCell(a: ReportAction): Part {
  const said = Boolean(a.progressStatement || a.submittedStatement);
  return html`${a.progressStatement ? html`${a.progressStatement}<br /><span class="muted">Accepted by the board ${fmtDate(a.progressStatementDate)}</span>` : ''}
  ${a.submittedStatement ? html`<p class="submitted"><strong>Submitted, awaiting the board</strong> (${fmtDate(a.submittedStatementDate)}): ${a.submittedStatement}</p>` : ''}
  ${!a.progressStatement && !a.submittedStatement && !a.notImplementedReason && !a.cancellationReason ? html`<span class="muted">No accepted statement yet</span>` : ''}
  ${a.extensions.map((x) => html`<p class="muted"><strong>Extension approved</strong> from ${fmtDate(x.from)} to ${fmtDate(x.to)}: ${x.reason} <em>Interim measures:</em> ${x.interimMeasures}</p>`)}
  ${a.notImplementedReason ? html`${said ? html`<br />` : ''}<strong>Why not implemented:</strong> ${a.notImplementedReason}` : ''}
  ${a.cancellationReason ? html`${said ? html`<br />` : ''}<strong>Why cancelled:</strong> ${a.cancellationReason}` : ''}`;
}

/** The summary at the top: one line per agency and one over all of them, the same figures as each section's words. */
function summaryTable(r: ProgressReport): Part {
  const row = (name: Part, c: ProgressReport['sections'][number]['counts'], total = false) =>
    html`<tr${total ? html` class="total"` : ''}>
      <th scope="row">${name}</th>
      <td data-label="Actions">${c.actions}</td>
      <td data-label="Implemented">${c.implemented}</td>
      <td data-label="Not implemented">${c.notImplemented}</td>
      <td data-label="Cancelled">${c.cancelled}</td>
      <td data-label="Open">${c.open}${c.overdue ? html` (${c.overdue} overdue)` : ''}</td>
    </tr>`;
  return html`<h2 id="summary-h">Summary</h2>
    <p>${r.summary}</p>
    <div class="table-wrap">
      <table class="responsive summary" aria-labelledby="summary-h">
        <thead>
          <tr>
            <th scope="col">Agency</th>
            <th scope="col">Actions</th>
            <th scope="col">Implemented</th>
            <th scope="col">Not implemented</th>
            <th scope="col">Cancelled</th>
            <th scope="col">Open</th>
          </tr>
        </thead>
        <tbody>
          ${r.sections.map((s) => row(html`<a href="#ag-${s.agencyCode}">${s.agencyName}</a>`, s.counts))}
          ${row('All agencies', r.totals, true)}
        </tbody>
      </table>
    </div>`;
}

/**
 * The agency progress statement, one section per agency as in the published Baby M example.
 * Rendered from the report model, the same one GET /api/v1/reviews/:id/report serves.
 */
export function statementPage(r: ProgressReport): Part {
  return html`<p class="no-print">
      <a href="/reviews">&larr; Reviews</a> · <button type="button" class="link" data-print>Print</button>
      <script src="/assets/print.js" defer></script>
    </p>
    <h1>${r.review.reference}: ${r.review.title}</h1>
    <p>
      Agency statements of progress against the action
      plan${r.review.publishedOn ? html` (review published ${fmtDate(r.review.publishedOn)})` : ''}. Generated
      ${fmtDate(r.generatedAt)}.
    </p>
    ${r.review.status === 'withdrawn' ? html`<p><strong>The board withdrew this review; its open actions were cancelled.</strong></p>` : ''}
    ${r.sections.length ? html`${summaryTable(r)}${ragKey}` : ''}
    ${r.sections.map(
      (s) =>
        html`<section aria-labelledby="ag-${s.agencyCode}">
          <h2 id="ag-${s.agencyCode}">${s.agencyName}</h2>
          <p>${s.summary}</p>
          <div class="table-wrap">
            <table class="responsive statement">
              <colgroup>
                <col class="c-ref" />
                <col class="c-action" />
                <col class="c-status" />
                <col class="c-progress" />
              </colgroup>
              <thead>
                <tr>
                  <th scope="col">Ref.</th>
                  <th scope="col">Action</th>
                  <th scope="col">Status</th>
                  <th scope="col">Progress</th>
                </tr>
              </thead>
              <tbody>
                ${s.actions.map(
                  (a) =>
                    html`<tr data-action-id="${a.actionId}">
                      <td data-label="Ref.">${a.reference}</td>
                      <td data-label="Action">
                        ${a.title}<br /><span class="muted"
                          >Due
                          ${fmtDate(a.dueDate)}${
                            a.extensions.length ? html` (revised from ${fmtDate(a.extensions[0].from)})` : ''
                          }</span
                        >
                      </td>
                      <td data-label="Status">
                        ${ragBadge(a.rag, a)}<br /><span class="status">${statusText(a)}</span>
                      </td>
                      <td data-label="Progress">${progressCell(a)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </section>`,
    )}
    ${r.sections.length ? '' : html`<p>No actions.</p>`}`;
}
