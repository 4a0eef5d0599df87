import { overdueChart, overdueOverTime, ragBarChart, ragByAgency, ragLegend } from './charts';
import { fmtDate, html, type Part } from './html';
import { ragBadge, stageText } from './layout';
import type { ActionRow, EvidenceView } from './queries';

export function dashboardPage(agencyList: { code: string; name: string }[], rows: ActionRow[], now: Date, role: string): Part {
  const live = rows.filter((r) => r.status !== 'cancelled');
  const open = live.filter((r) => r.status !== 'closed');
  const overdue = open.filter((r) => r.status !== 'under_review' && r.dueDate < now);
  const cards: [string, number, string?][] = [
    ['Open actions', open.length],
    ['Overdue', overdue.length],
    ['Awaiting sign-off', open.filter((r) => r.status === 'under_review').length, role === 'agency' ? undefined : '/'],
    ['Escalated', open.filter((r) => r.escalationLevel > 0).length],
    ['Closed', live.length - open.length],
  ];
  const agenciesShown = role === 'agency' ? agencyList.filter((a) => rows.some((r) => r.agencyCode === a.code)) : agencyList;
  const rag = ragByAgency(agenciesShown, rows);
  const points = overdueOverTime(rows, now);
  return html`<h1>Dashboard</h1>
<ul class="cards">${cards.map(([label, n, href]) => html`<li>${href ? html`<a href="${href}"><strong>${n}</strong>${label}</a>` : html`<strong>${n}</strong>${label}`}</li>`)}</ul>
<div class="charts">
<figure><figcaption>RAG by agency</figcaption>${ragBarChart(rag)}${ragLegend}
<details><summary>The numbers</summary><div class="table-wrap"><table><thead><tr><th scope="col">Agency</th><th scope="col">Red</th><th scope="col">Amber</th><th scope="col">Green</th><th scope="col">Complete</th></tr></thead>
<tbody>${rag.map((d) => html`<tr><th scope="row">${d.code}</th><td>${d.counts.red}</td><td>${d.counts.amber}</td><td>${d.counts.green}</td><td>${d.counts.complete}</td></tr>`)}</tbody></table></div></details></figure>
<figure><figcaption>Overdue actions, last 12 weeks</figcaption>${overdueChart(points)}
<details><summary>The numbers</summary><ul>${points.map((p) => html`<li>${fmtDate(p.at)}: ${p.overdue}</li>`)}</ul></details></figure>
</div>
${overdue.length
  ? html`<h2>Overdue now</h2><div class="table-wrap"><table class="responsive"><thead><tr><th scope="col">Action</th><th scope="col">Agency</th><th scope="col">Due</th><th scope="col">Escalation</th></tr></thead><tbody>
${overdue.map((a) => html`<tr><td data-label="Action"><a href="/actions/${a.id}">${a.reviewReference} ${a.reference}</a> ${a.title}</td><td data-label="Agency">${a.agencyCode}</td><td data-label="Due">${fmtDate(a.dueDate)}</td><td data-label="Escalation">${a.escalationLevel ? `Level ${a.escalationLevel}` : 'None'}</td></tr>`)}
</tbody></table></div>`
  : ''}`;
}

export function reviewsPage(list: { id: string; reference: string; title: string; status: string; total: number; closed: number }[], role: string): Part {
  const board = role === 'board' || role === 'admin';
  return html`<h1>Reviews</h1>
${board ? html`<p><a class="button" href="/reviews/new">Import a review</a></p>` : ''}
${list.length
  ? html`<div class="table-wrap"><table class="responsive"><thead><tr><th scope="col">Review</th><th scope="col">Actions closed</th><th scope="col">Progress statement</th></tr></thead><tbody>
${list.map((r) => html`<tr><td data-label="Review"><a href="/reviews/${r.id}"><strong>${r.reference}</strong></a> ${r.title}</td><td data-label="Closed">${r.closed} of ${r.total}</td><td data-label="Statement"><a href="/reviews/${r.id}/statement">Progress statement for ${r.reference}</a></td></tr>`)}
</tbody></table></div>`
  : html`<p>No reviews yet.${board ? html` <a href="/reviews/new">Import one from its action-plan spreadsheet</a>, or create it through the API (<a href="/docs">API documentation</a>).` : ''}</p>`}`;
}

const OUTCOME: Record<string, string> = { implemented: 'Implemented', not_implemented: 'Not implemented' };

/**
 * The agency progress statement, one section per agency as in the published Baby M example:
 * each action with its status and the agency's latest statement of progress.
 */
export function statementPage(
  review: { reference: string; title: string; publishedOn: string | null },
  agencyList: { code: string; name: string }[],
  rows: ActionRow[],
  latestEvidence: Map<string, EvidenceView>,
  decisionComment: Map<string, string>,
  now: Date,
): Part {
  const sections = agencyList
    .map((ag) => ({ ag, list: rows.filter((r) => r.agencyCode === ag.code) }))
    .filter((s) => s.list.length > 0);
  return html`<p class="no-print"><a href="/reviews">&larr; Reviews</a> · <a href="#" data-print>Print</a><script src="/assets/print.js" defer></script></p>
<h1>${review.reference}: ${review.title}</h1>
<p>Agency statements of progress against the action plan${review.publishedOn ? html` (review published ${fmtDate(review.publishedOn)})` : ''}. Generated ${fmtDate(now)}.</p>
${sections.map(
  (s) => html`<section aria-labelledby="ag-${s.ag.code}"><h2 id="ag-${s.ag.code}">${s.ag.name}</h2>
<div class="table-wrap"><table class="responsive"><thead><tr><th scope="col">Ref.</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Progress</th></tr></thead><tbody>
${s.list.map((a) => {
  const ev = latestEvidence.get(a.id);
  const status = a.status === 'closed' ? OUTCOME[a.outcome ?? ''] ?? 'Closed' : stageText(a.status, a.outcome, a.changesRequested);
  return html`<tr><td data-label="Ref.">${a.reference}</td><td data-label="Action">${a.title}<br><span class="muted">Due ${fmtDate(a.dueDate)}</span></td>
<td data-label="Status">${ragBadge(a.rag)}<br>${status}</td>
<td data-label="Progress">${ev ? ev.statement : html`<span class="muted">No statement yet</span>`}${a.outcome === 'not_implemented' && decisionComment.get(a.id) ? html`<br><strong>Why not implemented:</strong> ${decisionComment.get(a.id)}` : ''}</td></tr>`;
})}
</tbody></table></div></section>`,
)}
${sections.length ? '' : html`<p>No actions.</p>`}`;
}
