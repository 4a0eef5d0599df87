/**
 * Issue 22, items 7 and 8: a step that cannot be taken back asks first (GOV.UK's confirmation
 * pattern: what will happen, one clearly worded button, a way back that changes nothing), the
 * board can reopen a finished action, the agency can withdraw what the board has not decided on,
 * and after a decision the board is offered the next action awaiting sign-off.
 */
import { fmtDate, html, type Html, type Part } from './html';
import { dateInput } from './date-input';
import type { FormState } from './kit';
import { csrfField, fieldProblem, typed, type PageContext } from './layout';

/** What a confirmation page names: the action as people know it. */
export interface ConfirmSubject {
  id: string;
  reviewReference: string;
  reference: string;
  title: string;
  agencyName: string;
  agencyCode: string;
}

const DECISION_CONFIRM: Record<
  string,
  { question: string; button: (ref: string) => string; then: string; label: string }
> = {
  approve: {
    question: 'Approve the evidence and close action',
    button: (ref) => `Approve and close action ${ref}`,
    label: 'Approve: closed as implemented',
    then: 'The action is closed as implemented. The agency is told, and the action no longer appears in its list of work to do.',
  },
  close_not_implemented: {
    question: 'Close action',
    button: (ref) => `Close action ${ref} as not implemented`,
    label: 'Close as not implemented',
    then: 'The action is closed as not implemented. The agency is told, and your reason is published in the progress statement.',
  },
};

/** The outcomes that ask "are you sure?" before anything changes. */
export const CONFIRMED_OUTCOMES = Object.keys(DECISION_CONFIRM);

function subjectFacts(a: ConfirmSubject, rows: [string, Part][]): Html {
  return html`<dl class="facts confirm">
    <dt>Action</dt>
    <dd>${a.reviewReference} ${a.reference}: ${a.title}</dd>
    <dt>Agency</dt>
    <dd>${a.agencyName} (${a.agencyCode})</dd>
    ${rows.map(
      ([k, v]) =>
        html`<dt>${k}</dt>
          <dd>${v}</dd>`,
    )}
  </dl>`;
}

/** The hidden copy of what was typed, so the confirming POST carries exactly it (and the CSRF token). */
const hidden = (fields: Record<string, string>) =>
  Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}" />`);

function confirmForm(
  ctx: PageContext,
  action: string,
  fields: Record<string, string>,
  button: Html,
  backHref: string,
): Html {
  return html`<form method="post" action="${action}" class="confirm-form">
    ${csrfField(ctx)}${hidden(fields)}
    <div class="button-group">
      ${button}
      <button class="secondary" type="submit" name="confirmed" value="change">Change my answer</button>
    </div>
    <p><a href="${backHref}">No, go back to the action without changing anything</a></p>
  </form>`;
}

export function confirmDecisionPage(
  ctx: PageContext,
  a: ConfirmSubject,
  body: { outcome: string; comment: string },
): { title: string; body: Part } {
  const c = DECISION_CONFIRM[body.outcome];
  const title = `${c.question} ${a.reference}?`;
  return {
    title,
    body: html`<p>
        <a href="/actions/${a.id}" class="back-link">&larr; Back to ${a.reviewReference} ${a.reference}</a>
      </p>
      <h1>${title}</h1>
      ${subjectFacts(a, [
        ['Decision', c.label],
        [
          body.outcome === 'approve' ? "Board's comment" : 'Reason',
          body.comment || html`<span class="muted">none</span>`,
        ],
      ])}
      <div class="warning-text" role="note"><strong>Nothing has changed yet.</strong> ${c.then}</div>
      ${confirmForm(
        ctx,
        `/actions/${a.id}/decision`,
        { outcome: body.outcome, comment: body.comment },
        html`<button class="primary" type="submit" name="confirmed" value="yes">${c.button(a.reference)}</button>`,
        `/actions/${a.id}`,
      )}`,
  };
}

export function confirmCancelPage(ctx: PageContext, a: ConfirmSubject, reason: string): { title: string; body: Part } {
  const title = `Cancel action ${a.reference}?`;
  return {
    title,
    body: html`<p>
        <a href="/actions/${a.id}" class="back-link">&larr; Back to ${a.reviewReference} ${a.reference}</a>
      </p>
      <h1>${title}</h1>
      ${subjectFacts(a, [['Reason for cancelling', reason]])}
      <div class="warning-text" role="note">
        <strong>Nothing has changed yet.</strong> Cancelling stops every reminder and escalation for this action. The
        agency is told, the reason is kept in the timeline and the progress statement shows it as cancelled.
      </div>
      ${confirmForm(
        ctx,
        `/actions/${a.id}/cancel`,
        { reason },
        html`<button class="warning" type="submit" name="confirmed" value="yes">
          Cancel action ${a.reference} permanently
        </button>`,
        `/actions/${a.id}`,
      )}`,
  };
}

/** Finished in a way the board may undo (the workflow's rule: workflows/reopen-withdraw.ts). */
export function mayReopen(a: { status: string; outcome: string | null; assurance?: string | null }): boolean {
  if (a.status === 'cancelled') return true;
  return (
    a.status === 'closed' && (a.outcome === 'not_implemented' || a.assurance === null || a.assurance === undefined)
  );
}

/** The board's reopen form on a finished action's page. */
export function reopenForm(
  ctx: PageContext,
  a: { id: string; reference: string; status: string; dueDate: string },
  state?: FormState,
): Html {
  const reason = fieldProblem(state, 'reason', 'reopen-reason', 'reopen-reason-hint');
  return html`<section class="panel" aria-labelledby="reopen-h"><details${state ? html` open` : ''}><summary><h2 id="reopen-h" style="display:inline;font-size:1.1rem">Reopen this action</h2></summary>
<form class="stack" method="post" action="/actions/${a.id}/reopen">${csrfField(ctx)}
<p>Reopening gives the action back to the agency: it is ${a.status === 'cancelled' ? 'no longer cancelled' : 'no longer closed'}, reminders and escalations start again and the agency is told why.</p>
<label for="reopen-reason">Reason for reopening</label><span class="hint" id="reopen-reason-hint">Required. It is kept in the timeline and sent to the agency. For example: closed by mistake, or the service was not decommissioned after all.</span>
${reason.message}<textarea id="reopen-reason" name="reason" required rows="3"${reason.attrs}>${typed(state, 'reason')}</textarea>
${dateInput({
  name: 'newDueDate',
  legend: 'New due date (optional)',
  hint: `Leave empty to keep ${fmtDate(a.dueDate)}. A date already past makes the action overdue at once.`,
  state,
})}
<div><button class="primary" type="submit">Reopen action ${a.reference}</button></div></form></details></section>`;
}

/** The agency's way to take back a request for more time the board has not decided on. */
export function withdrawExtensionForm(
  ctx: PageContext,
  actionId: string,
  x: { id: string; requestedAt: string; newDueDate: string },
): Html {
  return html`<section class="panel" aria-labelledby="extw-h">
    <h2 id="extw-h">Your request for more time</h2>
    <p>
      You asked on ${fmtDate(x.requestedAt)} to move the due date to <strong>${fmtDate(x.newDueDate)}</strong>; the
      board has not decided yet.
    </p>
    <form method="post" action="/actions/${actionId}/extensions/${x.id}/withdraw">
      ${csrfField(ctx)}
      <p class="hint">Withdraw it if you no longer need the time, or to ask again for a different date.</p>
      <button class="secondary" type="submit">Withdraw the request for more time</button>
    </form>
  </section>`;
}

/** The agency's way to take back evidence the board has not decided on (to correct it). */
export function withdrawEvidenceForm(ctx: PageContext, actionId: string, evidenceId: string): Html {
  return html`<section class="panel" aria-labelledby="evw-h">
    <h2 id="evw-h">Your evidence is with the board</h2>
    <p>
      The board has not decided on it yet. If you need to correct it, withdraw it: the action goes back to in progress
      and you can send it again.
    </p>
    <form method="post" action="/actions/${actionId}/evidence/withdraw">
      ${csrfField(ctx)}<input type="hidden" name="evidenceId" value="${evidenceId}" /><button
        class="secondary"
        type="submit"
      >
        Withdraw the evidence
      </button>
    </form>
  </section>`;
}

/** After a decision: the next action with evidence waiting, or the way back to the list. */
export function nextSignOffPanel(
  next: { id: string; reviewReference: string; reference: string; title: string } | null,
): Html {
  return html`<section class="panel next-signoff" aria-labelledby="next-h">
    <h2 id="next-h">Next awaiting sign-off</h2>
    ${
      next
        ? html`<p>${next.reviewReference} ${next.reference}: ${next.title}</p>
            <p>
              <a class="button" href="/actions/${next.id}#evidence-h"
                >Next awaiting sign-off: ${next.reviewReference} ${next.reference}</a
              >
            </p>`
        : html`<p>No other evidence is waiting for the board. <a href="/">Back to Awaiting sign-off</a></p>`
    }
  </section>`;
}
