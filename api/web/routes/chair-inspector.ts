/**
 * Issue 20: the pages of the chair's escalation queue and the inspectors' access log, and the
 * inspector guard every page passes: an inspector's page reads are logged before they are
 * served, and any form an inspector sends (but signing out) is refused.
 */
import { Router, type RequestHandler } from 'express';
import { AppError } from '../../../lib/errors';
import { requireAccess } from '../../http/route';
import { listEscalations, type EscalationView, type EscalationState } from '../../queries/escalations';
import { listInspectorReads, recordInspectorRead } from '../../queries/inspector-reads';
import { ACCESS_LOG_READERS, CHAIR, QUEUE_READERS } from '../../routes/chair-inspector';
import { ChallengeBody, ResolveBody, ResponseBody, RetimeBody } from '../../schemas';
import { lifecycleDeps } from '../../use-cases/action-commands';
import { recordChairStep, type ChairInput } from '../../use-cases/chair';
import { inspectorReadsCsv } from '../../use-cases/inspector-access';
import { dateFieldId, dateInput, readDateInput } from '../date-input';
import { fmtDate, fmtDateTime, html, raw, type Part } from '../html';
import { actorOf, fieldErrors, locals, str, type FormState, type WebKit } from '../kit';
import { csrfField, fieldProblem, typed, type PageContext } from '../layout';
import { messagePage } from '../pages';

/** Mounted right after the session is loaded, before every page router. */
export function inspectorGuard(kit: WebKit): RequestHandler {
  return (req, res, next) => {
    const s = locals(res).session;
    if (s?.user.role !== 'inspector' || req.path.startsWith('/api/')) return next();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (req.path === '/signout') return next();
      return kit.send(
        res,
        403,
        'Read-only access',
        messagePage('Read-only access', 'An inspector can read everything here and change nothing.', {
          href: '/',
          label: 'Start page',
        }),
      );
    }
    recordInspectorRead(kit.ctx.db, { userId: s.user.userId, method: 'GET', path: req.originalUrl, via: 'page' })
      .then(() => next())
      .catch(next);
  };
}

const REASON: Record<string, string> = {
  not_acknowledged: 'not acknowledged',
  overdue: 'overdue',
  stalled: 'stalled',
  awaiting_board: 'awaiting the board',
};
const STEP: Record<string, string> = {
  challenge: 'Challenge',
  response: 'Response',
  resolved: 'Resolved',
  retimed: 'Re-timed',
};

function notes(e: EscalationView): Part {
  if (!e.notes.length) return html`<span class="muted">No challenge yet</span>`;
  return html`<ol>
    ${e.notes.map(
      (n) =>
        html`<li>
          <strong>${STEP[n.step] ?? n.step}</strong>${
            n.sentTo ? html` to the ${n.sentTo === 'senior' ? 'senior manager' : 'lead officer'}` : ''
          }${n.until ? html`, until ${fmtDateTime(n.until)}` : ''}
          (${fmtDateTime(n.recordedAt)}${n.recordedBy ? html`, ${n.recordedBy}` : ''})${
            n.text ? html`<br /><q>${n.text}</q>` : ''
          }
        </li>`,
    )}
  </ol>`;
}

/** A refused step: which escalation and form, what was typed and what was wrong, shown beside the field. */
export interface RefusedStep {
  escalationId: string;
  step: string;
  state: FormState;
}

/** The id of a chair form's field: one per escalation, so the error summary can link to it. */
const FORM_PREFIX: Record<string, string> = { challenge: 'ch', response: 're', resolve: 'rs', retime: 'rt' };
const fieldId = (step: string, name: string, escalationId: string) => `${FORM_PREFIX[step]}-${name}-${escalationId}`;

function chairForms(ctx: PageContext, e: EscalationView, refused?: RefusedStep): Part {
  const id = e.id;
  const mine = refused?.escalationId === id ? refused : undefined;
  const stateOf = (step: string) => (mine?.step === step ? mine.state : undefined);
  const problem = (step: string, name: string, hintId?: string) =>
    fieldProblem(stateOf(step), name, fieldId(step, name, id), hintId);
  const chText = problem('challenge', 'text');
  const chTo = problem('challenge', 'to');
  const reText = problem('response', 'text');
  const rsComment = problem('resolve', 'comment');
  const rtComment = problem('retime', 'comment');
  const to = typed(stateOf('challenge'), 'to', 'lead');
  return html`<details ${mine ? raw('open') : ''}>
    <summary>Record a step on ${e.action.reviewReference} ${e.action.reference}</summary>
    <form class="stack" method="post" action="/escalations/${id}/challenge">
      ${csrfField(ctx)}
      <label for="ch-text-${id}">Challenge</label>
      ${chText.message}<textarea id="ch-text-${id}" name="text" rows="3" required ${chText.attrs}>
${typed(stateOf('challenge'), 'text')}</textarea>
      <label for="ch-to-${id}">Send it to</label>
      ${chTo.message}<select id="ch-to-${id}" name="to" ${chTo.attrs}>
        <option value="lead" ${to === 'lead' ? raw('selected') : ''}>The agency's lead officer</option>
        <option value="senior" ${to === 'senior' ? raw('selected') : ''}>The agency's senior manager</option>
      </select>
      <div><button class="primary" type="submit">Send the challenge</button></div>
    </form>
    <form class="stack" method="post" action="/escalations/${id}/response">
      ${csrfField(ctx)}
      <label for="re-text-${id}">The agency's response</label>
      ${reText.message}<textarea id="re-text-${id}" name="text" rows="3" required ${reText.attrs}>
${typed(stateOf('response'), 'text')}</textarea>
      <div><button class="secondary" type="submit">Record the response</button></div>
    </form>
    <form class="stack" method="post" action="/escalations/${id}/resolve">
      ${csrfField(ctx)}
      <label for="rs-comment-${id}">Comment (optional)</label>
      ${rsComment.message}<textarea id="rs-comment-${id}" name="comment" rows="2" ${rsComment.attrs}>
${typed(stateOf('resolve'), 'comment')}</textarea>
      <div><button class="secondary" type="submit">Close as resolved</button></div>
    </form>
    <form class="stack" method="post" action="/escalations/${id}/retime">
      ${csrfField(ctx)}
      ${dateInput({
        name: 'until',
        id: fieldId('retime', 'until', id),
        legend: 'Raise it again on',
        hint: 'A day after today, such as the day of the next board meeting.',
        state: stateOf('retime'),
      })}
      <label for="rt-comment-${id}">Comment (optional)</label>
      ${rtComment.message}<textarea id="rt-comment-${id}" name="comment" rows="2" ${rtComment.attrs}>
${typed(stateOf('retime'), 'comment')}</textarea>
      <div><button class="secondary" type="submit">Re-time the escalation</button></div>
    </form>
  </details>`;
}

export function escalationQueuePage(
  ctx: PageContext,
  list: EscalationView[],
  state: EscalationState,
  refused?: RefusedStep,
): Part {
  const isChair = ctx.user?.role === 'chair';
  const tabs: [EscalationState, string][] = [
    ['open', 'Open'],
    ['retimed', 'Re-timed'],
    ['closed', 'Closed'],
  ];
  return html`<h1>Escalations</h1>
    <p>
      Escalations by level (highest first) and age.
      ${
        isChair
          ? 'Record a challenge (mailed to the agency), its response, and close the escalation as resolved or re-time it.'
          : 'The independent chair records challenges, responses and resolutions here.'
      }
    </p>
    <nav aria-label="Escalation states">
      <ul>
        ${tabs.map(
          ([s, label]) =>
            html`<li>
              <a href="/escalations?state=${s}" ${s === state ? html`aria-current="page"` : ''}>${label}</a>
            </li>`,
        )}
      </ul>
    </nav>
    ${
      list.length
        ? html`<div class="table-wrap">
            <table class="responsive">
              <thead>
                <tr>
                  <th scope="col">Level</th>
                  <th scope="col">Action</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Raised</th>
                  <th scope="col">Who was told</th>
                  <th scope="col">History</th>
                </tr>
              </thead>
              <tbody>
                ${list.map(
                  (e) =>
                    html`<tr>
                      <td data-label="Level">${e.level}</td>
                      <td data-label="Action">
                        <a href="/actions/${e.action.id}"
                          >${e.action.reviewReference} ${e.action.reference}: ${e.action.title}</a
                        ><br />${e.action.agencyName} (${e.action.agencyCode}), due ${fmtDate(e.action.dueDate)}
                      </td>
                      <td data-label="Reason">${REASON[e.reason] ?? e.reason}</td>
                      <td data-label="Raised">
                        ${fmtDateTime(e.raisedAt)} (${e.ageDays}
                        ${e.ageDays === 1 ? 'day' : 'days'})${
                          e.retimedUntil ? html`<br />re-timed to ${fmtDateTime(e.retimedUntil)}` : ''
                        }
                      </td>
                      <td data-label="Told">
                        ${e.notified.length ? e.notified.join(', ') : html`<span class="muted">—</span>`}
                      </td>
                      <td data-label="History">
                        ${notes(e)} ${isChair && e.resolvedAt === null ? chairForms(ctx, e, refused) : ''}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : html`<p>No escalations here.</p>`
    }`;
}

function accessLogPage(rows: Awaited<ReturnType<typeof listInspectorReads>>): Part {
  return html`<h1>Inspector access log</h1>
    <p>Every page and API read by an inspector: who, what and when, newest last.</p>
    <p><a href="/inspector-reads.csv" download>Export the whole log (CSV)</a></p>
    ${
      rows.length
        ? html`<div class="table-wrap">
            <table class="responsive">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Inspector</th>
                  <th scope="col">What</th>
                  <th scope="col">Via</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (r) =>
                    html`<tr>
                      <td data-label="When"><time datetime="${r.readAt}">${fmtDateTime(r.readAt)}</time></td>
                      <td data-label="Inspector">${r.name} (${r.email})</td>
                      <td data-label="What"><code>${r.path}</code></td>
                      <td data-label="Via">${r.via}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : html`<p>No inspector has read anything yet.</p>`
    }`;
}

const STEPS: Record<string, (fields: Record<string, unknown>, kit: WebKit) => ChairInput> = {
  challenge: (f, kit) => ({ step: 'challenge', ...kit.parse(ChallengeBody, f) }),
  response: (f, kit) => ({ step: 'response', ...kit.parse(ResponseBody, f) }),
  resolve: (f, kit) => ({ step: 'resolved', ...kit.parse(ResolveBody, f) }),
  // Issue 22: the day is three boxes (until-day, until-month, until-year).
  retime: (f, kit) => ({
    step: 'retimed',
    ...kit.parse(RetimeBody, {
      until: readDateInput(f, 'until', 'the day to raise it again', { required: true }),
      comment: f.comment,
    }),
  }),
};

export function chairInspectorRouter(kit: WebKit): Router {
  const router = Router();
  const { ctx, wrap } = kit;

  const stateOf = (v: unknown): EscalationState => (v === 'retimed' || v === 'closed' || v === 'all' ? v : 'open');

  router.get(
    '/escalations',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      requireAccess(QUEUE_READERS, s.user.role, true);
      const state = stateOf(req.query.state);
      const now = new Date();
      kit.send(
        res,
        200,
        'Escalations',
        escalationQueuePage(locals(res).ctx, await listEscalations(ctx.db, { state }, now), state),
        { notice: locals(res).notice },
      );
    }),
  );

  router.post(
    '/escalations/:id/:step',
    wrap(async (req, res) => {
      const form = await kit.readForm(req, res);
      if (!form) return;
      const s = kit.signedIn(req, res);
      if (!s) return;
      const make = STEPS[String(req.params.step)];
      if (!make) return kit.notFound(res);
      try {
        requireAccess(CHAIR, s.user.role);
        const input = make(
          Object.fromEntries(Object.entries(form.fields).map(([k, v]) => [k, str(v) || undefined])),
          kit,
        );
        await recordChairStep(lifecycleDeps(ctx), actorOf(s), String(req.params.id), input);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.kind === 'not_found') return kit.notFound(res);
        const errors = fieldErrors(err);
        const now = new Date();
        const escalationId = String(req.params.id);
        const step = String(req.params.step);
        const values = Object.fromEntries(Object.entries(form.fields).map(([k, v]) => [k, str(v)]));
        // The refused form is shown open, with what was typed and each problem beside its field.
        const refused: RefusedStep = { escalationId, step, state: { values, errors } };
        const fields = Object.keys(errors).length > 0;
        return kit.send(
          res,
          err.status,
          'Escalations',
          escalationQueuePage(locals(res).ctx, await listEscalations(ctx.db, { state: 'open' }, now), 'open', refused),
          {
            error: fields
              ? 'the step was not recorded; check the fields below.'
              : `the step was not recorded: ${err.message}`,
            fieldErrors: errors,
            fieldIds: Object.fromEntries(
              Object.keys(errors).map((f) => {
                const field = fieldId(step, f, escalationId);
                return [f, step === 'retime' && f === 'until' ? dateFieldId(field) : field];
              }),
            ),
          },
        );
      }
      kit.flashAndRedirect(res, 'chair_step', '/escalations');
    }),
  );

  router.get(
    '/inspector-reads',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      requireAccess(ACCESS_LOG_READERS, s.user.role, true);
      const rows = await listInspectorReads(ctx.db, { limit: 10_000 });
      kit.send(res, 200, 'Inspector access log', accessLogPage(rows));
    }),
  );

  router.get(
    '/inspector-reads.csv',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      requireAccess(ACCESS_LOG_READERS, s.user.role, true);
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .setHeader('Content-Disposition', 'attachment; filename="inspector-access-log.csv"')
        .send(inspectorReadsCsv(await listInspectorReads(ctx.db, {})));
    }),
  );

  return router;
}
