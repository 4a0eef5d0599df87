/**
 * Issue 22 item 9: the board's corrections as pages. One page per thing corrected (an action, a
 * review), each form on it posting to its own address; the irreversible ones (moving an action to
 * another agency, withdrawing a review) go through a check page first, as GOV.UK services do.
 */
import { isOpen } from '../../domain/vocabulary';
import type { MovedEvidence } from '../queries/moved-evidence';
import type { ActionView } from '../queries/actions';
import type { findReview } from '../queries/reviews';
import { fmtDate, fmtDateTime, html, type Part } from './html';
import type { FormState } from './kit';
import { csrfField, fieldProblem, typed, type PageContext } from './layout';

type Review = NonNullable<Awaited<ReturnType<typeof findReview>>>;
type Agency = { code: string; name: string };

export type ActionCorrectionForm = 'due-date' | 'wording' | 'agency';
export type ReviewCorrectionForm = `recommendation-${string}` | `add-${string}` | 'withdraw';

const DATE_INPUT_CSS = html`<style>
  .date-input {
    display: flex;
    gap: 1rem;
    flex-wrap: wrap;
  }
  .date-input label {
    font-weight: 400 !important;
    margin: 0 0 0.25rem !important;
  }
  .date-input input {
    width: 4.5rem !important;
  }
  .date-input .year input {
    width: 6.5rem !important;
  }
  fieldset.choices .choice {
    align-items: center;
  }
  fieldset.choices .choice input {
    width: 1.6rem;
    height: 1.6rem;
    margin: 0;
    flex: none;
  }
  fieldset.choices .choice label {
    font-weight: 400;
    margin: 0;
  }
  details.add-action {
    margin-top: 1.5rem;
  }
</style>`;

/** The GOV.UK date pattern: day, month and year boxes, the current date as the hint. */
export function dateInput(name: string, legend: string, hint: string, state: FormState | undefined): Part {
  const p = fieldProblem(state, name, `${name}-day`, `${name}-hint`);
  const box = (part: 'day' | 'month' | 'year', label: string) =>
    html`<div class="${part}">
      <label for="${name}-${part}">${label}</label>
      <input
        type="text"
        inputmode="numeric"
        id="${name}-${part}"
        name="${name}-${part}"
        value="${typed(state, `${name}-${part}`)}"
        autocomplete="off"
        ${p.attrs}
      />
    </div>`;
  return html`<fieldset role="group" aria-describedby="${name}-hint">
    <legend>${legend}</legend>
    <span class="hint" id="${name}-hint">${hint}</span>
    ${p.message}
    <div class="date-input">${box('day', 'Day')}${box('month', 'Month')}${box('year', 'Year')}</div>
  </fieldset>`;
}

/** Day, month and year boxes as an ISO day, or the problem in words. */
export function dayFromBoxes(fields: Record<string, unknown>, name: string): { day: string } | { problem: string } {
  const v = (k: string) => (typeof fields[`${name}-${k}`] === 'string' ? String(fields[`${name}-${k}`]).trim() : '');
  const [d, m, y] = [v('day'), v('month'), v('year')];
  if (!d && !m && !y) return { problem: 'Enter the new due date' };
  if (!d || !m || !y) return { problem: `The date must include a ${!d ? 'day' : !m ? 'month' : 'year'}` };
  if (![d, m, y].every((x) => /^\d+$/.test(x)) || y.length !== 4)
    return { problem: 'Enter a real date, like 31 3 2027' };
  const iso = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
  const t = new Date(`${iso}T00:00:00Z`);
  if (Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) !== iso)
    return { problem: 'Enter a real date, like 31 3 2027' };
  return { day: iso };
}

const field = (
  state: FormState | undefined,
  name: string,
  id: string,
  label: string,
  value: string,
  opts: { hint?: string; rows?: number; required?: boolean } = {},
) => {
  const p = fieldProblem(state, name, id, opts.hint ? `${id}-hint` : undefined);
  return html`<label for="${id}">${label}</label
    >${opts.hint ? html`<span class="hint" id="${id}-hint">${opts.hint}</span>` : ''}${p.message}${
      opts.rows
        ? html`<textarea
            id="${id}"
            name="${name}"
            rows="${opts.rows}"
            ${opts.required ? html` required` : ''}${p.attrs}
          >
${typed(state, name, value)}</textarea>`
        : html`<input
            type="text"
            id="${id}"
            name="${name}"
            value="${typed(state, name, value)}"
            ${opts.required ? html` required` : ''}${p.attrs}
          />`
    }`;
};

/** The action's corrections: due date, wording, agency. */
export function correctActionPage(
  ctx: PageContext,
  a: ActionView,
  agencies: Agency[],
  refused: Partial<Record<ActionCorrectionForm, FormState>> = {},
): Part {
  const ref = `${a.reviewReference} ${a.reference}`;
  const open = isOpen(a.status);
  const movable = a.status === 'assigned' || a.status === 'in_progress';
  const dueState = refused['due-date'];
  const words = refused.wording;
  const move = refused.agency;
  const moveP = fieldProblem(move, 'agencyCode', `agency-${agencies.find((g) => g.code !== a.agencyCode)?.code ?? ''}`);
  return html`${DATE_INPUT_CSS}
    <p><a href="/actions/${a.id}">&larr; Back to action ${ref}</a></p>
    <h1>Correct action ${ref}</h1>
    <p>
      Corrections put right what was entered wrongly. Each is kept in the action's timeline and the audit trail with
      what it replaced.
    </p>
    ${
      open
        ? html`<section class="panel" aria-labelledby="due-h">
            <h2 id="due-h">Due date</h2>
            <form class="stack" method="post" action="/actions/${a.id}/correct/due-date" novalidate>
              ${csrfField(ctx)}
              <p>
                This is not an extension: it is not counted as slippage, and the agency is not asked anything. Reminders
                and overdue notices are planned again from the new date.
              </p>
              ${dateInput('dueDate', 'Correct due date', `Currently due ${fmtDate(a.dueDate)}. For example, 31 3 2027`, dueState)}
              ${field(dueState, 'reason', 'due-reason', 'Why the date was wrong', '', {
                hint: 'For example: the plan agreed 30 June, the import said 30 January.',
                rows: 3,
              })}
              <div><button class="primary" type="submit">Correct the due date</button></div>
            </form>
          </section>`
        : html`<p class="panel">
            The action is ${a.status === 'cancelled' ? 'cancelled' : 'closed'}: its due date is history and cannot be
            corrected.
          </p>`
    }
    <section class="panel" aria-labelledby="words-h">
      <h2 id="words-h">Wording</h2>
      <form class="stack" method="post" action="/actions/${a.id}/correct/wording" novalidate>
        ${csrfField(ctx)} ${field(words, 'title', 'w-title', 'Title', a.title, { required: true })}
        ${field(words, 'description', 'w-description', 'Description', a.description ?? '', {
          rows: 4,
          hint: 'Leave blank for none.',
        })}
        ${field(words, 'successMeasure', 'w-success', 'Success measure', a.successMeasure ?? '', {
          rows: 3,
          hint: 'How the board will know it is done. Leave blank for none.',
        })}
        ${field(words, 'reason', 'w-reason', 'Why the wording changed (optional)', '', { rows: 2 })}
        <div><button class="primary" type="submit">Save the wording</button></div>
      </form>
    </section>
    ${
      movable
        ? html`<section class="panel" aria-labelledby="move-h">
            <h2 id="move-h">Move to another agency</h2>
            <form class="stack" method="post" action="/actions/${a.id}/correct/agency" novalidate>
              ${csrfField(ctx)}
              <fieldset class="choices" ${moveP.attrs}>
                <legend>Which agency owns action ${a.reference} from now on?</legend>
                <span class="hint">Now: ${a.agencyName} (${a.agencyCode}). You can check before it moves.</span>
                ${moveP.message}
                ${agencies
                  .filter((g) => g.code !== a.agencyCode)
                  .map(
                    (g) =>
                      html`<div class="choice">
                        <input
                          type="radio"
                          id="agency-${g.code}"
                          name="agencyCode"
                          value="${g.code}"
                          ${typed(move, 'agencyCode') === g.code ? html`checked` : ''}
                        /><label for="agency-${g.code}">${g.name} (${g.code})</label>
                      </div>`,
                  )}
              </fieldset>
              <div><button class="secondary" type="submit">Continue</button></div>
            </form>
          </section>`
        : html`<p class="panel">
            ${
              open
                ? 'The evidence is with the board: decide on it before moving the action to another agency.'
                : 'A finished action stays with the agency that finished it.'
            }
          </p>`
    }`;
}

/** The check before a move: who loses it, who gets it, what happens. */
export function confirmMovePage(ctx: PageContext, a: ActionView, to: Agency): Part {
  const ref = `${a.reviewReference} ${a.reference}`;
  return html`<p><a href="/actions/${a.id}/correct">&larr; Back</a></p>
    <h1>Move action ${a.reference} to ${to.name}?</h1>
    <dl class="facts">
      <dt>Action</dt>
      <dd>${ref}: ${a.title}</dd>
      <dt>From</dt>
      <dd>${a.agencyName} (${a.agencyCode})</dd>
      <dt>To</dt>
      <dd>${to.name} (${to.code})</dd>
      <dt>Due</dt>
      <dd>${fmtDate(a.dueDate)} (unchanged)</dd>
    </dl>
    <ul>
      <li>${to.name}'s lead officer is mailed the action and must acknowledge it.</li>
      <li>${a.agencyName} no longer sees the action, but keeps the evidence it sent (under "Moved actions").</li>
      <li>Open escalations end; a named owner is cleared.</li>
    </ul>
    <form method="post" action="/actions/${a.id}/correct/agency">
      ${csrfField(ctx)}
      <input type="hidden" name="agencyCode" value="${to.code}" />
      <input type="hidden" name="confirm" value="yes" />
      <button class="warning" type="submit">Move action ${a.reference} to ${to.code}</button>
    </form>
    <p><a href="/actions/${a.id}">No, keep it with ${a.agencyCode}</a></p>`;
}

/** The review's corrections: each recommendation's text, an action added to it, the withdrawal. */
export function correctReviewPage(
  ctx: PageContext,
  r: Review,
  agencies: Agency[],
  refused: Partial<Record<ReviewCorrectionForm, FormState>> = {},
): Part {
  const withdrawn = r.status === 'withdrawn';
  const openCount = r.recommendations.flatMap((x) => x.actions).filter((a) => isOpen(a.status)).length;
  const w = refused.withdraw;
  return html`${DATE_INPUT_CSS}
    <p><a href="/reviews/${r.id}">&larr; Back to the ${r.reference} review</a></p>
    <h1>Correct the ${r.reference} review</h1>
    ${r.recommendations.map((rec) => {
      const key = `recommendation-${rec.id}` as const;
      const add = refused[`add-${rec.id}`];
      const agencyP = fieldProblem(add, 'agencyCode', `add-agency-${rec.id}`);
      return html`<section class="panel" aria-labelledby="h-${rec.id}">
        <h2 id="h-${rec.id}">Recommendation ${rec.number}</h2>
        <form class="stack" method="post" action="/recommendations/${rec.id}/correct/wording" novalidate>
          ${csrfField(ctx)}
          ${field(refused[key], 'text', `rec-text-${rec.id}`, `Text of recommendation ${rec.number}`, rec.text, {
            rows: 4,
            required: true,
          })}
          ${field(refused[key], 'reason', `rec-reason-${rec.id}`, 'Why it changed (optional)', '', { rows: 2 })}
          <div><button class="secondary" type="submit">Save recommendation ${rec.number}</button></div>
        </form>
        ${
          rec.status === 'open' && !withdrawn
            ? html`<details class="add-action" ${add ? html` open` : ''}>
                <summary>Add an action to recommendation ${rec.number}</summary>
                <form class="stack" method="post" action="/recommendations/${rec.id}/correct/actions" novalidate>
                  ${csrfField(ctx)}
                  <label for="add-agency-${rec.id}">Lead agency</label>${agencyP.message}
                  <select id="add-agency-${rec.id}" name="agencyCode" ${agencyP.attrs}>
                    <option value="">Choose the agency</option>
                    ${agencies.map(
                      (g) =>
                        html`<option value="${g.code}" ${typed(add, 'agencyCode') === g.code ? html` selected` : ''}>
                          ${g.name} (${g.code})
                        </option>`,
                    )}
                  </select>
                  ${field(add, 'title', `add-title-${rec.id}`, 'Action', '', { required: true })}
                  ${field(add, 'successMeasure', `add-success-${rec.id}`, 'Success measure (optional)', '', { rows: 2 })}
                  ${dateInput(`due-${rec.id}`, 'Due date', 'For example, 31 3 2027', add)}
                  <div><button class="primary" type="submit">Add the action and tell the agency</button></div>
                </form>
              </details>`
            : html`<p class="muted">
                ${withdrawn ? 'The review is withdrawn: no actions can be added.' : 'This recommendation is complete: no actions can be added.'}
              </p>`
        }
      </section>`;
    })}
    ${
      withdrawn
        ? html`<p class="panel">This review was withdrawn.</p>`
        : html`<section class="panel" aria-labelledby="withdraw-h">
            <h2 id="withdraw-h">Withdraw the review</h2>
            <form class="stack" method="post" action="/reviews/${r.id}/withdraw" novalidate>
              ${csrfField(ctx)}
              <p>
                Withdrawing cancels every open action of the review (${openCount} now), with your reason. Each agency
                with open actions gets one mail. It cannot be undone. You can check before it happens.
              </p>
              ${field(w, 'reason', 'withdraw-reason', 'Reason for withdrawing', '', {
                rows: 3,
                hint: 'For example: entered twice; the review was superseded by the 2027 review.',
              })}
              <div><button class="secondary" type="submit">Continue</button></div>
            </form>
          </section>`
    }`;
}

/** The check before a withdrawal: every open action that ends, by agency. */
export function confirmWithdrawPage(ctx: PageContext, r: Review, reason: string): Part {
  const open = r.recommendations.flatMap((x) => x.actions).filter((a) => isOpen(a.status));
  const agencies = [...new Set(open.map((a) => a.agencyCode))];
  return html`<p><a href="/reviews/${r.id}/correct">&larr; Back</a></p>
    <h1>Withdraw the ${r.reference} review?</h1>
    <p>
      ${open.length} open action${open.length === 1 ? '' : 's'} will be cancelled, and ${agencies.length}
      agenc${agencies.length === 1 ? 'y' : 'ies'} told once each.
    </p>
    <dl class="facts">
      <dt>Reason</dt>
      <dd>${reason}</dd>
    </dl>
    ${
      open.length
        ? html`<table>
            <caption class="visually-hidden">
              Actions that will be cancelled
            </caption>
            <thead>
              <tr>
                <th scope="col">Action</th>
                <th scope="col">Agency</th>
                <th scope="col">Due</th>
              </tr>
            </thead>
            <tbody>
              ${open.map(
                (a) =>
                  html`<tr>
                    <td>${a.reference} ${a.title}</td>
                    <td>${a.agencyCode}</td>
                    <td>${fmtDate(a.dueDate)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : ''
    }
    <form method="post" action="/reviews/${r.id}/withdraw">
      ${csrfField(ctx)}
      <input type="hidden" name="reason" value="${reason}" />
      <input type="hidden" name="confirm" value="yes" />
      <button class="warning" type="submit">
        Withdraw ${r.reference} and cancel ${open.length} action${open.length === 1 ? '' : 's'}
      </button>
    </form>
    <p><a href="/reviews/${r.id}">No, keep the review</a></p>`;
}

/** The old agency's own evidence on actions the board moved elsewhere. */
export function movedEvidencePage(list: MovedEvidence[]): Part {
  return html`<h1>Moved actions: your evidence</h1>
    <p>
      The board moved these actions to another agency. You no longer see the actions, but the evidence your agency sent
      stays yours to read.
    </p>
    ${
      list.length
        ? list.map(
            (a) =>
              html`<section aria-labelledby="mv-${a.actionId}">
                <h2 id="mv-${a.actionId}">${a.reviewReference} ${a.reference}: ${a.title}</h2>
                <p class="muted">Now with ${a.nowWith}.</p>
                ${a.evidence.map(
                  (e) =>
                    html`<article class="evidence">
                      <p>Sent ${fmtDateTime(e.submittedAt)}${e.submittedByName ? ` by ${e.submittedByName}` : ''}</p>
                      <blockquote>${e.statement}</blockquote>
                      ${
                        e.links.length
                          ? html`<ul>
                              ${e.links.map((l) => html`<li>${l}</li>`)}
                            </ul>`
                          : ''
                      }
                      ${
                        e.attachments.length
                          ? html`<ul>
                              ${e.attachments.map(
                                (f) => html`<li><a href="/moved/${a.actionId}/files/${f.id}">${f.filename}</a></li>`,
                              )}
                            </ul>`
                          : ''
                      }
                    </article>`,
                )}
              </section>`,
          )
        : html`<p>None of your agency's actions has been moved to another agency.</p>`
    }`;
}
