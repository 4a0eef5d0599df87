/**
 * Board papers on the web: the quarter's meeting pack and the yearly extract, each a link per
 * format, over the same report models and renderers as GET /api/v1/reports/period and /yearly.
 * Kept apart from the other pages so it only needs the router's session and page helpers.
 */
import type { Request, Response, Router } from 'express';
import type { Db } from '../../db/client';
import type { Config } from '../../lib/config';
import { isUuid } from '../../domain/text';
import { dateInput, queryWithDates } from './date-input';
import { findTheme, openActionCountsByTheme, openActionsWithTheme } from '../queries/themes';
import { listReviews } from '../queries/reviews';
import { scopeOf } from '../queries/scope';
import { buildReport } from '../report/model';
import { buildPeriodReport } from '../report/period';
import { periodCsv, periodPaper } from '../report/period-paper';
import { PeriodReportQuery, YearlyExtractQuery } from '../report/period-query';
import { sendPaper } from '../report/send-paper';
import { inSnapshot, readStamp } from '../report/stamp';
import { statementPaper } from '../report/statement-paper';
import { buildYearlyExtract } from '../report/yearly';
import { yearlyPaper } from '../report/yearly-paper';
import { html, isoDay, raw, type Part } from './html';
import type { WebSession } from './session';

export interface PaperPageHelpers {
  db: Db;
  config: Config;
  send: (res: Response, status: number, title: string, body: Part) => void;
  signedIn: (req: Request, res: Response) => WebSession | null;
  notFound: (res: Response) => void;
}

const longDay = (d: Date) =>
  d.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const utc = (y: number, m: number) => new Date(Date.UTC(y, m, 1));

/** Calendar quarters (the financial year's quarters too): the last one completed, and the one before it. */
export function recentQuarters(now: Date, count = 4): { from: Date; to: Date }[] {
  const start = utc(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3);
  return Array.from({ length: count }, (_, i) => ({
    from: utc(start.getUTCFullYear(), start.getUTCMonth() - 3 * (i + 1)),
    to: utc(start.getUTCFullYear(), start.getUTCMonth() - 3 * i),
  }));
}

/** The financial year (April to March) last completed, and the current one so far. */
export function financialYears(now: Date): { label: string; from: Date; to: Date }[] {
  const y = now.getUTCMonth() >= 3 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
  return [
    { label: `April ${y - 1} to March ${y}`, from: utc(y - 1, 3), to: utc(y, 3) },
    {
      label: `April ${y} to date`,
      from: utc(y, 3),
      to: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)),
    },
  ];
}

const FORMAT_WORDS: [string, string][] = [
  ['docx', 'Word'],
  ['pdf', 'PDF'],
  ['xlsx', 'Spreadsheet'],
  ['html', 'Printable page'],
];

const q = (p: Record<string, string>) => new URLSearchParams(p).toString();

function papersPage(
  now: Date,
  reviews: { id: string; reference: string; title: string }[],
  role: string,
  themeList: { code: string; label: string; open: number }[] = [],
): Part {
  const quarters = recentQuarters(now);
  const years = financialYears(now);
  const last = (d: Date) => longDay(new Date(d.getTime() - 1));
  return html`<h1>Board papers</h1>
    <p>
      Meeting packs for the board, made from the record: what was decided in the period, what closed and why not,
      extensions, escalations, new work, and the exceptions (overdue, stalled, no update). Every Word and PDF pack ends
      with its publication record: when it was made, the moment its figures were read, and the audit chain head that
      <code>npm run audit:verify -- --head</code>
      checks.${role === 'agency' ? ' You see your own agency’s actions only.' : ''}
    </p>
    <section aria-labelledby="q-h">
      <h2 id="q-h">Quarter’s pack</h2>
      <div class="table-wrap">
        <table class="responsive">
          <thead>
            <tr>
              <th scope="col">Period</th>
              <th scope="col">Download</th>
            </tr>
          </thead>
          <tbody>
            ${quarters.map((p) => {
              const base = { from: isoDay(p.from), to: isoDay(p.to) };
              return html`<tr>
                <td data-label="Period">${longDay(p.from)} to ${last(p.to)}</td>
                <td data-label="Download">
                  ${FORMAT_WORDS.map(
                    ([f, w], i) =>
                      html`${i ? ' · ' : ''}<a
                          href="/papers/period?${q({ ...base, format: f })}"
                          aria-label="${w}: ${longDay(p.from)} to ${last(p.to)}"
                          ${f === 'html' ? '' : raw(' download')}
                          >${w}</a
                        >`,
                  )}
                  · <a href="/papers/period?${q({ ...base, format: 'csv' })}" download>CSV</a>
                </td>
              </tr>`;
            })}
          </tbody>
        </table>
      </div>
      <form class="filters" method="get" action="/papers/period" aria-label="Another period">
        ${dateInput({ name: 'from', legend: 'From (inclusive)', value: isoDay(quarters[0].from) })}
        ${dateInput({
          name: 'to',
          legend: 'To (not included)',
          hint: 'The day after the period’s last day.',
          value: isoDay(quarters[0].to),
        })}
        <div class="filter-grid">
          <div>
            <label for="p-format">Format</label
            ><select id="p-format" name="format">
              ${FORMAT_WORDS.map(([f, w]) => html`<option value="${f}">${w}</option>`)}
              <option value="csv">CSV</option>
            </select>
          </div>
          ${
            reviews.length
              ? html`<div>
                  <label for="p-review">Review</label
                  ><select id="p-review" name="review">
                    <option value="">Every review</option>
                    ${reviews.map((r) => html`<option value="${r.id}">${r.reference}</option>`)}
                  </select>
                </div>`
              : ''
          }
        </div>
        <div class="filter-buttons"><button class="primary" type="submit">Make the pack</button></div>
      </form>
    </section>
    <section aria-labelledby="y-h">
      <h2 id="y-h">Yearly report extract</h2>
      <p>
        Reviews carried, actions by status and agency, the share closed by the original due date, average slippage,
        decisions not to implement with the reasons, and escalations to the chair.
      </p>
      <ul>
        ${years.map((y) => {
          const base = { from: isoDay(y.from), to: isoDay(y.to) };
          return html`<li>
            ${y.label}: <a href="/papers/yearly?${q({ ...base, format: 'xlsx' })}" download>Spreadsheet (xlsx)</a> ·
            <a href="/papers/yearly?${q({ ...base, format: 'html' })}">View</a> ·
            <a href="/papers/yearly?${q({ ...base, format: 'docx' })}" download>Word</a> ·
            <a href="/papers/yearly?${q({ ...base, format: 'pdf' })}" download>PDF</a>
          </li>`;
        })}
      </ul>
    </section>
    ${
      themeList.length
        ? html`<section aria-labelledby="t-h">
            <h2 id="t-h">Themes across reviews</h2>
            <p>Every open action about a theme, in every review.</p>
            <ul>
              ${themeList.map((t) => html`<li><a href="/papers/theme/${t.code}">${t.label}</a> (${t.open} open)</li>`)}
            </ul>
          </section>`
        : ''
    }
    ${
      reviews.length
        ? html`<section aria-labelledby="s-h">
            <h2 id="s-h">Progress statements</h2>
            <ul>
              ${reviews.map(
                (r) =>
                  html`<li>
                    ${r.reference} ${r.title}: <a href="/papers/statement/${r.id}?format=docx" download>Word</a> ·
                    <a href="/papers/statement/${r.id}?format=pdf" download>PDF</a> ·
                    <a href="/reviews/${r.id}/statement">On screen</a>
                  </li>`,
              )}
            </ul>
          </section>`
        : ''
    }`;
}

const blankToUndefined = (query: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ''));

export function mountPaperPages(router: Router, h: PaperPageHelpers): void {
  const { db, config } = h;
  const bad = (res: Response, issues: { path: PropertyKey[]; message: string }[]) =>
    h.send(
      res,
      400,
      'Period not valid',
      html`<h1>This period cannot be used</h1>
        <ul>
          ${issues.map((i) => html`<li><strong>${String(i.path[0] ?? 'query')}</strong>: ${i.message}</li>`)}
        </ul>
        <p><a href="/papers">Back to the board papers</a></p>`,
    );
  const wrap =
    (fn: (req: Request, res: Response) => Promise<void>) =>
    (req: Request, res: Response, next: (err?: unknown) => void) => {
      fn(req, res).catch(next);
    };

  router.get(
    '/papers',
    wrap(async (req, res) => {
      const s = h.signedIn(req, res);
      if (!s) return;
      const scope = scopeOf(s.user);
      const counts = await openActionCountsByTheme(db, scope);
      h.send(res, 200, 'Board papers', papersPage(new Date(), await listReviews(db, scope), s.user.role, counts));
    }),
  );

  router.get(
    '/papers/period',
    wrap(async (req, res) => {
      const s = h.signedIn(req, res);
      if (!s) return;
      // Issue 22: the page's form sends each date as day, month and year boxes.
      const boxes = queryWithDates(req.query as Record<string, unknown>, [
        { name: 'from', label: 'the first day of the period' },
        { name: 'to', label: 'the day after the period' },
      ]);
      if (boxes.issues.length) return bad(res, boxes.issues);
      const parsed = PeriodReportQuery.safeParse(blankToUndefined(boxes.query));
      if (!parsed.success) return bad(res, parsed.error.issues);
      const { from, to, review, type, theme, format } = parsed.data;
      const now = new Date();
      const { report, stamp } = await inSnapshot(db, async (tx) => ({
        report: await buildPeriodReport(tx, scopeOf(s.user), { from, to, review, type, theme }, now),
        stamp: await readStamp(tx, config.boardName, now),
      }));
      const paper = periodPaper(report);
      if (format === 'json' || format === 'csv') {
        res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json');
        res.setHeader('Content-Disposition', `attachment; filename="${paper.fileName}.${format}"`);
        res.send(
          format === 'csv'
            ? periodCsv(report)
            : JSON.stringify({ ...report, asOf: stamp.asOf, auditHead: stamp.auditHead }),
        );
        return;
      }
      await sendPaper(res, format, paper, stamp);
    }),
  );

  router.get(
    '/papers/yearly',
    wrap(async (req, res) => {
      const s = h.signedIn(req, res);
      if (!s) return;
      const parsed = YearlyExtractQuery.safeParse(blankToUndefined(req.query as Record<string, unknown>));
      if (!parsed.success) return bad(res, parsed.error.issues);
      const { from, to, review, type, theme, format } = parsed.data;
      const now = new Date();
      const { extract, stamp } = await inSnapshot(db, async (tx) => ({
        extract: await buildYearlyExtract(tx, scopeOf(s.user), { from, to, review, type, theme }, now),
        stamp: await readStamp(tx, config.boardName, now),
      }));
      if (format === 'json') {
        res.json({ ...extract, asOf: stamp.asOf, auditHead: stamp.auditHead });
        return;
      }
      await sendPaper(res, format, yearlyPaper(extract), stamp);
    }),
  );

  router.get(
    '/papers/theme/:code',
    wrap(async (req, res) => {
      const s = h.signedIn(req, res);
      if (!s) return;
      const code = String(req.params.code);
      const theme = /^[a-z0-9][a-z0-9-]{0,39}$/.test(code) ? await findTheme(db, code) : undefined;
      if (!theme) return h.notFound(res);
      const rows = await openActionsWithTheme(db, scopeOf(s.user), code);
      h.send(
        res,
        200,
        theme.label,
        html`<p><a href="/papers">&larr; Board papers</a></p>
          <h1>${theme.label}: open actions in every review</h1>
          ${
            rows.length
              ? html`<div class="table-wrap">
                  <table class="responsive">
                    <thead>
                      <tr>
                        <th scope="col">Review</th>
                        <th scope="col">Action</th>
                        <th scope="col">Agency</th>
                        <th scope="col">Stage</th>
                        <th scope="col">Due</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${rows.map(
                        (r) =>
                          html`<tr>
                            <td data-label="Review">
                              ${r.reviewReference}<br /><span class="muted">${r.reviewTitle}</span>
                            </td>
                            <td data-label="Action"><a href="/actions/${r.id}">${r.reference}</a> ${r.title}</td>
                            <td data-label="Agency">${r.agencyCode}</td>
                            <td data-label="Stage">${r.status.replace('_', ' ')}</td>
                            <td data-label="Due">${isoDay(r.dueDate)}</td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>
                </div>`
              : html`<p>No open action has this theme.</p>`
          }`,
      );
    }),
  );

  router.get(
    '/papers/statement/:id',
    wrap(async (req, res) => {
      const s = h.signedIn(req, res);
      if (!s) return;
      const id = String(req.params.id);
      const format = req.query.format === 'pdf' ? 'pdf' : req.query.format === 'xlsx' ? 'xlsx' : 'docx';
      if (!isUuid(id)) return h.notFound(res);
      const now = new Date();
      const read = await inSnapshot(db, async (tx) => ({
        report: await buildReport(tx, scopeOf(s.user), id, now),
        stamp: await readStamp(tx, config.boardName, now),
      }));
      if (!read.report || (s.user.role === 'agency' && read.report.sections.length === 0)) return h.notFound(res);
      await sendPaper(res, format, statementPaper(read.report), read.stamp);
    }),
  );
}
