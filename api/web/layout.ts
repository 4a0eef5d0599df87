import { RAG_LABEL, RESULT_LABEL, STATUS_LABEL, resultOf, stageText } from '../../domain/words';
import { DATE_INPUT_CSS } from './date-input';
import { html, raw, type Html, type Part } from './html';
import type { FormState } from './kit';
import type { WebUser } from './session';

export { STATUS_LABEL, stageText };

/** What a page says above its content: a notice after a change, or the problems with a form. */
export interface PageMessages {
  notice?: string | null;
  error?: string | null;
  /** Problems by field: listed in the summary, each linking to its field (which shows it too). */
  fieldErrors?: Record<string, string>;
  /** Ids of the fields, where they differ from the field names. */
  fieldIds?: Record<string, string>;
}

export interface PageContext {
  user: WebUser | null;
  csrf: string | null;
  /** Embedded mode: the mail inbox and the Temporal UI are there to be clicked. */
  embedded: { mail: boolean; temporalUiUrl: string | null };
  path: string;
  /** Single sign-on is configured: the provider's name for the sign-in button. */
  ssoProvider?: string | null;
}

const CSS = `
:root{--fg:#1b1b1b;--muted:#505a5f;--bg:#fff;--line:#b1b4b6;--link:#1d4f91;--focus:#ffdd00;
--red:#b3261e;--amber:#8a5300;--amber-bg:#ffe8b3;--green:#00703c;--complete:#3d4a5c;--panel:#f3f2f1}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid var(--focus);outline-offset:0;box-shadow:0 0 0 5px var(--fg)}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:var(--focus);padding:4px 8px;z-index:10}
header.site{background:#0b0c0c;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:center}
header.site a{color:#fff}
header.site .brand{font-weight:700;text-decoration:none;font-size:1.1rem}
header.site nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
header.site nav a[aria-current=page]{text-decoration-thickness:3px}
header.site .who{margin-left:auto;display:flex;gap:.75rem;align-items:center;flex-wrap:wrap}
header.site form{margin:0}
header.site button{background:none;border:1px solid #fff;color:#fff;padding:.15rem .6rem;font:inherit;cursor:pointer}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.75rem;margin:.5rem 0 1rem}h2{font-size:1.3rem;margin:1.5rem 0 .5rem}
.muted{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
thead th{border-bottom:2px solid var(--fg)}
.table-wrap{overflow-x:auto}
.rag{display:inline-block;padding:.05rem .5rem;border-radius:3px;font-weight:700;font-size:.9rem;white-space:nowrap;border:2px solid}
.rag-red{color:#fff;background:var(--red);border-color:var(--red)}
.rag-amber{color:var(--amber);background:var(--amber-bg);border-color:var(--amber)}
.rag-green{color:#fff;background:var(--green);border-color:var(--green)}
.rag-complete{color:var(--complete);background:#fff;border-color:var(--complete)}
.rag-implemented{color:var(--green);background:#fff;border-color:var(--green)}
.rag-not_implemented{color:var(--red);background:#fff;border-color:var(--red);border-style:dashed}
.rag-cancelled{color:var(--muted);background:#fff;border-color:var(--muted);border-style:dotted}
.notice{border-left:6px solid var(--green);background:#e7f4ec;padding:.6rem 1rem;margin:0 0 1rem}
.error{border-left:6px solid var(--red);background:#fbe9e8;padding:.6rem 1rem;margin:0 0 1rem}
.error ul{margin:.25rem 0 0;padding-left:1.25rem}
.field-error{display:block;color:var(--red);font-weight:700;margin:.1rem 0 .3rem}
[aria-invalid=true]{border-color:var(--red)!important;border-width:3px!important}
.visually-hidden{position:absolute!important;width:1px;height:1px;margin:0;padding:0;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;border:0}
iframe.preview{display:block;width:100%;height:70vh;border:2px solid #0b0c0c;background:#fff}
footer.site{max-width:72rem;margin:2rem auto 0;padding:1rem;border-top:1px solid var(--line);font-size:.9rem}
.panel{background:var(--panel);padding:1rem;margin:1rem 0}.panel>h2:first-child{margin-top:0}
form.stack{max-width:40rem}
form.stack label,fieldset legend{display:block;font-weight:700;margin:.75rem 0 .25rem}
.hint{display:block;color:var(--muted);font-size:.9rem;margin:-.15rem 0 .3rem}
input[type=text],input[type=email],input[type=date],input[type=url],input[type=search],textarea,select{width:100%;max-width:40rem;font:inherit;padding:.4rem;border:2px solid var(--fg);background:#fff}
textarea{min-height:6rem}
fieldset{border:0;padding:0;margin:.75rem 0}
.choice{display:flex;gap:.5rem;align-items:flex-start;margin:.3rem 0}.choice label{font-weight:400;margin:0}
.choice input[type=radio]{flex:0 0 auto;width:2.5rem;height:2.5rem;margin:0;accent-color:var(--fg);cursor:pointer}
.choice input[type=radio]+label,form.stack .choice input[type=radio]+label{margin:0;padding:.45rem 0 0;font-weight:400;cursor:pointer}
.warning-text{border-left:6px solid var(--fg);padding:.6rem 1rem;margin:1rem 0;max-width:40rem}
.button-group{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline}
dl.confirm{margin:1rem 0}
button.primary,button.secondary,button.warning{font:inherit;font-weight:700;padding:.5rem 1rem;margin-top:1rem;cursor:pointer;border:2px solid transparent}
button.primary{background:var(--green);color:#fff;box-shadow:0 2px 0 #002d18}
button.secondary{background:#f3f2f1;color:var(--fg);border-color:var(--fg)}
button.warning{background:var(--red);color:#fff}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{font-weight:700}dl.facts dd{margin:0}
ol.timeline{list-style:none;padding:0;border-left:3px solid var(--line);margin:0 0 0 .5rem}
ol.timeline li{padding:.1rem 0 .9rem 1rem;position:relative}
ol.timeline li::before{content:"";position:absolute;left:-.55rem;top:.45rem;width:.8rem;height:.8rem;border-radius:50%;background:var(--fg)}
.evidence{border:1px solid var(--line);padding:.75rem 1rem;margin:.5rem 0}
.evidence blockquote{margin:.25rem 0;white-space:pre-wrap}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:1rem}
figure{margin:0;border:1px solid var(--line);padding:.75rem}figcaption{font-weight:700;margin-bottom:.5rem}
svg{max-width:100%;height:auto}
.linked-chart a:hover rect,.linked-chart a:focus rect{stroke:#0b0c0c;stroke-width:3}.linked-chart a:focus{outline:3px solid #fd0}.linked-chart a:focus text{fill:#0b0c0c}
.legend{display:flex;flex-wrap:wrap;gap:.25rem 1rem;list-style:none;padding:0;margin:.5rem 0 0;font-size:.9rem}
.legend span.key{display:inline-block;width:.9rem;height:.9rem;vertical-align:-2px;margin-right:.3rem;border:1px solid var(--fg)}
.cards{display:flex;flex-wrap:wrap;gap:1rem;list-style:none;padding:0}
.cards li{border:1px solid var(--line);padding:.5rem 1rem;min-width:9rem}.cards strong{display:block;font-size:1.8rem}
form.filters{background:var(--panel);padding:.75rem 1rem;margin:0 0 1rem}
.filter-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.5rem 1rem;align-items:end}
.filter-grid label{display:block;font-weight:700;margin:0 0 .25rem}
.filter-grid .choice{margin:0 0 .5rem}.filter-grid .choice label{font-weight:700}
.filter-grid input[type=checkbox]{width:1.25rem;height:1.25rem;margin:.15rem 0 0}
.filter-search{margin:0 0 .75rem}.filter-search label{display:block;font-weight:700;margin:0 0 .25rem}.filter-search .hint{display:block}.filter-search input{width:100%;max-width:36rem}
.filter-buttons{display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}.filter-buttons button{margin-top:.75rem}
nav.pager ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;align-items:baseline}
ul.tabs{list-style:none;padding:0;display:flex;gap:1.5rem}ul.tabs a[aria-current]{font-weight:bold}
a.button{display:inline-block;font-weight:700;padding:.5rem 1rem;background:var(--green);color:#fff;text-decoration:none;box-shadow:0 2px 0 #002d18}
abbr[title]{text-decoration:none}
.rag-key{margin:.5rem 0}dl.key{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:.5rem 0}dl.key dd{margin:0}
tr.total th,tr.total td{font-weight:700;border-top:2px solid var(--fg)}
@media (min-width:40.01rem){table.statement{table-layout:fixed}table.statement col.c-ref{width:4.5rem}
 table.statement col.c-action{width:30%}table.statement col.c-status{width:11rem}
 table.actions{table-layout:fixed}
 table.actions .c-action{width:34%}table.actions .c-agency{width:9%}table.actions .c-rag{width:12%}
 table.actions .c-stage{width:20%}table.actions .c-due{width:13%}table.actions .c-esc{width:12%}}
@media (max-width:40rem){
 main{padding:.5rem}
 table.responsive thead{position:absolute;left:-9999px}
 table.responsive tr{display:block;border-bottom:2px solid var(--fg);padding:.25rem 0}
 table.responsive td{display:block;border:0;padding:.15rem .25rem .15rem 6.5rem;position:relative;min-height:1.9rem}
 table.responsive td::before{content:attr(data-label);font-weight:700;position:absolute;left:.25rem;width:6rem}
 dl.facts{grid-template-columns:1fr}
}
@media print{
 header.site,.no-print,form{display:none!important}
 main{max-width:none;padding:0}
 a{color:inherit;text-decoration:none}
 .rag{border-width:1px}
}
.caption{display:block;color:var(--muted);font-size:1.1rem;margin:0 0 .25rem}
dd.pre{white-space:pre-wrap}
.button-group{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:baseline}
${DATE_INPUT_CSS}`;

function nav(ctx: PageContext): Part {
  const u = ctx.user;
  const links: [string, string][] = [];
  if (u) {
    if (u.role === 'agency') links.push(['/', 'My actions']);
    else links.push(['/', 'Awaiting sign-off'], ['/actions', 'All actions']);
    links.push(['/dashboard', 'Dashboard'], ['/reviews', 'Reviews'], ['/papers', 'Board papers']);
    links.push(['/preferences', 'Preferences']);
    // Issue 20: the chair's queue, and the inspectors' access log for those who oversee it.
    if (u.role !== 'agency') links.push(['/escalations', 'Escalations']);
    if (['board', 'admin', 'chair'].includes(u.role)) links.push(['/inspector-reads', 'Inspector access']);
  }
  // Developer tools, not part of the service: an admin trying the embedded mode sees them, an agency lead never does
  // (signed out, the inbox is reached from the "check your e-mail" page, where the sign-in link arrives).
  if (u?.role === 'admin') {
    if (ctx.embedded.mail) links.push(['/mail', 'Mail inbox']);
    if (ctx.embedded.temporalUiUrl) links.push([ctx.embedded.temporalUiUrl, 'Temporal UI']);
  }
  return html`<nav aria-label="Main">
    <ul>
      ${links.map(
        ([href, label]) =>
          html`<li><a href="${href}" ${ctx.path === href ? raw(' aria-current="page"') : ''}>${label}</a></li>`,
      )}
    </ul>
  </nav>`;
}

export function csrfField(ctx: PageContext): Html {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf ?? ''}" />`;
}

function problems(opts: PageMessages): Part {
  const fields = Object.entries(opts.fieldErrors ?? {});
  if (!opts.error && !fields.length) return '';
  return html`<div class="error" role="alert">
    <strong>There is a problem:</strong> ${opts.error ?? ''}
    ${
      fields.length
        ? html`<ul>
            ${fields.map(([f, m]) => html`<li><a href="#${opts.fieldIds?.[f] ?? f}">${m}</a></li>`)}
          </ul>`
        : ''
    }
  </div>`;
}

export function page(ctx: PageContext, title: string, body: Part, opts: PageMessages = {}): string {
  const u = ctx.user;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${opts.error || opts.fieldErrors ? 'Error: ' : ''}${title} · Safeguarding action plans</title>
        <style>
          ${raw(CSS)}
        </style>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="site">
          <a class="brand" href="/">Safeguarding action plans</a>${nav(ctx)}
          ${
            u
              ? html`<div class="who">
                  <span
                    >${u.name}
                    <span class="muted" style="color:#ccc"
                      >(${u.role === 'agency' ? (u.agencyCode ?? 'agency') : u.role})</span
                    ></span
                  >
                  <form method="post" action="/signout">${csrfField(ctx)}<button type="submit">Sign out</button></form>
                </div>`
              : html`<div class="who"><a href="/signin">Sign in</a></div>`
          }
        </header>
        <main id="main">
          ${opts.notice ? html`<div class="notice" role="status">${opts.notice}</div>` : ''} ${problems(opts)} ${body}
        </main>
        <footer class="site">
          <a href="/accessibility">Accessibility statement</a> · <a href="/docs">API documentation</a>
        </footer>
      </body>
    </html>`.value;
}

/** Colour plus a word and a symbol, so RAG reads without colour vision (WCAG 1.4.1). */
const RAG_SYMBOL: Record<string, string> = {
  red: '▲',
  amber: '◆',
  green: '●',
  complete: '■',
  implemented: '✓',
  not_implemented: '✗',
  cancelled: '–',
};
/**
 * An open action's RAG, or how a finished one ended: given the status and outcome, a closed or
 * cancelled action never reads "complete" (an action closed as not implemented was not done).
 */
export const ragBadge = (rag: string, a?: { status: string; outcome?: string | null }): Html => {
  const result = a ? resultOf(a) : null;
  const key = result ?? rag;
  return html`<span class="rag rag-${key}"
    ><span aria-hidden="true">${RAG_SYMBOL[key] ?? ''} </span
    >${result ? RESULT_LABEL[result] : (RAG_LABEL[rag] ?? rag)}</span
  >`;
};

/** What each badge means, beside every list or page that shows them (the words match docs/ARCHITECTURE.md's RAG rule). */
export const ragKey = html`<details class="rag-key">
  <summary>What the RAG badges mean</summary>
  <dl class="key">
    <dt>${ragBadge('red')}</dt>
    <dd>Overdue, or escalated</dd>
    <dt>${ragBadge('amber')}</dt>
    <dd>Due soon, or the board asked for changes</dd>
    <dt>${ragBadge('green')}</dt>
    <dd>On track</dd>
    <dt>${ragBadge('complete', { status: 'closed', outcome: 'implemented' })}</dt>
    <dd>Closed: the board accepted the evidence</dd>
    <dt>${ragBadge('complete', { status: 'closed', outcome: 'not_implemented' })}</dt>
    <dd>Closed without being done: the board published why</dd>
    <dt>${ragBadge('complete', { status: 'cancelled' })}</dt>
    <dd>Cancelled by the board, with the reason</dd>
  </dl>
</details>`;

/**
 * A form field's problem, shown beside it and tied to it for screen readers: the message (with
 * an id for aria-describedby) and the attributes that mark the field invalid.
 */
export function fieldProblem(
  state: FormState | undefined,
  name: string,
  id = name,
  hintId?: string,
): { message: Part; attrs: Html } {
  const error = state?.errors[name];
  const describedBy = [hintId, error ? `${id}-error` : undefined].filter(Boolean).join(' ');
  return {
    message: error
      ? html`<span class="field-error" id="${id}-error"><span class="visually-hidden">Error:</span> ${error}</span>`
      : '',
    attrs: html`${describedBy ? html` aria-describedby="${describedBy}"` : ''}${error ? raw(' aria-invalid="true"') : ''}`,
  };
}

/** What was typed into a refused form, for the field to show again. */
export const typed = (state: FormState | undefined, name: string, fallback = ''): string =>
  state?.values[name] ?? fallback;

/** What the agency must do next, in words. */
export function nextForAgency(status: string, changesRequested: boolean): string {
  switch (status) {
    case 'assigned':
      return 'Acknowledge the action';
    case 'in_progress':
      return changesRequested ? 'Revise and resubmit evidence' : 'Submit evidence of progress';
    case 'under_review':
      return 'Nothing: waiting for the board';
    default:
      return 'Nothing';
  }
}
