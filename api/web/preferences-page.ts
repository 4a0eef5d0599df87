/** Issue 18: each person's page for their mail choices and cover while away. */
import { DIGESTIBLE_KINDS } from '../../db/schema';
import type { CoverView } from '../use-cases/cover';
import type { DeliveryChoices } from '../use-cases/preferences';
import { dateInput } from './date-input';
import { fmtDate, html, type Html } from './html';
import type { FormState } from './kit';
import { csrfField, fieldProblem, typed, type PageContext } from './layout';

const KIND_LABEL: Record<(typeof DIGESTIBLE_KINDS)[number], string> = {
  reminder: 'Reminders before a due date',
  overdue: 'Overdue notices',
  evidence_submitted: 'Evidence waiting for the board',
  recommendation_complete: 'Recommendations completed',
};

/** The id of a kind's first choice: where the problem summary's link for that kind lands. */
export const mailChoiceId = (kind: string): string => `d-${kind}-immediate`;

export function preferencesPage(
  ctx: PageContext,
  data: { delivery: DeliveryChoices; covers: CoverView[]; colleagues: { id: string; name: string }[] },
  cover?: FormState,
  mail?: FormState,
): Html {
  const choice = (kind: (typeof DIGESTIBLE_KINDS)[number]) => {
    const problem = fieldProblem(mail, kind, mailChoiceId(kind));
    return html`<fieldset>
      <legend>${KIND_LABEL[kind]}</legend>
      ${problem.message}
      ${(['immediate', 'digest'] as const).map(
        (d) =>
          html`<div class="choice">
            <input
              type="radio"
              id="d-${kind}-${d}"
              name="${kind}"
              value="${d}"
              ${data.delivery[kind] === d ? html`checked` : ''}
              ${problem.attrs}
            />
            <label for="d-${kind}-${d}">${d === 'immediate' ? 'At once' : 'In my daily digest'}</label>
          </div>`,
      )}
    </fieldset>`;
  };
  const deputy = fieldProblem(cover, 'deputyId');
  return html`<h1>Preferences</h1>
    <h2>Mail</h2>
    <p>
      Assignments, escalations, decisions and sign-in links always come at once. The others can wait for one digest at
      08:00 on working days.
    </p>
    <form method="post" action="/preferences">
      ${csrfField(ctx)} ${DIGESTIBLE_KINDS.map(choice)}
      <div><button class="primary" type="submit">Save mail choices</button></div>
    </form>
    <h2>Cover while away</h2>
    ${
      data.covers.length
        ? html`<ul>
            ${data.covers.map(
              (c) =>
                html`<li>
                  ${c.user.name} away from ${fmtDate(c.from)} to ${fmtDate(c.to)}: ${c.deputy.name} covers
                  ${
                    // The person away and whoever set it end it; the deputy does not (api/use-cases/cover.ts).
                    c.user.id === ctx.user?.userId || c.setById === ctx.user?.userId
                      ? html`<form method="post" action="/preferences/cover/${c.id}/end">
                          ${csrfField(ctx)}
                          <button class="secondary" type="submit">
                            End ${c.user.id === ctx.user?.userId ? 'my' : `${c.user.name}’s`} cover now
                          </button>
                        </form>`
                      : ''
                  }
                </li>`,
            )}
          </ul>`
        : html`<p>No cover set.</p>`
    }
    ${
      data.colleagues.length
        ? html`<form class="stack" method="post" action="/preferences/cover">
            ${csrfField(ctx)}
            <label for="deputyId">Deputy</label>${deputy.message}
            <select id="deputyId" name="deputyId" ${deputy.attrs}>
              ${data.colleagues.map(
                (c) =>
                  html`<option value="${c.id}" ${typed(cover, 'deputyId') === c.id ? html`selected` : ''}>
                    ${c.name}
                  </option>`,
              )}
            </select>
            ${dateInput({ name: 'from', legend: 'First day away', state: cover })}
            ${dateInput({ name: 'to', legend: 'Last day away', hint: 'The cover ends by itself after this day.', state: cover })}
            <div class="choice">
              <input type="checkbox" id="copyMe" name="copyMe" value="true" />
              <label for="copyMe">Send me a copy of my mail meanwhile</label>
            </div>
            <div><button class="primary" type="submit">Set cover</button></div>
          </form>`
        : ''
    }`;
}
