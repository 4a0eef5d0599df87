import { isBoardRole, isOpen, isOverdue as overdue } from '../../domain/vocabulary';
import { dueOn } from '../../lib/board-time';
import { EVIDENCE_STATUS_LABEL, RAG_LABEL } from '../../domain/words';
import { normaliseLink } from '../../domain/text';
import { isPreviewable } from '../http/file-response';
import { EVIDENCE_UPLOAD_LIMITS } from '../http/uploads';
import type { ActionPageData, ActionView, EvidenceView } from '../queries/actions';
import {
  assuranceBeside,
  assuranceFacts,
  assuranceForms,
  assuranceLists,
  METHOD_TEXT,
  type AssuranceForm,
} from './assurance-parts';
import { cancelForm } from './board-pages';
import { mayReopen, reopenForm, withdrawEvidenceForm, withdrawExtensionForm } from './confirm-pages';
import { dateInput, moveQuestion } from './date-input';
import { fmtDate, fmtDateTime, html, isoDay, sizeText, type Html, type Part } from './html';
import type { FormState } from './kit';
import { csrfField, fieldProblem, nextForAgency, ragBadge, ragKey, stageText, typed, type PageContext } from './layout';

const actionLink = (a: { id: string; reviewReference: string; reference: string; title: string }) =>
  html`<a href="/actions/${a.id}">${a.reviewReference} ${a.reference}</a><br />${a.title}`;

function dueCell(a: ActionView, now: Date): Html {
  return html`${fmtDate(a.dueDate)}${overdue(a, now) ? html`<br /><strong>Overdue</strong>` : ''}`;
}

/** One page of a list and where the next and previous pages are. */
export interface Paged<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

export function pager(
  base: string,
  p: { total: number; page: number; pageSize: number },
  query: (page: number) => string = (n) => (n > 1 ? `?page=${n}` : ''),
): Part {
  const pages = Math.max(1, Math.ceil(p.total / p.pageSize));
  if (pages <= 1 && p.page <= 1) return '';
  return html`<nav class="pager" aria-label="Pages">
    <ul>
      ${p.page > 1 ? html`<li><a href="${base}${query(Math.min(p.page - 1, pages))}" rel="prev">&larr; Previous page</a></li>` : ''}
      <li aria-current="page">Page ${p.page} of ${pages}</li>
      ${p.page < pages ? html`<li><a href="${base}${query(p.page + 1)}" rel="next">Next page &rarr;</a></li>` : ''}
    </ul>
  </nav>`;
}

/** Issue 18: "My actions" is what the person owns, with a tab for the whole agency's. */
export interface MyActionsTabs {
  tab: 'mine' | 'agency';
  mine: number;
  agency: number;
}

function tabsNav(t: MyActionsTabs): Html {
  const tab = (key: MyActionsTabs['tab'], label: string, n: number) =>
    html`<li>
      <a href="/?tab=${key}" ${t.tab === key ? html`aria-current="page"` : ''}>${label} (${n})</a>
    </li>`;
  return html`<nav aria-label="Whose actions">
    <ul class="tabs">
      ${tab('mine', 'Mine', t.mine)} ${tab('agency', 'My agency’s', t.agency)}
    </ul>
  </nav>`;
}

export function myActionsPage(open: Paged<ActionView>, finishedCount: number, now: Date, tabs?: MyActionsTabs): Part {
  const table = (list: ActionView[], caption: string) =>
    html`<div class="table-wrap">
      <table class="responsive">
        <caption class="muted" style="text-align:left">
          ${caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">Action</th>
            <th scope="col">RAG</th>
            <th scope="col">Due</th>
            <th scope="col">Stage</th>
            <th scope="col">Asked of you next</th>
          </tr>
        </thead>
        <tbody>
          ${list.map(
            (a) =>
              html`<tr>
                <td data-label="Action">${actionLink(a)}</td>
                <td data-label="RAG">${ragBadge(a.rag, a)}</td>
                <td data-label="Due">${dueCell(a, now)}</td>
                <td data-label="Stage">${stageText(a.status, a.outcome, a.changesRequested)}${assuranceBeside(a)}</td>
                <td data-label="Next">${nextForAgency(a.status, a.changesRequested)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
  const first = (open.page - 1) * open.pageSize + 1;
  const caption =
    open.total > open.items.length
      ? `Open actions ${first} to ${first + open.items.length - 1} of ${open.total}, soonest due first`
      : `${open.total} open action${open.total === 1 ? '' : 's'}, soonest due first`;
  return html`<h1>My actions</h1>
    ${tabs ? tabsNav(tabs) : ''}
    ${open.items.length ? html`${table(open.items, caption)}${ragKey}` : html`<p>You have no open actions.</p>`}
    ${tabs ? pager('/', open, (n) => `?tab=${tabs.tab}${n > 1 ? `&page=${n}` : ''}`) : pager('/', open)}
    ${
      finishedCount
        ? html`<h2>Finished</h2>
            <p>
              <a href="/actions">${finishedCount} closed or cancelled action${finishedCount === 1 ? '' : 's'}</a> are
              listed with all your agency’s actions.
            </p>`
        : ''
    }
    <p><a href="/moved">Evidence you sent on actions the board moved to another agency</a></p>`;
}

function evidenceBlock(e: EvidenceView, actionId: string): Html {
  return html`<article class="evidence">
    <p>
      <strong>${EVIDENCE_STATUS_LABEL[e.status] ?? e.status}</strong> · submitted
      ${fmtDateTime(e.submittedAt)}${e.submittedByName ? html` by ${e.submittedByName}` : ''}
    </p>
    <blockquote>${e.statement}</blockquote>
    ${
      e.links.length
        ? html`<p>Links:</p>
            <ul>
              ${e.links.map((l) => {
                // Links stored before issue 22 may lack their scheme: shown as the link they name.
                const href = String(normaliseLink(l));
                return html`<li>
                  ${/^https?:\/\//i.test(href) ? html`<a href="${href}" rel="noopener noreferrer">${l}</a>` : l}
                </li>`;
              })}
            </ul>`
        : ''
    }
    ${
      e.attachments.length
        ? html`<p>Files:</p>
            <ul>
              ${e.attachments.map(
                (f) =>
                  html`<li>
                    <a href="/actions/${actionId}/files/${f.id}">${f.filename}</a>
                    <span class="muted">(${sizeText(f.size)})</span>${
                      isPreviewable(f.mediaType)
                        ? html` ·
                            <a href="/actions/${actionId}/files/${f.id}/preview"
                              >Preview<span class="visually-hidden"> ${f.filename}</span></a
                            >`
                        : ''
                    }
                  </li>`,
              )}
            </ul>`
        : ''
    }
  </article>`;
}

/**
 * Issue 22: the extension request read back before it goes to the board, with the move in words
 * ("Move from 31 March to 2 December 2027: 8 months later?"). The typed answers ride along as
 * hidden fields; "No, change the request" (confirmed=change) brings the form back with them, as the
 * confirmation pages do.
 */
export function extensionCheckPage(
  ctx: PageContext,
  a: { id: string; reviewReference: string; reference: string; title: string; dueDate: string },
  fields: {
    day: { day: string; month: string; year: string };
    newDueDate: string;
    reason: string;
    interimMeasures: string;
  },
): Part {
  const from = dueOn(a.dueDate);
  const hidden = (name: string, value: string) => html`<input type="hidden" name="${name}" value="${value}" />`;
  return html`<p><a href="/actions/${a.id}">&larr; ${a.reviewReference} ${a.reference}: ${a.title}</a></p>
    <span class="caption">${a.reviewReference} ${a.reference}: ask for more time</span>
    <h1>${moveQuestion(from, fields.newDueDate)}</h1>
    <p>
      Check the request before it goes to the board. The board is told at once and decides whether to move the date.
    </p>
    <dl class="facts check-answers">
      <dt>Due now</dt>
      <dd>${fmtDate(from)}</dd>
      <dt>New due date</dt>
      <dd>${fmtDate(fields.newDueDate)}</dd>
      <dt>Reason for the delay</dt>
      <dd class="pre">${fields.reason}</dd>
      <dt>Interim measures</dt>
      <dd class="pre">${fields.interimMeasures}</dd>
    </dl>
    <form method="post" action="/actions/${a.id}/extension">
      ${csrfField(ctx)}
      ${hidden('newDueDate-day', fields.day.day)}${hidden('newDueDate-month', fields.day.month)}${hidden(
        'newDueDate-year',
        fields.day.year,
      )}${hidden('reason', fields.reason)}${hidden('interimMeasures', fields.interimMeasures)}
      <div class="button-group">
        <button class="primary" type="submit" name="confirmed" value="yes">Yes, send the request to the board</button>
        <button class="secondary" type="submit" name="confirmed" value="change">No, change the request</button>
      </div>
    </form>`;
}

/**
 * Issue 22: a PDF or an image shown in a frame that may run nothing (the file's own policy is
 * sandboxed; an image's frame has the `sandbox` attribute too), with the download beside it.
 */
export function filePreviewPage(
  a: { id: string; reviewReference: string; reference: string; title: string },
  f: { id: string; filename: string; mediaType: string },
): Part {
  const src = `/actions/${a.id}/files/${f.id}`;
  return html`<p><a href="/actions/${a.id}">&larr; ${a.reviewReference} ${a.reference}: ${a.title}</a></p>
    <h1>${f.filename}</h1>
    <p>
      A preview of evidence for ${a.reviewReference} ${a.reference}.
      <a href="${src}" download>Download ${f.filename}</a> to keep a copy or if the preview does not show.
    </p>
    ${
      // The file itself is sandboxed by its own policy (PREVIEW_FILE_CSP's `sandbox`). Chromium
      // refuses to show a PDF in a frame with the sandbox attribute, so only an image gets both.
      f.mediaType === 'application/pdf'
        ? html`<iframe class="preview" src="${src}/inline" title="Preview of ${f.filename}"></iframe>`
        : html`<iframe class="preview" sandbox="" src="${src}/inline" title="Preview of ${f.filename}"></iframe>`
    }`;
}

const EVENT_TEXT: Record<string, string> = {
  assigned: 'Assigned to the agency',
  acknowledged: 'Acknowledged',
  evidence_submitted: 'Evidence submitted',
  decided: 'Board decision',
  extension_requested: 'Extension requested',
  extension_decided: 'Extension decided',
  cancelled: 'Cancelled',
  reassigned: 'Reassigned',
  reminder_sent: 'Reminder sent',
  overdue_reminder_sent: 'Overdue reminder sent',
  escalation_raised: 'Escalated',
  progress_updated: 'Progress update',
  impact_check_due: 'Impact evidence requested',
  impact_reminder_sent: 'Impact evidence reminder sent',
  impact_evidence_submitted: 'Impact evidence submitted',
  impact_decided: 'Impact decision',
  // Issue 20: the chair's steps.
  escalation_challenged: 'The chair challenged the agency',
  escalation_response_recorded: "The agency's response, recorded by the chair",
  escalation_resolved: 'The chair closed the escalation as resolved',
  escalation_retimed: 'The chair re-timed the escalation',
  // Issue 22: the board's corrections.
  due_date_corrected: 'Due date corrected',
  wording_corrected: 'Wording corrected',
  // Issue 22.
  reopened: 'Reopened by the board',
  extension_withdrawn: 'Request for more time withdrawn by the agency',
  evidence_withdrawn: 'Evidence withdrawn by the agency before the board decided',
};
/** The board's decision on evidence in words, the same as the mails and the statement say it. */
const DECISION_TITLE: Record<string, string> = {
  approve: 'Approved: closed as implemented',
  request_changes: 'Changes requested',
  close_not_implemented: 'Closed as not implemented',
};
const REASON_TEXT: Record<string, string> = {
  not_acknowledged: 'not acknowledged',
  overdue: 'overdue',
  stalled: 'no progress update',
  awaiting_board: 'waiting for the board',
  impact_evidence_missing: 'no evidence of impact',
};

type Extension = ActionPageData['extensionRequests'][number];

/** "due 30 April 2027 (was 31 March 2027)", with the reason and the interim measures kept in view. */
function extensionFacts(x: Extension | undefined, comment: string | null): Part {
  return html`${x ? html`<br /><span class="muted">Reason:</span> ${x.reason}<br /><span class="muted">Interim measures:</span> ${x.interimMeasures}` : ''}${comment ? html`<br /><span class="muted">Board's comment:</span> <q>${comment}</q>` : ''}`;
}

const EXTENSION_STATUS: Record<string, string> = {
  pending: 'Waiting for the board',
  approved: 'Approved',
  rejected: 'Refused',
  withdrawn: 'Withdrawn',
};

/** Every request for more time, decided or not: the reason and the interim measures stay on record. */
function extensionsSection(list: Extension[]): Part {
  if (!list.length) return '';
  return html`<h2>Requests for more time</h2>
    ${list.map(
      (x) =>
        html`<article class="evidence">
          <p>
            <strong>${EXTENSION_STATUS[x.status] ?? x.status}</strong>: from ${fmtDate(x.previousDueDate)} to
            ${fmtDate(x.newDueDate)} · asked ${fmtDate(x.requestedAt)}
          </p>
          <dl class="key">
            <dt>Reason</dt>
            <dd>${x.reason}</dd>
            <dt>Interim measures</dt>
            <dd>${x.interimMeasures}</dd>
            ${
              x.decisionComment
                ? html`<dt>Board's comment</dt>
                    <dd>${x.decisionComment}</dd>`
                : ''
            }
          </dl>
        </article>`,
    )}`;
}

/** One timeline entry: a heading that says what happened in words, and what was said with it. */
const WORDING_FIELD: Record<string, string> = {
  title: 'Title',
  description: 'Description',
  successMeasure: 'Success measure',
  recommendationText: 'Recommendation',
};

/** A wording correction's before and after, field by field. */
export function wordingChanges(p: Record<string, unknown>): Part {
  const changes = (p.changes ?? {}) as Record<string, { before: string | null; after: string | null } | undefined>;
  const said = (v: string | null | undefined) => (v ? html`<q>${v}</q>` : html`<span class="muted">(blank)</span>`);
  return html`${Object.entries(changes).map(
    ([field, c]) =>
      html`<br /><span class="muted">${WORDING_FIELD[field] ?? field}:</span> ${said(c?.before)} → ${said(c?.after)}`,
  )}${typeof p.reason === 'string' && p.reason ? html`<br /><span class="muted">Why:</span> ${p.reason}` : ''}`;
}

function timelineEntry(type: string, p: Record<string, unknown>, d: ActionPageData): { title: string; detail: Part } {
  const str = (k: string) => (typeof p[k] === 'string' && p[k] ? String(p[k]) : null);
  const x = d.extensionRequests.find((e) => e.id === str('requestId'));
  switch (type) {
    case 'decided':
      return {
        title: DECISION_TITLE[str('outcome') ?? ''] ?? 'Board decision',
        detail: str('comment') ? html`<br /><q>${str('comment')}</q>` : '',
      };
    case 'extension_requested':
      return {
        title: `Extension requested: to ${fmtDate(x?.newDueDate ?? str('newDueDate'))}${x ? ` (due ${fmtDate(x.previousDueDate)})` : ''}`,
        detail: extensionFacts(x, null),
      };
    case 'extension_decided':
      return str('outcome') === 'approve'
        ? {
            title: `Extension approved: due ${fmtDate(x?.newDueDate)}${x ? ` (was ${fmtDate(x.previousDueDate)})` : ''}`,
            detail: extensionFacts(x, str('comment')),
          }
        : {
            title: `Extension refused${x ? `: still due ${fmtDate(x.previousDueDate)} (asked for ${fmtDate(x.newDueDate)})` : ''}`,
            detail: extensionFacts(x, str('comment')),
          };
    case 'reopened': {
      // Issue 22: what it was, why it was reopened and, if it moved, the new due date.
      const was =
        str('was') === 'cancelled' ? 'cancelled' : str('was') === 'implemented' ? 'closed as implemented' : 'closed';
      return {
        title: `Reopened by the board (was ${was})${str('newDueDate') ? `: now due ${fmtDate(str('newDueDate'))}` : ''}`,
        detail: str('reason') ? html`<br /><q>${str('reason')}</q>` : '',
      };
    }
    case 'escalation_raised':
      return {
        title: `Escalated to level ${String(p.level ?? '')}${str('reason') ? ` (${REASON_TEXT[str('reason')!] ?? str('reason')!.replace(/_/g, ' ')})` : ''}`,
        detail: '',
      };
    case 'escalation_challenged':
    case 'escalation_response_recorded':
    case 'escalation_resolved':
    case 'escalation_retimed': {
      // Issue 20: the chair's steps, with whom a challenge went to and when a re-timed escalation comes back.
      const to = str('sentTo') ? ` (to the ${str('sentTo') === 'senior' ? 'senior manager' : 'lead officer'})` : '';
      const until = str('until') ? `: raised again ${fmtDateTime(str('until'))} if still needed` : '';
      return {
        title: `${EVENT_TEXT[type]}${to}${until}`,
        detail: str('text') ? html`<br /><q>${str('text')}</q>` : '',
      };
    }
    // Issue 22: the board's corrections, with what was there before.
    case 'due_date_corrected':
      return {
        title: `Due date corrected by the board: due ${fmtDate(str('to'))} (was ${fmtDate(str('from'))}); not an extension`,
        detail: str('reason') ? html`<br /><span class="muted">Why:</span> ${str('reason')}` : '',
      };
    case 'wording_corrected':
      return { title: EVENT_TEXT[type], detail: wordingChanges(p) };
    case 'reassigned':
      return {
        title: `Moved to another agency${str('from') && str('to') ? `: from ${str('from')} to ${str('to')}` : ''}`,
        detail: '',
      };
    case 'cancelled':
      return {
        title: p.withdrawn === true ? 'Cancelled: the board withdrew the review' : EVENT_TEXT[type],
        detail: str('reason') ? html`<br /><q>${str('reason')}</q>` : '',
      };
    // Issue 17: a progress update (not a submission) and the impact check's steps, in words.
    case 'progress_updated': {
      const u = d.progressUpdates.find((e) => e.id === str('updateId'));
      const pct = typeof p.percentComplete === 'number' ? `${p.percentComplete}% complete` : null;
      const rag = str('rag') ? `the agency rates it ${(RAG_LABEL[str('rag')!] ?? str('rag')!).toLowerCase()}` : null;
      const said = [pct, rag].filter(Boolean).join(', ');
      return {
        title: `Progress update from the agency${said ? `: ${said}` : ''}`,
        detail: u
          ? html`<br /><q>${u.statement}</q
              >${u.ragReason ? html`<br /><span class="muted">Why:</span> ${u.ragReason}` : ''}`
          : '',
      };
    }
    case 'impact_check_due':
      return { title: 'Evidence of impact asked for: is the learning embedded?', detail: '' };
    case 'impact_reminder_sent':
      return { title: 'Reminder sent: evidence of impact is due', detail: '' };
    case 'impact_evidence_submitted': {
      const e = d.impactEvidence.find((x) => x.id === str('evidenceId'));
      const how = METHOD_TEXT[e?.method ?? str('method') ?? ''];
      return {
        title: `Evidence of impact sent to the board${how ? ` (${how.toLowerCase()})` : ''}`,
        detail: e ? html`<br /><q>${e.statement}</q>` : '',
      };
    }
    case 'impact_decided': {
      const outcome = str('outcome');
      return {
        title:
          outcome === 'evidenced'
            ? 'Board: the learning is embedded'
            : outcome === 'not_embedded'
              ? 'Board: the learning is not yet embedded; a follow-up action was created'
              : outcome === 'waived'
                ? 'Board: no impact check needed'
                : 'Board decision on the impact',
        detail: str('comment') ? html`<br /><q>${str('comment')}</q>` : '',
      };
    }
    default: {
      const said = str('comment') ?? str('reason');
      return {
        title: EVENT_TEXT[type] ?? type.replace(/_/g, ' '),
        detail: said ? html`<br /><q>${said}</q>` : '',
      };
    }
  }
}

/** Which of the action page's forms was refused, with what was typed and its problems. */
export type ActionForm =
  'evidence' | 'extension' | 'decision' | 'extension-decision' | 'cancel' | 'owner' | 'reopen' | AssuranceForm;
export type ActionForms = Partial<Record<ActionForm, FormState>>;

/** What the page offers beyond the action itself: `ownerChoices` when the viewer names the owner (issue 18). */
export interface ActionPageExtras {
  ownerChoices?: { id: string; name: string }[];
}

export function actionPage(
  ctx: PageContext,
  d: ActionPageData,
  now: Date,
  refused: ActionForms = {},
  extras: ActionPageExtras = {},
): Part {
  const a = d.action;
  const u = ctx.user!;
  const isAgency = u.role === 'agency';
  const isBoard = isBoardRole(u.role);
  const pendingExt = d.extensionRequests.find((x) => x.status === 'pending');
  const lastDecision = d.decisions[d.decisions.length - 1];
  const ev = refused.evidence;
  const statement = fieldProblem(ev, 'statement', 'statement', 'statement-hint');
  const links = fieldProblem(ev, 'links', 'links', 'links-hint');
  const files = fieldProblem(ev, 'files', 'files', 'files-hint');
  const ext = refused.extension;
  const reason = fieldProblem(ext, 'reason');
  const interim = fieldProblem(ext, 'interimMeasures', 'interimMeasures', 'im-hint');
  const forms: Part[] = [];

  if (isAgency && a.status === 'assigned') {
    forms.push(
      html`<section class="panel" aria-labelledby="ack-h">
        <h2 id="ack-h">Acknowledge</h2>
        <p>Tell the board your agency has received this action and owns it.</p>
        <form method="post" action="/actions/${a.id}/acknowledge">
          ${csrfField(ctx)}<button class="primary" type="submit">Acknowledge this action</button>
        </form>
      </section>`,
    );
  }
  if (isAgency && a.status === 'in_progress') {
    // Issue 22: a resubmission starts from the statement and links the board sent back, to be
    // amended rather than typed again (files are kept with the earlier submission).
    const previous = a.changesRequested ? d.evidence.at(-1) : undefined;
    forms.push(
      html`<section class="panel" aria-labelledby="ev-h">
        <h2 id="ev-h">${a.changesRequested ? 'Resubmit evidence' : 'Submit evidence'}</h2>
        ${a.changesRequested && lastDecision?.outcome === 'request_changes' ? html`<div class="error" role="note"><strong>The board asked for changes:</strong> ${lastDecision.comment || '(no comment)'}</div>` : ''}
        <form class="stack" method="post" action="/actions/${a.id}/evidence" enctype="multipart/form-data">
          ${csrfField(ctx)} <label for="statement">Progress statement</label
          ><span class="hint" id="statement-hint"
            >What has been done, and how you know it works (this is published in the progress statement once the board
            accepts
            it).${previous ? ' It starts as the statement you sent last time: change what the board asked about.' : ''}</span
          >
          ${statement.message}<textarea id="statement" name="statement" required rows="6" ${statement.attrs}>
${typed(ev, 'statement', previous?.statement)}</textarea>
          <label for="links">Links (optional)</label
          ><span class="hint" id="links-hint"
            >One web address per line, for example www.example.org/report (https:// is added if you leave it out).</span
          >
          ${links.message}<textarea id="links" name="links" rows="2" ${links.attrs}>
${typed(ev, 'links', previous?.links.join('\n'))}</textarea>
          <label for="files">Files (optional)</label
          ><span class="hint" id="files-hint"
            >PDF, Office documents, images or text; up to ${EVIDENCE_UPLOAD_LIMITS.maxFiles} files of at most
            ${EVIDENCE_UPLOAD_LIMITS.maxFileSize / 1024 / 1024} MB each.</span
          >
          ${files.message}<input
            id="files"
            name="files"
            type="file"
            multiple${files.attrs}
          />${ev && !ev.errors.files ? html`<span class="hint">Choose the files again: a browser does not keep them when a form comes back.</span>` : ''}
          <div><button class="primary" type="submit">Send evidence to the board</button></div>
        </form>
      </section>`,
    );
  }
  if (isAgency && (a.status === 'assigned' || a.status === 'in_progress') && !pendingExt) {
    const suggested = new Date(Math.max(new Date(a.dueDate).getTime(), now.getTime()) + 28 * 86_400_000);
    forms.push(html`<section class="panel" aria-labelledby="ext-h"><details${ext ? html` open` : ''}><summary><h2 id="ext-h" style="display:inline;font-size:1.1rem">Ask for more time</h2></summary>
<form class="stack" method="post" action="/actions/${a.id}/extension">${csrfField(ctx)}
${dateInput({
  name: 'newDueDate',
  legend: 'New due date',
  hint: `It is due on ${fmtDate(a.dueDate)} now; the new date must be later than that.`,
  state: ext,
  value: isoDay(suggested),
})}
<label for="reason">Reason for the delay</label>${reason.message}<textarea id="reason" name="reason" required rows="3"${reason.attrs}>${typed(ext, 'reason')}</textarea>
<label for="interimMeasures">Interim measures</label><span class="hint" id="im-hint">What protects children until the action is done.</span>
${interim.message}<textarea id="interimMeasures" name="interimMeasures" required rows="3"${interim.attrs}>${typed(ext, 'interimMeasures')}</textarea>
<div><button class="secondary" type="submit">Continue to check the request</button></div></form></details></section>`);
  }
  // Issue 22: what the board has not decided on yet, the agency may take back.
  if (pendingExt && isAgency) forms.push(withdrawExtensionForm(ctx, a.id, pendingExt));
  const waitingEvidence = a.status === 'under_review' ? d.evidence.find((e) => e.status === 'submitted') : undefined;
  if (isAgency && waitingEvidence) forms.push(withdrawEvidenceForm(ctx, a.id, waitingEvidence.id));
  const cancelEvent =
    a.status === 'cancelled' ? [...d.timeline].reverse().find((t) => t.type === 'cancelled') : undefined;
  const cancelReason = cancelEvent ? String((cancelEvent.payload as Record<string, unknown> | null)?.reason ?? '') : '';
  const open = isOpen(a.status);
  // A board member from the owning agency may not decide on its action (the workflow refuses it too).
  const conflicted = isBoard && u.role === 'board' && u.agencyId !== null && u.agencyId === a.agencyId;
  if (conflicted && (a.status === 'under_review' || (open && pendingExt))) {
    forms.push(
      html`<p class="panel">
        You belong to ${a.agencyName}, which owns this action, so another board member decides on it.
      </p>`,
    );
  } else {
    if (isBoard && a.status === 'under_review') forms.push(decideForm(ctx, a.id, refused.decision));
    if (isBoard && open && pendingExt)
      forms.push(extensionDecisionForm(ctx, a.id, pendingExt, refused['extension-decision']));
  }
  if (extras.ownerChoices) forms.push(ownerForm(ctx, a, extras.ownerChoices, refused.owner));
  if (isBoard && open) forms.push(cancelForm(ctx, a.id, refused.cancel));
  if (isBoard && !conflicted && mayReopen(a)) forms.push(reopenForm(ctx, a, refused.reopen));
  // Issue 22: the board's corrections (due date, wording, agency) on their own page.
  if (isBoard)
    forms.push(
      html`<p>
        <a href="/actions/${a.id}/correct">Correct the due date, the wording or the agency of ${a.reference}</a>
      </p>`,
    );
  forms.push(...assuranceForms(ctx, d, refused));

  const evidenceList = d.evidence.length
    ? html`<h2 id="evidence-h">Evidence</h2>
        ${[...d.evidence].reverse().map((e) => evidenceBlock(e, a.id))}`
    : '';
  // Issue 22, item 8: the board reads the evidence before the decision form below it.
  const evidenceFirst = isBoard && a.status === 'under_review';

  return html`<p>
      <a href="/">&larr; ${isAgency ? 'My actions' : 'Awaiting sign-off'}</a
      >${isAgency ? '' : html` · <a href="/reviews/${a.reviewId}">${a.reviewReference} review</a> · <a href="/actions">All actions</a>`}
    </p>
    <h1>${a.reviewReference} ${a.reference}: ${a.title}</h1>
    <dl class="facts">
      <dt>Agency</dt>
      <dd>${a.agencyName} (${a.agencyCode})</dd>
      <dt>Owner</dt>
      <dd>${a.owner ? a.owner.name : html`<span class="muted">none named: the agency as a whole</span>`}</dd>
      <dt>RAG</dt>
      <dd>${ragBadge(a.rag, a)} ${ragKey}</dd>
      <dt>Stage</dt>
      <dd>${stageText(a.status, a.outcome, a.changesRequested)}</dd>
      <dt>Due</dt>
      <dd>${fmtDate(a.dueDate)}${overdue(a, now) ? html` <strong>(overdue)</strong>` : ''}</dd>
      ${
        cancelReason
          ? html`<dt>Why cancelled</dt>
              <dd>${cancelReason}</dd>`
          : ''
      }
      ${
        a.escalationLevel > 0
          ? html`<dt>Escalation</dt>
              <dd>Level ${a.escalationLevel}</dd>`
          : ''
      }
      ${
        isAgency
          ? html`<dt>Asked of you</dt>
              <dd>${nextForAgency(a.status, a.changesRequested)}</dd>`
          : ''
      }
      <dt>Recommendation ${a.recommendationNumber}</dt>
      <dd>${a.recommendationText}</dd>
      ${
        a.description
          ? html`<dt>Description</dt>
              <dd>${a.description}</dd>`
          : ''
      }
      ${
        a.successMeasure
          ? html`<dt>Success measure</dt>
              <dd>${a.successMeasure}</dd>`
          : ''
      }
      ${assuranceFacts(d)}
    </dl>
    ${evidenceFirst ? evidenceList : ''} ${forms} ${assuranceLists(d)} ${evidenceFirst ? '' : evidenceList}
    ${extensionsSection(d.extensionRequests)}
    ${
      d.escalations.length
        ? html`<h2>Escalations</h2>
            <ul>
              ${d.escalations.map(
                (e) =>
                  html`<li>
                    Level ${e.level}, ${e.reason.replace(/_/g, ' ')},
                    ${fmtDateTime(e.raisedAt)}${e.resolvedAt ? html` (resolved ${fmtDateTime(e.resolvedAt)})` : ''}${e.notified.length ? html`; told ${e.notified.join(', ')}` : ''}
                  </li>`,
              )}
            </ul>`
        : ''
    }
    <h2>Timeline</h2>
    ${
      d.timeline.length
        ? html`<ol class="timeline">
            ${d.timeline.map(
              (t) =>
                html`<li>
                  ${((e) => html`<strong>${e.title}</strong>${e.detail}`)(
                    timelineEntry(t.type, (t.payload ?? {}) as Record<string, unknown>, d),
                  )}<br />
                  <span class="muted"
                    ><time datetime="${t.occurredAt}">${fmtDateTime(t.occurredAt)}</time
                    >${t.actorName ? html` · ${t.actorName}` : ''}</span
                  >
                </li>`,
            )}
          </ol>`
        : html`<p class="muted">Nothing has happened yet.</p>`
    }`;
}

/**
 * Naming the owner (issue 18): the agency's active people, or none (the agency as a whole). A
 * refusal (someone deactivated since the page was drawn, say) comes back beside the list.
 */
function ownerForm(
  ctx: PageContext,
  a: ActionPageData['action'],
  people: { id: string; name: string }[],
  state?: FormState,
): Html {
  const owner = fieldProblem(state, 'ownerId', 'owner-id', 'owner-hint');
  const chosen = typed(state, 'ownerId', a.owner?.id ?? '');
  return html`<section class="panel" aria-labelledby="owner-h">
    <h2 id="owner-h">${a.owner ? 'Change the owner' : 'Name an owner'}</h2>
    <form class="stack" method="post" action="/actions/${a.id}/owner">
      ${csrfField(ctx)}
      <label for="owner-id">Owner</label>
      <span class="hint" id="owner-hint"
        >A person at ${a.agencyName}. Reminders and overdue notices go to them, the agency's lead in copy; a new owner
        is sent the action with its due date.</span
      >
      ${owner.message}
      <select id="owner-id" name="ownerId" ${owner.attrs}>
        <option value="" ${chosen === '' ? html`selected` : ''}>No named owner: the agency as a whole</option>
        ${people.map((p) => html`<option value="${p.id}" ${chosen === p.id ? html`selected` : ''}>${p.name}</option>`)}
      </select>
      <div><button class="secondary" type="submit">Save owner</button></div>
    </form>
  </section>`;
}

function decideForm(ctx: PageContext, actionId: string, state?: FormState): Html {
  const outcome = fieldProblem(state, 'outcome', 'outcome-approve');
  const comment = fieldProblem(state, 'comment', 'comment', 'comment-hint');
  const choice = (value: string, label: string, hint: string) =>
    html`<div class="choice">
      <input
        type="radio"
        id="outcome-${value}"
        name="outcome"
        value="${value}"
        required${typed(state, 'outcome') === value ? html` checked` : ''}
        aria-describedby="outcome-${value}-hint"
      />
      <label for="outcome-${value}">${label}<span class="hint" id="outcome-${value}-hint">${hint}</span></label>
    </div>`;
  return html`<section class="panel" aria-labelledby="decide-h"><h2 id="decide-h">Decide on the evidence</h2>
<form class="stack" method="post" action="/actions/${actionId}/decision">${csrfField(ctx)}
<fieldset${outcome.attrs}><legend>Decision</legend>${outcome.message}
${choice('approve', 'Approve: implemented', 'The action is closed as implemented.')}
${choice('request_changes', 'Request changes', 'The agency is asked to revise and resubmit; say what is missing.')}
${choice('close_not_implemented', 'Close as not implemented', 'The reason is required: it is published.')}
</fieldset>
<label for="comment">Comment</label><span class="hint" id="comment-hint">Sent to the agency. Required unless approving: the board publishes why.</span>
${comment.message}<textarea id="comment" name="comment" rows="4"${comment.attrs}>${typed(state, 'comment')}</textarea>
<div><button class="primary" type="submit">Record decision</button></div></form></section>`;
}

function extensionDecisionForm(
  ctx: PageContext,
  actionId: string,
  x: { id: string; previousDueDate: string; newDueDate: string; reason: string; interimMeasures: string },
  state?: FormState,
): Html {
  const outcome = fieldProblem(state, 'outcome', `ext-approve-${x.id}`);
  return html`<section class="panel" aria-labelledby="extd-h"><h2 id="extd-h">Extension request</h2>
<dl class="facts"><dt>Due date</dt><dd>${fmtDate(x.previousDueDate)} → <strong>${fmtDate(x.newDueDate)}</strong></dd>
<dt>Reason</dt><dd>${x.reason}</dd><dt>Interim measures</dt><dd>${x.interimMeasures}</dd></dl>
<form class="stack" method="post" action="/actions/${actionId}/extensions/${x.id}/decision">${csrfField(ctx)}
<fieldset${outcome.attrs}><legend>Decision on the extension</legend>${outcome.message}
<div class="choice"><input type="radio" id="ext-approve-${x.id}" name="outcome" value="approve" required><label for="ext-approve-${x.id}">Approve the new date</label></div>
<div class="choice"><input type="radio" id="ext-reject-${x.id}" name="outcome" value="reject"><label for="ext-reject-${x.id}">Refuse: keep the current date</label></div></fieldset>
<label for="ext-comment-${x.id}">Comment (optional)</label><textarea id="ext-comment-${x.id}" name="comment" rows="2">${typed(state, 'comment')}</textarea>
<div><button class="primary" type="submit">Record extension decision</button></div></form></section>`;
}

export function signOffPage(
  waiting: Paged<ActionView & { latest: EvidenceView | null }>,
  extensions: {
    id: string;
    actionId: string;
    reference: string;
    title: string;
    agencyCode: string;
    reviewReference: string;
    previousDueDate: string;
    newDueDate: string;
    reason: string;
  }[],
): Part {
  const items = waiting.items;
  return html`<h1>Awaiting sign-off</h1>
    ${
      items.length
        ? html`<p>
              ${waiting.total} action${waiting.total === 1 ? '' : 's'} with evidence waiting for the board, soonest due
              first.
            </p>
            ${items.map(
              (a) =>
                html`<section class="evidence" aria-labelledby="so-${a.id}">
                  <h2 id="so-${a.id}" style="margin-top:0;font-size:1.15rem">
                    <a href="/actions/${a.id}">${a.reviewReference} ${a.reference}: ${a.title}</a>
                  </h2>
                  <p>${a.agencyName} (${a.agencyCode}) · ${ragBadge(a.rag, a)} · Due ${fmtDate(a.dueDate)}</p>
                  ${a.latest ? evidenceBlock(a.latest, a.id) : ''}
                  <p><a href="/actions/${a.id}#decide-h">Decide on ${a.reviewReference} ${a.reference}</a></p>
                </section>`,
            )}
            ${ragKey}${pager('/', waiting)}`
        : html`<p>No evidence is waiting for the board.</p>`
    }
    <h2>Extension requests</h2>
    ${
      extensions.length
        ? html`<div class="table-wrap">
            <table class="responsive">
              <thead>
                <tr>
                  <th scope="col">Action</th>
                  <th scope="col">Agency</th>
                  <th scope="col">Due date asked</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                ${extensions.map(
                  (x) =>
                    html`<tr>
                      <td data-label="Action">
                        <a href="/actions/${x.actionId}#extd-h">${x.reviewReference} ${x.reference}</a><br />${x.title}
                      </td>
                      <td data-label="Agency">${x.agencyCode}</td>
                      <td data-label="Due date">${fmtDate(x.previousDueDate)} → ${fmtDate(x.newDueDate)}</td>
                      <td data-label="Reason">${x.reason}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : html`<p>No extension requests are waiting.</p>`
    }`;
}

export function signInPage(ctx: PageContext, email = '', error?: string): Part {
  const problem = fieldProblem(error ? { values: {}, errors: { email: error } } : undefined, 'email');
  return html`<h1>Sign in</h1>
    ${
      ctx.ssoProvider
        ? html`<p><a class="button" href="/signin/sso">Sign in with ${ctx.ssoProvider}</a></p>
            <h2>Or sign in by e-mail</h2>`
        : ''
    }
    <p>Enter your work e-mail address. We will send you a link that signs you in; it works once, for 15 minutes.</p>
    <form class="stack" method="post" action="/signin">
      ${csrfField(ctx)} <label for="email">E-mail address</label>${problem.message}<input
        id="email"
        name="email"
        type="email"
        autocomplete="email"
        required
        value="${email}"
        ${problem.attrs}
      />
      <div><button class="primary" type="submit">Send me a sign-in link</button></div>
    </form>
    ${ctx.embedded.mail ? html`<p class="panel">Trying it out? The demo people are <code>business.manager@board.example</code> (board) and <code>lead@bscb.example</code>, <code>safeguarding.lead@tvp.example</code>… (agencies). The link arrives in the <a href="/mail">mail inbox</a>.</p>` : ''}`;
}

export function checkMailPage(ctx: PageContext): Part {
  return html`<h1>Check your e-mail</h1>
    <p>If that address belongs to an account, a sign-in link is on its way. It works once, for 15 minutes.</p>
    ${ctx.embedded.mail ? html`<p><a href="/mail">Open the mail inbox</a> (embedded mode).</p>` : ''}
    <p><a href="/signin">Send another link</a></p>`;
}

export const messagePage = (title: string, text: string, link?: { href: string; label: string }): Part =>
  html`<h1>${title}</h1>
    <p>${text}</p>
    ${link ? html`<p><a href="${link.href}">${link.label}</a></p>` : ''}`;
