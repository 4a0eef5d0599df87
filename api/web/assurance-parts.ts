/**
 * Issue 17 on the action page: slippage and the impact check among the facts, the progress
 * update form (not a submission), the impact evidence and impact decision forms, and the lists
 * of updates and impact evidence. Kept apart from pages.ts so the lifecycle page stays readable.
 */
import { dateInput } from './date-input';
import { IMPACT_METHODS, isBoardRole } from '../../domain/vocabulary';
import { RAG_LABEL } from '../../domain/words';
import type { ActionPageData } from '../queries/actions';
import { fmtDate, fmtDateTime, html, isoDay, sizeText, type Html, type Part } from './html';
import type { FormState } from './kit';
import { csrfField, fieldProblem, typed, type PageContext } from './layout';

export const ASSURANCE_TEXT: Record<string, string> = {
  scheduled: 'Impact check scheduled',
  due: 'Impact evidence due',
  evidence_submitted: 'Impact evidence with the board',
  evidenced: 'Impact evidenced',
  not_embedded: 'Not embedded: follow-up action created',
  waived: 'Impact check waived',
};

export const METHOD_TEXT: Record<string, string> = {
  audit: 'Audit',
  case_file_sample: 'Case file sample',
  survey: 'Survey',
  performance_data: 'Performance data',
  other: 'Other',
};

/**
 * Beside a closed action's stage: its impact check, so "Implemented" stays the outcome and the
 * assurance is read as a second dimension (issue 17).
 */
export function assuranceBeside(a: { status: string; assurance?: string | null }): Part {
  return a.status === 'closed' && a.assurance
    ? html`<br /><span class="muted">${ASSURANCE_TEXT[a.assurance] ?? a.assurance}</span>`
    : '';
}

export type AssuranceForm = 'progress' | 'impact-evidence' | 'impact-decision';

/** Extra facts: slippage once the date has moved, the impact check once there is one, follow-up links. */
export function assuranceFacts(d: ActionPageData): Part {
  const a = d.action;
  return html`${
    a.extensionCount > 0
      ? html`<dt>Slippage</dt>
          <dd>
            Originally due ${fmtDate(a.originalDueDate)}; ${a.extensionCount}
            extension${a.extensionCount === 1 ? '' : 's'}; ${a.daysSlipped} day${a.daysSlipped === 1 ? '' : 's'} slipped
          </dd>`
      : ''
  }${
    a.assurance
      ? html`<dt>Impact check</dt>
          <dd>
            ${ASSURANCE_TEXT[a.assurance] ?? a.assurance}${a.impactCheckAt ? html` (check date ${fmtDate(a.impactCheckAt)})` : ''}
          </dd>`
      : ''
  }${
    a.impactMeasure
      ? html`<dt>Impact measure</dt>
          <dd>${a.impactMeasure}</dd>`
      : ''
  }${
    a.followUpOf
      ? html`<dt>Follow-up of</dt>
          <dd><a href="/actions/${a.followUpOf}">the action whose learning was not embedded</a></dd>`
      : ''
  }${
    a.followUpActionId
      ? html`<dt>Follow-up action</dt>
          <dd><a href="/actions/${a.followUpActionId}">the follow-up action</a></dd>`
      : ''
  }`;
}

/** The forms issue 17 adds, for whoever may use them now. */
export function assuranceForms(
  ctx: PageContext,
  d: ActionPageData,
  refused: Partial<Record<AssuranceForm, FormState>>,
): Part[] {
  const a = d.action;
  const u = ctx.user!;
  const isAgency = u.role === 'agency';
  const conflicted = u.role === 'board' && u.agencyId !== null && u.agencyId === a.agencyId;
  const forms: Part[] = [];
  if (isAgency && (a.status === 'in_progress' || a.status === 'under_review'))
    forms.push(progressForm(ctx, a.id, refused.progress));
  if (isAgency && (a.assurance === 'scheduled' || a.assurance === 'due'))
    forms.push(impactEvidenceForm(ctx, a.id, a.impactMeasure ?? a.successMeasure, refused['impact-evidence']));
  if (
    isBoardRole(u.role) &&
    u.role === 'board' &&
    !conflicted &&
    a.assurance &&
    ['scheduled', 'due', 'evidence_submitted'].includes(a.assurance)
  )
    forms.push(impactDecisionForm(ctx, a.id, a.assurance === 'evidence_submitted', refused['impact-decision']));
  return forms;
}

function progressForm(ctx: PageContext, id: string, state?: FormState): Html {
  const statement = fieldProblem(state, 'statement', 'pu-statement', 'pu-statement-hint');
  const percent = fieldProblem(state, 'percentComplete', 'pu-percent');
  const rag = fieldProblem(state, 'rag', 'pu-rag');
  const reason = fieldProblem(state, 'ragReason', 'pu-rag-reason');
  const option = (v: string, label: string) =>
    html`<option value="${v}" ${typed(state, 'rag') === v ? html` selected` : ''}>${label}</option>`;
  return html`<section class="panel" aria-labelledby="pu-h"><details${state ? html` open` : ''}><summary><h2 id="pu-h" style="display:inline;font-size:1.1rem">Post a progress update</h2></summary>
<p class="hint">Not a submission: the stage stays, the board is not asked to decide. The latest update shows on the progress statement as your agency's current position.</p>
<form class="stack" method="post" action="/actions/${id}/updates" enctype="multipart/form-data">${csrfField(ctx)}
<label for="pu-statement">Where the action stands</label><span class="hint" id="pu-statement-hint">A short statement, for the board and the statement.</span>
${statement.message}<textarea id="pu-statement" name="statement" required rows="3"${statement.attrs}>${typed(state, 'statement')}</textarea>
<label for="pu-percent">Percent complete (optional)</label>${percent.message}<input id="pu-percent" name="percentComplete" type="number" min="0" max="100" step="1" inputmode="numeric" value="${typed(state, 'percentComplete')}"${percent.attrs}>
<label for="pu-rag">Your RAG (optional)</label>${rag.message}<select id="pu-rag" name="rag"${rag.attrs}>${option('', 'None')}${option('green', 'Green: on track')}${option('amber', 'Amber: at risk')}${option('red', 'Red: off track')}${option('complete', 'Complete')}</select>
<label for="pu-rag-reason">Why that RAG</label>${reason.message}<textarea id="pu-rag-reason" name="ragReason" rows="2"${reason.attrs}>${typed(state, 'ragReason')}</textarea>
<label for="pu-files">Files for this update (optional)</label><input id="pu-files" name="files" type="file" multiple>
<div><button class="secondary" type="submit">Post the update</button></div></form></details></section>`;
}

function impactEvidenceForm(ctx: PageContext, id: string, measure: string | null, state?: FormState): Html {
  const statement = fieldProblem(state, 'statement', 'ie-statement', 'ie-statement-hint');
  const method = fieldProblem(state, 'method', 'ie-method');
  const option = (v: string) =>
    html`<option value="${v}" ${typed(state, 'method') === v ? html` selected` : ''}>${METHOD_TEXT[v] ?? v}</option>`;
  return html`<section class="panel" aria-labelledby="ie-h">
    <h2 id="ie-h">Evidence of impact</h2>
    <p>
      The board asks whether the learning is embedded: what changed in practice, and how you
      know.${measure ? html` Measure: ${measure}` : ''}
    </p>
    <form class="stack" method="post" action="/actions/${id}/impact-evidence" enctype="multipart/form-data">
      ${csrfField(ctx)} <label for="ie-statement">What the evidence shows</label
      ><span class="hint" id="ie-statement-hint">For example the results of an audit or a case file sample.</span>
      ${statement.message}<textarea id="ie-statement" name="statement" required rows="5" ${statement.attrs}>
${typed(state, 'statement')}</textarea>
      <label for="ie-method">How it was measured</label>${method.message}<select
        id="ie-method"
        name="method"
        required${method.attrs}
      >
        ${IMPACT_METHODS.map(option)}
      </select>
      <label for="ie-files">Files of impact evidence (optional)</label
      ><input id="ie-files" name="files" type="file" multiple />
      <div><button class="primary" type="submit">Send the evidence of impact to the board</button></div>
    </form>
  </section>`;
}

function impactDecisionForm(ctx: PageContext, id: string, evidenceIn: boolean, state?: FormState): Html {
  const outcome = fieldProblem(state, 'outcome', 'impact-outcome-evidenced');
  const comment = fieldProblem(state, 'comment', 'impact-comment');
  const choice = (value: string, label: string) =>
    html`<div class="choice">
      <input
        type="radio"
        id="impact-outcome-${value}"
        name="outcome"
        value="${value}"
        required${typed(state, 'outcome') === value ? html` checked` : ''}
      /><label for="impact-outcome-${value}">${label}</label>
    </div>`;
  const suggested = isoDay(new Date(Date.now() + 90 * 86_400_000));
  return html`<section class="panel" aria-labelledby="id-h"><h2 id="id-h">Decide on the impact</h2>
<form class="stack" method="post" action="/actions/${id}/impact-decision">${csrfField(ctx)}
<fieldset${outcome.attrs}><legend>Is the learning embedded?</legend>${outcome.message}
${evidenceIn ? html`${choice('evidenced', 'Evidenced: the learning is embedded')}${choice('not_embedded', 'Not embedded: create a follow-up action')}` : ''}
${choice('waived', 'Waive the impact check')}
</fieldset>
<label for="impact-comment">Reason</label>${comment.message}<textarea id="impact-comment" name="comment" rows="3"${comment.attrs}>${typed(state, 'comment')}</textarea>
${evidenceIn ? dateInput({ name: 'followUpDueDate', legend: 'Follow-up action due (not embedded only)', hint: 'When the follow-up action is due.', state, value: suggested }) : ''}
<div><button class="primary" type="submit">Record the impact decision</button></div></form></section>`;
}

/** A progress update's or impact evidence's files, each a download link on the web's path for it. */
function fileList(
  actionId: string,
  parent: 'updates' | 'impact-evidence',
  parentId: string,
  files: { filename: string; size: number; sha256: string }[],
): Part {
  return files.length
    ? html`<ul class="files" aria-label="Files">
        ${files.map(
          (f) =>
            html`<li>
              <a href="/actions/${actionId}/${parent}/${parentId}/files/${f.sha256}">${f.filename}</a>
              <span class="muted">(${sizeText(f.size)})</span>
            </li>`,
        )}
      </ul>`
    : '';
}

/** The updates (newest first) and the impact evidence with its decisions. */
export function assuranceLists(d: ActionPageData): Part {
  return html`${
    d.progressUpdates.length
      ? html`<h2>Progress updates</h2>
          <ul>
            ${d.progressUpdates.map(
              (p) =>
                html`<li>
                  ${fmtDateTime(p.submittedAt)}${p.submittedByName ? html`, ${p.submittedByName}` : ''}:
                  ${p.statement}${p.percentComplete !== null ? html` (${p.percentComplete}% complete)` : ''}${p.rag ? html`; the agency rates it ${(RAG_LABEL[p.rag] ?? p.rag).toLowerCase()}: ${p.ragReason ?? ''}` : ''}
                  ${fileList(d.action.id, 'updates', p.id, p.attachments)}
                </li>`,
            )}
          </ul>`
      : ''
  }${
    d.impactEvidence.length || d.impactDecisions.length
      ? html`<h2>Impact check</h2>
          <ul>
            ${d.impactEvidence.map(
              (e) =>
                html`<li>
                  Evidence (${METHOD_TEXT[e.method] ?? e.method}), ${fmtDateTime(e.submittedAt)}: ${e.statement}
                  ${fileList(d.action.id, 'impact-evidence', e.id, e.attachments)}
                </li>`,
            )}
            ${d.impactDecisions.map(
              (x) =>
                html`<li>
                  Board: ${ASSURANCE_TEXT[x.outcome] ?? x.outcome},
                  ${fmtDateTime(x.decidedAt)}${x.comment ? html`: ${x.comment}` : ''}
                </li>`,
            )}
          </ul>`
      : ''
  }`;
}
