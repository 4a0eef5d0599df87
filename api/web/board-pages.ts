/**
 * Board pages: a review with all its actions, every action with filters, importing a review
 * from a spreadsheet. Rendered from the API's scoped queries (an agency user sees only its own).
 */
import { isBoardRole, isFinished, isOverdue } from '../../domain/vocabulary';
import { RAG_LABEL, RESULT_LABEL, STATUS_LABEL } from '../../domain/words';
import type { FieldIssue } from '../../lib/errors';
import { IMPORT_UPLOAD_LIMITS } from '../http/uploads';
import type { ActionView } from '../queries/actions';
import type { ImportCheckView } from '../use-cases/import-check';
import type { findReview } from '../queries/reviews';
import { fmtDate, html, raw, type Html, type Part } from './html';
import type { FormState } from './kit';
import { assuranceBeside } from './assurance-parts';
import { dateInput } from './date-input';
import { csrfField, fieldProblem, ragBadge, stageText, typed, type PageContext, ragKey } from './layout';
import { pager } from './pages';

type ReviewDetail = NonNullable<Awaited<ReturnType<typeof findReview>>>;

const escalationText = (level: number) => (level > 0 ? `Level ${level}` : 'None');

const REC_STATUS: Record<string, string> = {
  open: 'Open',
  implemented: 'Implemented',
  partly_implemented: 'Partly implemented',
  not_implemented: 'Not implemented',
  cancelled: 'Cancelled',
};

/** The action table shared by the review page and the all-actions page. */
function actionsTable(list: ActionView[], now: Date, opts: { caption?: string; showReview?: boolean } = {}): Html {
  return html`<div class="table-wrap">
    <table class="responsive actions">
      <colgroup>
        <col class="c-action" />
        <col class="c-agency" />
        <col class="c-rag" />
        <col class="c-stage" />
        <col class="c-due" />
        <col class="c-esc" />
      </colgroup>
      ${
        opts.caption
          ? html`<caption class="muted" style="text-align:left">
              ${opts.caption}
            </caption>`
          : ''
      }
      <thead>
        <tr>
          <th scope="col">Action</th>
          <th scope="col">Agency</th>
          <th scope="col">RAG</th>
          <th scope="col">Stage</th>
          <th scope="col">Due</th>
          <th scope="col">Escalation</th>
        </tr>
      </thead>
      <tbody>
        ${list.map(
          (a) =>
            html`<tr>
              <td data-label="Action">
                <a href="/actions/${a.id}">${opts.showReview ? `${a.reviewReference} ` : ''}${a.reference}</a
                ><br />${a.title}
              </td>
              <td data-label="Agency"><abbr title="${a.agencyName}">${a.agencyCode}</abbr></td>
              <td data-label="RAG">${ragBadge(a.rag, a)}</td>
              <td data-label="Stage">${stageText(a.status, a.outcome, a.changesRequested)}${assuranceBeside(a)}</td>
              <td data-label="Due">
                ${fmtDate(a.dueDate)}${isOverdue(a, now) ? html`<br /><strong>Overdue</strong>` : ''}
              </td>
              <td data-label="Escalation">${escalationText(a.escalationLevel)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function reviewDetailPage(ctx: PageContext, r: ReviewDetail, now: Date): Part {
  const all = r.recommendations.flatMap((rec) => rec.actions);
  const open = all.filter((a) => !isFinished(a.status));
  const isAgency = ctx.user?.role === 'agency';
  return html`<p><a href="/reviews">&larr; Reviews</a></p>
    <h1>${r.reference}: ${r.title}</h1>
    <dl class="facts">
      ${
        r.publishedOn
          ? html`<dt>Published</dt>
              <dd>${fmtDate(r.publishedOn)}</dd>`
          : ''
      }
      <dt>Status</dt>
      <dd>
        ${r.status === 'completed' ? 'Completed' : r.status === 'withdrawn' ? 'Withdrawn by the board' : 'Active'}
      </dd>
      <dt>${isAgency ? 'Your actions' : 'Actions'}</dt>
      <dd>${all.length} (${open.length} open, ${all.filter((a) => isOverdue(a, now)).length} overdue)</dd>
    </dl>
    <p>
      <a href="/reviews/${r.id}/statement">Progress statement for ${r.reference}</a> ·
      <a href="/reviews/${r.id}/progress-sheet">Progress sheet (Excel) for ${r.reference}</a> ·
      <a href="/actions?review=${r.id}">Filter these actions</a
      >${isBoardRole(ctx.user?.role ?? '') ? html` · <a href="/reviews/${r.id}/correct">Correct, add an action or withdraw this review</a>` : ''}
    </p>
    ${r.recommendations.map(
      (rec) =>
        html`<section aria-labelledby="rec-${rec.id}">
          <h2 id="rec-${rec.id}">
            Recommendation ${rec.number}
            <span class="muted" style="font-size:1rem;font-weight:400">(${REC_STATUS[rec.status] ?? rec.status})</span>
          </h2>
          ${rec.text ? html`<p class="rec-text">${rec.text}</p>` : ''}
          ${rec.actions.length ? actionsTable(rec.actions, now) : html`<p class="muted">No actions.</p>`}
        </section>`,
    )}
    ${r.recommendations.length ? ragKey : html`<p>No recommendations.</p>`}`;
}

export interface ActionsFilter {
  review?: string;
  agency?: string;
  stage?: string;
  rag?: string;
  overdue?: 'true';
  result?: string;
  /** Issue 22: the search box's words. */
  q?: string;
  page: number;
  pageSize: number;
}

function option(value: string, label: string, selected: string | undefined): Html {
  return html`<option value="${value}" ${selected === value ? raw(' selected') : ''}>${label}</option>`;
}

/** The query string of a filter, for pager links that keep the other filters. */
export function filterQuery(f: ActionsFilter, page: number): string {
  const p = new URLSearchParams();
  for (const k of ['q', 'review', 'agency', 'stage', 'rag', 'overdue', 'result'] as const) if (f[k]) p.set(k, f[k]);
  if (f.pageSize !== 50) p.set('pageSize', String(f.pageSize));
  if (page > 1) p.set('page', String(page));
  const s = p.toString();
  return s ? `?${s}` : '';
}

export function allActionsPage(
  ctx: PageContext,
  f: ActionsFilter,
  result: { items: ActionView[]; total: number; page: number; pageSize: number },
  choices: { agencies: { code: string; name: string }[]; reviews: { id: string; reference: string }[] },
  now: Date,
): Part {
  const isAgency = ctx.user?.role === 'agency';
  const first = result.total === 0 ? 0 : (result.page - 1) * result.pageSize + 1;
  const last = Math.min(result.total, result.page * result.pageSize);
  const filtered = !!(f.q || f.review || f.agency || f.stage || f.rag || f.overdue || f.result);
  return html`<h1>${isAgency ? 'All my agency’s actions' : 'All actions'}</h1>
    <form class="filters" method="get" action="/actions" role="search" aria-label="Filter actions">
      <div class="filter-search">
        <label for="f-q">Search</label
        ><span class="hint" id="f-q-hint">Words in the reference (such as 2.1), the title or a statement</span
        ><input id="f-q" name="q" type="search" maxlength="200" value="${f.q ?? ''}" aria-describedby="f-q-hint" />
      </div>
      <div class="filter-grid">
        <div>
          <label for="f-review">Review</label
          ><select id="f-review" name="review">
            ${option('', 'Any review', f.review)}${choices.reviews.map((r) => option(r.id, r.reference, f.review))}
          </select>
        </div>
        ${
          isAgency
            ? ''
            : html`<div>
                <label for="f-agency">Agency</label
                ><select id="f-agency" name="agency">
                  ${option('', 'Any agency', f.agency)}${choices.agencies.map((a) => option(a.code, `${a.code}: ${a.name}`, f.agency))}
                </select>
              </div>`
        }
        <div>
          <label for="f-stage">Stage</label
          ><select id="f-stage" name="stage">
            ${option('', 'Any stage', f.stage)}${Object.entries(STATUS_LABEL).map(([v, l]) => option(v, l, f.stage))}
          </select>
        </div>
        <div>
          <label for="f-rag">RAG</label
          ><select id="f-rag" name="rag">
            ${option('', 'Any RAG', f.rag)}${Object.entries(RAG_LABEL).map(([v, l]) => option(v, l, f.rag))}
          </select>
        </div>
        <div>
          <label for="f-result">How it ended</label
          ><select id="f-result" name="result">
            ${option('', 'Any, or still open', f.result)}${Object.entries(RESULT_LABEL).map(([v, l]) => option(v, l, f.result))}
          </select>
        </div>
        <div class="choice filter-check">
          <input type="checkbox" id="f-overdue" name="overdue" value="true" ${f.overdue ? raw(' checked') : ''} /><label
            for="f-overdue"
            >Overdue only</label
          >
        </div>
      </div>
      <div class="filter-buttons">
        <button class="primary" type="submit">Show actions</button
        >${filtered ? html` <a href="/actions">Clear filters</a>` : ''}
      </div>
    </form>
    <p role="status">
      ${result.total === 0 ? (f.q ? `No actions match “${f.q}” with these filters.` : 'No actions match these filters.') : `Showing ${first} to ${last} of ${result.total} action${result.total === 1 ? '' : 's'}, soonest due first.`}
    </p>
    ${result.items.length ? html`${actionsTable(result.items, now, { showReview: true })}${ragKey}` : ''}
    ${pager('/actions', result, (n) => filterQuery(f, n))}`;
}

export function badFilterPage(problems: { field: string; value: string; message: string }[]): Part {
  return html`<h1>These filters cannot be used</h1>
    <p>Some filters in the address of this page are not valid:</p>
    <ul>
      ${problems.map((p) => html`<li><strong>${p.field}</strong>${p.value ? html` “${p.value}”` : ''}: ${p.message}</li>`)}
    </ul>
    <p><a href="/actions">Show all actions</a> and choose the filters from the form.</p>`;
}

/**
 * A refused spreadsheet's problems, one row of the table per problem by row and column, under the
 * page's own heading (the review import, the progress sheet).
 */
export function sheetProblems(heading: string, rowErrors: FieldIssue[]): Html {
  return html`<section class="error" aria-labelledby="rowerr-h">
    <h2 id="rowerr-h" style="margin-top:0">${heading}</h2>
    <div class="table-wrap">
      <table class="responsive import-errors">
        <thead>
          <tr>
            <th scope="col">Row</th>
            <th scope="col">Column</th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          ${rowErrors.map(
            (e) =>
              html`<tr>
                <td data-label="Row">${e.row ?? ''}</td>
                <td data-label="Column">${e.column ?? ''}</td>
                <td data-label="Problem">${e.message}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <p style="margin-bottom:0">
      Row numbers are as the spreadsheet shows them (the headings are row 1). Fix the file, then choose it again below.
    </p>
  </section>`;
}

export function importReviewPage(ctx: PageContext, state?: FormState, rowErrors: FieldIssue[] = []): Part {
  const reference = fieldProblem(state, 'reference', 'reference', 'reference-hint');
  const title = fieldProblem(state, 'title');
  const file = fieldProblem(state, 'file', 'file', 'file-hint');
  return html`<p><a href="/reviews">&larr; Reviews</a></p>
    <h1>Import a review</h1>
    <p>
      Upload the review’s action plan as a spreadsheet: one row per action. Every row is checked first; if any row has a
      problem, nothing is imported and each problem is listed by row and column, so the whole sheet can be fixed at
      once.
    </p>
    ${
      rowErrors.length
        ? sheetProblems(
            `Nothing was imported: ${rowErrors.length} problem${rowErrors.length === 1 ? '' : 's'} in the file`,
            rowErrors,
          )
        : ''
    }
    <form class="stack" method="post" action="/reviews/new" enctype="multipart/form-data">
      ${csrfField(ctx)} <label for="reference">Reference</label
      ><span class="hint" id="reference-hint"
        >Short and unique, for example SCR-BABY-M: it appears on every mail and on the statement.</span
      >
      ${reference.message}<input
        id="reference"
        name="reference"
        type="text"
        required
        maxlength="64"
        value="${typed(state, 'reference')}"
        ${reference.attrs}
      />
      <label for="title">Title</label>${title.message}<input
        id="title"
        name="title"
        type="text"
        required
        maxlength="500"
        value="${typed(state, 'title')}"
        ${title.attrs}
      />
      ${dateInput({ name: 'publishedOn', legend: 'Published on (optional)', hint: 'The day the review was published.', state })}
      <label for="file">Action plan file (.csv or .xlsx)</label
      ><span class="hint" id="file-hint"
        >Columns: Recommendation number, Recommendation, Action, Lead agency code, Success measure, Target date
        (optional: Action detail). Target dates from today on, as 2027-03-31 or 31/03/2027. At most
        ${IMPORT_UPLOAD_LIMITS.maxFileSize / 1024 / 1024} MB.</span
      >
      ${file.message}<input
        id="file"
        name="file"
        type="file"
        required
        accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        ${file.attrs}
      />
      <div><button class="primary" type="submit">Continue</button></div>
    </form>
    <p class="muted">
      Nothing is imported yet: the next page shows the actions per agency, their due dates and the mails that will go,
      and asks you to confirm.
    </p>
    <p>
      <a href="/examples/action-plan-template.csv" download>Download an example action plan (CSV, the Baby M review)</a>
      to see the format.
    </p>`;
}

const TYPE_WORDS: Record<string, string> = {
  cspr: 'Child safeguarding practice review (national)',
  lcspr: 'Local child safeguarding practice review',
  scr: 'Serious case review',
  sar: 'Safeguarding adults review',
  dhr: 'Domestic homicide review',
  audit: 'Audit',
  other: 'Other',
};

const span = (first: string, last: string) =>
  first === last ? fmtDate(first) : `${fmtDate(first)} to ${fmtDate(last)}`;

/**
 * Issue 22: check before importing (the GOV.UK "check answers" pattern). Nothing exists yet; the
 * button imports what is shown, and sends the mails listed.
 */
export function importCheckPage(ctx: PageContext, id: string, filename: string, c: ImportCheckView): Part {
  const mails = `${c.mails} mail${c.mails === 1 ? '' : 's'}`;
  const actionsWord = `${c.actions} action${c.actions === 1 ? '' : 's'}`;
  return html`<p><a href="/reviews/new?check=${id}">&larr; Back</a></p>
    <h1>Check before importing</h1>
    <p>
      Nothing has been imported yet. Check what <strong>${filename}</strong> will create and who will be mailed, then
      import it, or go back and change the file.
    </p>
    <h2>The review</h2>
    <dl class="facts">
      <dt>Reference</dt>
      <dd>${c.reference}</dd>
      <dt>Title</dt>
      <dd>${c.title}</dd>
      <dt>Type</dt>
      <dd>${TYPE_WORDS[c.type] ?? c.type}</dd>
      ${
        c.publishedOn
          ? html`<dt>Published</dt>
              <dd>${fmtDate(c.publishedOn)}</dd>`
          : ''
      }
      <dt>Recommendations</dt>
      <dd>${c.recommendations}</dd>
      <dt>Actions</dt>
      <dd>${c.actions}, for ${c.agencies.length} agenc${c.agencies.length === 1 ? 'y' : 'ies'}</dd>
      <dt>Earliest due date</dt>
      <dd>${fmtDate(c.firstDueOn)}</dd>
      <dt>Latest due date</dt>
      <dd>${fmtDate(c.lastDueOn)}</dd>
      <dt>Mails</dt>
      <dd>${mails}: one to each agency, listing all its new actions with a calendar entry for each due date</dd>
    </dl>
    <h2>Actions per agency</h2>
    <div class="table-wrap">
      <table class="responsive">
        <caption class="visually-hidden">
          Actions per agency, their due dates and who the agency's mail goes to
        </caption>
        <thead>
          <tr>
            <th scope="col">Agency</th>
            <th scope="col">Actions</th>
            <th scope="col">Due</th>
            <th scope="col">The mail goes to</th>
          </tr>
        </thead>
        <tbody>
          ${c.agencies.map(
            (a) =>
              html`<tr>
                <th scope="row" data-label="Agency">${a.name} (${a.code})</th>
                <td data-label="Actions">${a.actions}: ${a.references.join(', ')}</td>
                <td data-label="Due">${span(a.firstDueOn, a.lastDueOn)}</td>
                <td data-label="The mail goes to">
                  ${a.mailTo.join(', ')}${a.mailCc.length ? html`<br />copy to ${a.mailCc.join(', ')}` : ''}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <h2>When you import</h2>
    <p>
      The ${actionsWord} start at once. Each agency receives its one mail straight away and must acknowledge each
      action; reminders come before each due date, and an action not acknowledged or overdue is escalated.
    </p>
    <form method="post" action="/reviews/new/check/${id}">
      ${csrfField(ctx)}
      <button class="primary" type="submit">Import ${actionsWord} and send ${mails}</button>
    </form>
    <p><a href="/reviews/new?check=${id}">Go back and change the file or the details</a></p>`;
}

export function signInConfirmPage(ctx: PageContext, token: string): Part {
  return html`<h1>Sign in</h1>
    <p>You followed a sign-in link. Press the button to sign in on this device.</p>
    <form method="post" action="/signin/${token}">
      ${csrfField(ctx)}<button class="primary" type="submit">Sign in</button>
    </form>
    <p class="muted">The link works once, for 15 minutes.</p>`;
}

/** The board's cancel form on an action page. */
export function cancelForm(ctx: PageContext, actionId: string, state?: FormState): Html {
  const reason = fieldProblem(state, 'reason', 'cancel-reason', 'cancel-reason-hint');
  return html`<section class="panel" aria-labelledby="cancel-h"><details${state ? html` open` : ''}><summary><h2 id="cancel-h" style="display:inline;font-size:1.1rem">Cancel this action</h2></summary>
<form class="stack" method="post" action="/actions/${actionId}/cancel">${csrfField(ctx)}
<p>Cancelling stops every reminder and escalation. The agency is told, and the reason is kept in the timeline. You will be asked to confirm before anything changes.</p>
<label for="cancel-reason">Reason for cancelling</label><span class="hint" id="cancel-reason-hint">Required. For example: superseded by action 2.3, or the service has been decommissioned.</span>
${reason.message}<textarea id="cancel-reason" name="reason" required rows="3"${reason.attrs}>${typed(state, 'reason')}</textarea>
<div><button class="warning" type="submit">Continue to cancel</button></div></form></details></section>`;
}
