/**
 * The web pages: server-rendered HTML over the same use-cases and database as the API. Sessions
 * come from e-mailed sign-in links (cookie), not bearer tokens; every POST carries a CSRF token.
 * Writes go through the lifecycle use-cases, so the workflow's Update validators decide exactly
 * as they do for the API, and their refusals are shown on the page.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { desc, eq, inArray } from 'drizzle-orm';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Db } from '../../db/client';
import { ACTION_STATUSES, actions, decisions, evidence, RAGS } from '../../db/schema';
import type { Config } from '../../lib/config';
import { AppError, type FieldIssue } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Actor } from '../../workflows/types';
import { checkEvidenceFile, EVIDENCE_UPLOAD_LIMITS, IMPORT_UPLOAD_LIMITS, parseMultipart } from '../http/uploads';
import { z } from '../http/zod';
import { findUnstorable, isStorable } from '../../workflows/storable-text';
import { readSheet } from '../import/read';
import { sheetToRecommendations } from '../import/to-review';
import { listActions as listActionsPaged } from '../queries/actions';
import { findReview } from '../queries/reviews';
import { scopeOf } from '../queries/scope';
import { AgencyCode, ReviewReference } from '../schemas';
import { acknowledgeAction, cancelAction, decideAction, decideExtension, requestExtension, submitEvidence } from '../use-cases/actions';
import { withStoredFiles } from '../use-cases/evidence-files';
import { createReview } from '../use-cases/reviews';
import type { LifecycleDeps } from '../use-cases/lifecycle-deps';
import { html, type Part } from './html';
import { page, type PageContext } from './layout';
import { allActionsPage, badFilterPage, importReviewPage, reviewDetailPage, signInConfirmPage, type ActionsFilter, type ImportFormValues } from './board-pages';
import { actionPage, checkMailPage, messagePage, myActionsPage, signInPage, signOffPage } from './pages';
import {
  awaitingSignOff,
  getActionDetail,
  getAttachment,
  getReview,
  isUuid,
  listActions,
  listAgencies,
  listReviews,
  pendingExtensions,
  type EvidenceView,
} from './queries';
import { mountPaperPages } from './papers-pages';
import { dashboardPage, reviewsPage, statementPage } from './reports';
import { DEFAULT_SIGN_IN_LIMITS, SignInLimiter, type SignInLimits } from './rate-limit';
import { consumeSignInToken, queueSignIn, signInTokenState, SIGN_IN_TTL_MS } from './sign-in';
import { hashToken } from '../http/auth';
import { createSession, csrfMatches, destroySession, loadSession, readCookie, type WebSession } from './session';

export interface WebDeps {
  config: Config;
  db: Db;
  client: Client;
  logger: Logger;
  /** Present in embedded mode: the header links to its inbox. */
  mailCatcher?: unknown;
  /** Task queue workflows are started on (defaults to config.temporal.taskQueue; tests use their own). */
  taskQueue?: string;
  /** Sign-in link requests allowed per e-mail and per client address (defaults: 5 and 30 per 15 minutes). */
  signInLimits?: SignInLimits;
}

/** The example action plan offered as a download on the import page. */
const TEMPLATE_CSV = path.resolve(__dirname, '..', '..', 'examples', 'scr-baby-m-action-plan.csv');
const PAGE_SIZE = 50;

/** "" from a form's "Any" choice means no filter. */
const blank = (v: unknown) => (v === '' ? undefined : v);
/** The all-actions page's filters (GET query); anything else in the query string is ignored. */
const ActionsPageQuery = z.object({
  review: z.preprocess(blank, z.guid().optional()),
  agency: z.preprocess(blank, AgencyCode.optional()),
  stage: z.preprocess(blank, z.enum(ACTION_STATUSES).optional()),
  rag: z.preprocess(blank, z.enum(RAGS).optional()),
  overdue: z.preprocess(blank, z.enum(['true']).optional()),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(100000).default(1)),
  pageSize: z.preprocess(blank, z.coerce.number().int().min(1).max(200).default(PAGE_SIZE)),
});
const FILTER_HELP: Record<string, string> = {
  review: 'not a review id',
  agency: 'not an agency code',
  stage: `the stage is one of ${ACTION_STATUSES.join(', ')}`,
  rag: `the RAG is one of ${RAGS.join(', ')}`,
  overdue: 'use overdue=true, or leave it out',
  page: 'a page number from 1',
  pageSize: 'a number from 1 to 200',
};

const ImportPageFields = z.object({
  reference: ReviewReference,
  title: z.string().trim().min(1, 'the title is required').max(500),
  publishedOn: z.preprocess(blank, z.iso.date().optional()),
});

/** Before a session exists (the sign-in form), CSRF is a double-submit cookie. */
const PRE_CSRF_COOKIE = 'ap_csrf';
/** One-shot notice after a POST-redirect-GET: a cookie, so a reload does not repeat it (a query string would). */
const FLASH_COOKIE = 'ap_flash';
const NEXT_COOKIE = 'ap_next';
/** Binds a sign-in link to the browser that asked for it: a link forwarded or intercepted is useless elsewhere. */
const SIGN_IN_NONCE_COOKIE = 'ap_signin';

const NOTICES: Record<string, string> = {
  acknowledged: 'Acknowledged. The board can see your agency owns this action.',
  evidence: 'Evidence sent. The board will review it.',
  extension: 'Extension requested. The board will decide.',
  decided: 'Decision recorded. The agency has been told.',
  extension_decided: 'Extension decision recorded. The agency has been told.',
  cancelled: 'Action cancelled. The agency has been told; no more reminders or escalations will be sent.',
  imported: 'Review imported. The agencies have been sent their actions.',
  import_existing: 'This review was already imported with the same content; nothing new was created.',
};

interface Locals {
  session: WebSession | null;
  notice?: string | null;
  ctx: PageContext;
}
const locals = (res: Response) => res.locals as unknown as Locals;

export function webRouter(deps: WebDeps): Router {
  const router = Router();
  const { db, config, logger } = deps;
  const secure = config.publicUrl.startsWith('https:');
  const lifecycle: LifecycleDeps = {
    db,
    client: deps.client,
    taskQueue: deps.taskQueue ?? config.temporal.taskQueue,
    limits: { allowShortPolicies: config.allowShortPolicies },
  };
  const embedded = {
    mail: deps.mailCatcher !== undefined,
    temporalUiUrl: config.mode === 'embedded' ? `http://localhost:${config.temporal.uiPort}` : null,
  };
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  const signInLimiter = new SignInLimiter(db, deps.signInLimits ?? DEFAULT_SIGN_IN_LIMITS);

  const send = (res: Response, status: number, title: string, body: Part, opts?: { notice?: string | null; error?: string | null }) => {
    res.status(status).type('html').setHeader('Cache-Control', 'no-store');
    res.send(page(locals(res).ctx, title, body, opts));
  };
  const notFound = (res: Response) => send(res, 404, 'Not found', messagePage('Page not found', 'There is nothing here, or it is not yours to see.', { href: '/', label: 'Go to your start page' }));
  const csrfRefused = (res: Response) =>
    send(res, 403, 'Form refused', messagePage('This form was refused', 'The form did not carry its security token, or the token has expired. Go back, reload the page and try again.', { href: '/', label: 'Start page' }));

  const wrap =
    (fn: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    (req, res, next: NextFunction) => {
      fn(req, res).catch(next);
    };

  // Session and page context for every page request (the API under /api keeps its bearer tokens).
  router.use((req, res, next) => {
    if (req.path.startsWith('/api/')) return next();
    loadSession(db, req)
      .then((session) => {
        let csrf = session?.csrf ?? readCookie(req, PRE_CSRF_COOKIE) ?? null;
        if (!session && !csrf) {
          csrf = randomBytes(24).toString('base64url');
          res.append('Set-Cookie', `${PRE_CSRF_COOKIE}=${csrf}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
        }
        const l = locals(res);
        const flash = readCookie(req, FLASH_COOKIE);
        if (flash && req.method === 'GET') {
          l.notice = NOTICES[flash] ?? null;
          res.append('Set-Cookie', `${FLASH_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
        }
        l.session = session;
        l.ctx = { user: session?.user ?? null, csrf, embedded, path: req.path };
        next();
      })
      .catch(next);
  });

  const csrfOk = (req: Request, res: Response, body: Record<string, unknown>): boolean => {
    const session = locals(res).session;
    if (session) return csrfMatches(session, body._csrf);
    const cookie = readCookie(req, PRE_CSRF_COOKIE);
    return !!cookie && csrfMatches({ csrf: cookie } as WebSession, body._csrf);
  };

  /**
   * Uploads are refused unread without a session, and a file part is refused unless the form's
   * CSRF field came before it: a stranger cannot make the server hold an upload in memory.
   */
  router.post(['/actions/:id/evidence', '/reviews/new'], (req, res, next) => {
    if (locals(res).session) return next();
    res.setHeader('Connection', 'close');
    csrfRefused(res);
  });
  const csrfBeforeFile = (req: Request, res: Response) => (fields: Record<string, unknown>) =>
    csrfOk(req, res, fields) ? null : new AppError('forbidden', 'The form did not carry its security token before its files');

  /** Signed-in pages: a GET without a session goes to the sign-in form; a POST is refused. */
  const signedIn = (req: Request, res: Response): WebSession | null => {
    const session = locals(res).session;
    if (session) return session;
    if (req.method === 'GET') {
      // Remember where a mail's link pointed, so signing in lands there rather than on the start page.
      res.append('Set-Cookie', `${NEXT_COOKIE}=${encodeURIComponent(req.originalUrl)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600${secure ? '; Secure' : ''}`);
      res.redirect(303, '/signin');
    }
    else csrfRefused(res);
    return null;
  };
  const actorOf = (s: WebSession): Actor => ({ userId: s.user.userId, role: s.user.role, agencyId: s.user.agencyId, name: s.user.name });

  // ---- sign-in ---------------------------------------------------------------------------
  router.get('/signin', (req, res) => {
    if (locals(res).session) return res.redirect(303, '/');
    send(res, 200, 'Sign in', signInPage(locals(res).ctx));
  });

  router.post(
    '/signin',
    form,
    wrap(async (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!csrfOk(req, res, body)) return csrfRefused(res);
      const email = typeof body.email === 'string' ? body.email.trim() : '';
      if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320 || !isStorable(email)) {
        return send(res, 400, 'Sign in', signInPage(locals(res).ctx, email), { error: 'Enter an e-mail address, like name@agency.example' });
      }
      // Over the limit: the same answer as always (no mail), so the limit reveals nothing either.
      const holdsSession = locals(res).session?.user.email.toLowerCase() === email.toLowerCase();
      if (!(await signInLimiter.allow(req.ip ?? 'unknown', email, holdsSession))) {
        logger.warn({ ip: req.ip }, 'sign-in link requests over the limit; no mail sent');
        return send(res, 200, 'Check your e-mail', checkMailPage(locals(res).ctx));
      }
      // Given whether or not the address is known, so the cookie tells nothing either.
      const nonce = readCookie(req, SIGN_IN_NONCE_COOKIE) ?? randomBytes(24).toString('base64url');
      res.append('Set-Cookie', `${SIGN_IN_NONCE_COOKIE}=${nonce}; Path=/signin; HttpOnly; SameSite=Lax; Max-Age=${SIGN_IN_TTL_MS / 1000}${secure ? '; Secure' : ''}`);
      // Not awaited: the answer must not wait on the database or Temporal for a known address and
      // skip them for an unknown one. The worker sends the mail, with retries, like any other.
      queueSignIn(lifecycle, email, hashToken(nonce)).catch((err: unknown) => logger.error({ err }, 'sign-in mail not queued'));
      send(res, 200, 'Check your e-mail', checkMailPage(locals(res).ctx));
    }),
  );

  const linkNotValid = (res: Response) =>
    send(
      res,
      400,
      'Link not valid',
      messagePage('This sign-in link cannot be used', 'It has been used already or has expired (links work once, for 15 minutes).', { href: '/signin', label: 'Get a new link' }),
    );

  const browserNonce = (req: Request) => {
    const n = readCookie(req, SIGN_IN_NONCE_COOKIE);
    return n ? hashToken(n) : null;
  };
  const otherBrowser = (res: Response) =>
    send(
      res,
      400,
      'Open the link where you asked for it',
      messagePage(
        'Open the link in the browser where you asked for it',
        'A sign-in link works only in the browser that asked for it, so a forwarded or intercepted link cannot sign anyone in. Open the link in the browser where you asked for it, or ask again here.',
        { href: '/signin', label: 'Ask for a new link' },
      ),
    );

  // The link in the mail only shows a button: mail scanners fetch links (GET) but do not submit forms.
  router.get(
    '/signin/:token',
    wrap(async (req, res) => {
      const token = String(req.params.token);
      const state = await signInTokenState(db, token, browserNonce(req));
      if (state === 'invalid') return linkNotValid(res);
      if (state === 'other_browser') return otherBrowser(res);
      send(res, 200, 'Sign in', signInConfirmPage(locals(res).ctx, token));
    }),
  );

  router.post(
    '/signin/:token',
    form,
    wrap(async (req, res) => {
      if (!csrfOk(req, res, (req.body ?? {}) as Record<string, unknown>)) return csrfRefused(res);
      const token = String(req.params.token);
      const userId = await consumeSignInToken(db, token, browserNonce(req));
      if (!userId) return (await signInTokenState(db, token, browserNonce(req))) === 'other_browser' ? otherBrowser(res) : linkNotValid(res);
      if (locals(res).session) await destroySession(db, res, locals(res).session, secure);
      await createSession(db, res, userId, secure);
      const next = readCookie(req, NEXT_COOKIE);
      res.append('Set-Cookie', `${NEXT_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`);
      // Only a path on this site: never an open redirect to another origin.
      res.redirect(303, next && /^\/(?![/\\])/.test(next) ? next : '/');
    }),
  );

  router.get('/signout', (req, res) => {
    if (!locals(res).session) return res.redirect(303, '/signin');
    send(res, 200, 'Sign out', html`<h1>Sign out</h1><form method="post" action="/signout"><input type="hidden" name="_csrf" value="${locals(res).ctx.csrf ?? ''}"><button class="primary" type="submit">Sign out</button></form>`);
  });

  router.post(
    '/signout',
    form,
    wrap(async (req, res) => {
      if (!csrfOk(req, res, (req.body ?? {}) as Record<string, unknown>)) return csrfRefused(res);
      await destroySession(db, res, locals(res).session, secure);
      res.redirect(303, '/signin');
    }),
  );

  // ---- start pages -------------------------------------------------------------------------
  router.get(
    '/',
    wrap(async (req, res) => {
      const s = signedIn(req, res);
      if (!s) return;
      const notice = locals(res).notice;
      if (s.user.role === 'agency') {
        return send(res, 200, 'My actions', myActionsPage(await listActions(db, s.user), new Date()), { notice });
      }
      const [items, extensions] = await Promise.all([awaitingSignOff(db, s.user), pendingExtensions(db, s.user)]);
      send(res, 200, 'Awaiting sign-off', signOffPage(items, extensions), { notice });
    }),
  );

  router.get(
    '/dashboard',
    wrap(async (req, res) => {
      const s = signedIn(req, res);
      if (!s) return;
      const [agencyList, rows] = await Promise.all([listAgencies(db), listActions(db, s.user)]);
      send(res, 200, 'Dashboard', dashboardPage(agencyList, rows, new Date(), s.user.role));
    }),
  );

  router.get(
    '/reviews',
    wrap(async (req, res) => {
      const s = signedIn(req, res);
      if (!s) return;
      send(res, 200, 'Reviews', reviewsPage(await listReviews(db, s.user), s.user.role), { notice: locals(res).notice });
    }),
  );

  const isBoardUser = (s: WebSession) => s.user.role === 'board' || s.user.role === 'admin';
  const boardOnly = (res: Response) =>
    send(res, 403, 'Board only', messagePage('Only the board can do this', 'Importing reviews and cancelling actions are for board members and administrators.', { href: '/', label: 'Start page' }));

  // ---- import a review from a spreadsheet ----------------------------------------------------
  router.get('/examples/action-plan-template.csv', (_req, res, next) => {
    fs.readFile(TEMPLATE_CSV, (err, content) => {
      if (err) return next(err);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', 'attachment; filename="action-plan-template.csv"');
      res.send(content);
    });
  });

  const blankImport: ImportFormValues = { reference: '', title: '', publishedOn: '' };

  router.get(
    '/reviews/new',
    wrap(async (req, res) => {
      const s = signedIn(req, res);
      if (!s) return;
      if (!isBoardUser(s)) return boardOnly(res);
      send(res, 200, 'Import a review', importReviewPage(locals(res).ctx, blankImport));
    }),
  );

  router.post(
    '/reviews/new',
    wrap(async (req, res) => {
      let body: Record<string, unknown> = {};
      let files: Awaited<ReturnType<typeof parseMultipart>>['files'] = [];
      let parseError: AppError | null = null;
      // Refused before reading an upload: no session (nothing to check a token against) or not the board.
      const early = locals(res).session;
      if (!early) return csrfRefused(res);
      if (!isBoardUser(early)) return boardOnly(res);
      try {
        if (!req.is('multipart/form-data')) throw new AppError('unsupported_media_type', 'The form must be sent as multipart/form-data (with its file)');
        ({ fields: body, files } = await parseMultipart(req, res, IMPORT_UPLOAD_LIMITS, csrfBeforeFile(req, res)));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        parseError = err;
      }
      if (!csrfOk(req, res, body)) return csrfRefused(res);
      const s = signedIn(req, res);
      if (!s) return;
      if (!isBoardUser(s)) return boardOnly(res);
      const values: ImportFormValues = { reference: str(body.reference), title: str(body.title), publishedOn: str(body.publishedOn) };
      const again = (status: number, error: string, rowErrors: FieldIssue[] = []) =>
        send(res, status, 'Import a review', importReviewPage(locals(res).ctx, values, rowErrors), { error });
      if (parseError) return again(parseError.status, parseError.message);
      const fields = ImportPageFields.safeParse(values);
      if (!fields.success) {
        return again(400, fields.error.issues.map((i) => `${String(i.path[0] ?? 'form')}: ${i.message}`).join('; '));
      }
      const file = files.find((f) => f.filename !== '' || f.size > 0);
      if (!file) return again(400, 'Choose the action plan file (.csv or .xlsx)');
      try {
        // The API's import path: the same reader, the same row checks, then createReview (which starts the workflows).
        const sheet = await readSheet(file);
        const agencyRows = await listAgencies(db);
        const { recommendations, errors } = sheetToRecommendations(sheet, new Set(agencyRows.map((a) => a.code)));
        if (errors.length) return again(400, `The file has ${errors.length} problem${errors.length === 1 ? '' : 's'}; nothing was imported. Fix the rows below and upload it again.`, errors);
        const { review, created } = await createReview(lifecycle, actorOf(s), {
          reference: fields.data.reference,
          title: fields.data.title,
          publishedOn: fields.data.publishedOn ?? null,
          recommendations,
        });
        res.append('Set-Cookie', `${FLASH_COOKIE}=${created ? 'imported' : 'import_existing'}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60${secure ? '; Secure' : ''}`);
        res.redirect(303, `/reviews/${review.id}`);
      } catch (err) {
        if (err instanceof AppError) return again(err.status, err.message, (err.errors ?? []).filter((e) => e.row !== undefined));
        throw err;
      }
    }),
  );

  // ---- one review, all its actions -------------------------------------------------------------
  router.get(
    '/reviews/:id',
    wrap(async (req, res) => {
      const s = signedIn(req, res);
      if (!s) return;
      const id = String(req.params.id);
      const review = isUuid(id) ? await findReview(db, scopeOf(s.user), id) : null;
      if (!review) return notFound(res);
      send(res, 200, `${review.reference} review`, reviewDetailPage(locals(res).ctx, review, new Date()), { notice: locals(res).notice });
    }),
  );

  // ---- every action, filtered and paged ----------------------------------------------------------
  router.get(
    '/actions',
    wrap(async (req, res) => {
      const s = signedIn(req, res);
      if (!s) return;
      const query = req.query as Record<string, unknown>;
      const parsed = ActionsPageQuery.safeParse(query);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => {
          const field = String(i.path[0] ?? 'query');
          const v = query[field];
          return { field, value: typeof v === 'string' ? v.slice(0, 100) : Array.isArray(v) ? 'given more than once' : '', message: FILTER_HELP[field] ?? i.message };
        });
        return send(res, 400, 'Filters not valid', badFilterPage(problems));
      }
      const q = parsed.data;
      const filter: ActionsFilter = { review: q.review, agency: q.agency, stage: q.stage, rag: q.rag, overdue: q.overdue, page: q.page, pageSize: q.pageSize };
      const [result, agencyRows, reviewRows] = await Promise.all([
        listActionsPaged(db, scopeOf(s.user), { review: q.review, agency: q.agency, status: q.stage, rag: q.rag, overdue: q.overdue ? true : undefined }, { page: q.page, pageSize: q.pageSize }),
        listAgencies(db),
        listReviews(db, s.user),
      ]);
      send(res, 200, 'All actions', allActionsPage(locals(res).ctx, filter, result, { agencies: agencyRows, reviews: reviewRows }, new Date()));
    }),
  );

  router.get(
    '/reviews/:id/statement',
    wrap(async (req, res) => {
      const s = signedIn(req, res);
      if (!s) return;
      const found = await getReview(db, String(req.params.id));
      if (!found) return notFound(res);
      const rows = await listActions(db, s.user, eq(actions.reviewId, found.review.id));
      if (s.user.role === 'agency' && rows.length === 0) return notFound(res);
      const ids = rows.map((r) => r.id);
      const latest = new Map<string, EvidenceView>();
      const comments = new Map<string, string>();
      if (ids.length) {
        const evRows = await db.select().from(evidence).where(inArray(evidence.actionId, ids)).orderBy(desc(evidence.submittedAt));
        for (const e of evRows) if (!latest.has(e.actionId)) latest.set(e.actionId, { ...e, submittedBy: null, files: [] });
        const dRows = await db.select().from(decisions).where(inArray(decisions.actionId, ids)).orderBy(desc(decisions.decidedAt));
        for (const d of dRows) if (d.outcome === 'close_not_implemented' && !comments.has(d.actionId)) comments.set(d.actionId, d.comment);
      }
      send(res, 200, `${found.review.reference} progress statement`, statementPage(found.review, await listAgencies(db), rows, latest, comments, new Date()));
    }),
  );

  // ---- one action --------------------------------------------------------------------------
  const showAction = async (res: Response, s: WebSession, id: string, status = 200, opts: { notice?: string | null; error?: string | null } = {}) => {
    const detail = await getActionDetail(db, s.user, id);
    if (!detail) return notFound(res);
    const a = detail.action;
    send(res, status, `${a.reviewReference} ${a.reference}`, actionPage(locals(res).ctx, detail, new Date()), opts);
  };

  router.get(
    '/actions/:id',
    wrap(async (req, res) => {
      const s = signedIn(req, res);
      if (!s) return;
      await showAction(res, s, String(req.params.id), 200, { notice: locals(res).notice });
    }),
  );

  router.get(
    '/actions/:id/files/:fileId',
    wrap(async (req, res) => {
      const s = signedIn(req, res);
      if (!s) return;
      const file = await getAttachment(db, s.user, String(req.params.fileId));
      if (!file || file.actionId !== req.params.id) return notFound(res);
      res.setHeader('Content-Type', file.mediaType);
      // Always a download, never rendered in our origin: an uploaded file cannot run as our page.
      res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.send(file.content);
    }),
  );

  /**
   * A POST on an action: CSRF first, then visibility (another agency's id is "not found"), then
   * the use-case. A refusal re-renders the action page with the reason and the matching status.
   */
  const actionPost = (
    path: string,
    parse: 'form' | 'multipart',
    run: (s: WebSession, id: string, body: Record<string, unknown>, req: Request) => Promise<string>,
  ) => {
    router.post(
      path,
      wrap(async (req, res) => {
        const id = String(req.params.id);
        let body: Record<string, unknown> = {};
        let files: Awaited<ReturnType<typeof parseMultipart>>['files'] = [];
        try {
          if (parse === 'multipart' && req.is('multipart/form-data')) {
            ({ fields: body, files } = await parseMultipart(req, res, EVIDENCE_UPLOAD_LIMITS, csrfBeforeFile(req, res)));
          } else {
            await new Promise<void>((resolve, reject) => form(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
            body = (req.body ?? {}) as Record<string, unknown>;
          }
        } catch (err) {
          if (!csrfOk(req, res, body)) return csrfRefused(res);
          throw err;
        }
        if (!csrfOk(req, res, body)) return csrfRefused(res);
        const s = signedIn(req, res);
        if (!s) return;
        if (!(await getActionDetail(db, s.user, id))) return notFound(res);
        // The API's rule for text (workflows/storable-text.ts), said beside the form like any other refusal.
        const unstorable = findUnstorable({ ...body, files: files.map((f) => f.filename) });
        if (unstorable) return showAction(res, s, id, 400, { error: `${unstorable.path.join(' ')}: ${unstorable.reason}` });
        (req as Request & { uploaded?: typeof files }).uploaded = files;
        try {
          const done = await run(s, id, body, req);
          res.append('Set-Cookie', `${FLASH_COOKIE}=${done}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60${secure ? '; Secure' : ''}`);
          res.redirect(303, `/actions/${id}`);
        } catch (err) {
          if (err instanceof AppError) return showAction(res, s, id, err.status, { error: err.message + (err.errors?.length ? `: ${err.errors.map((e) => e.message).join('; ')}` : '') });
          throw err;
        }
      }),
    );
  };

  actionPost('/actions/:id/acknowledge', 'form', async (s, id) => {
    await acknowledgeAction(lifecycle, actorOf(s), id);
    return 'acknowledged';
  });

  actionPost('/actions/:id/evidence', 'multipart', async (s, id, body, req) => {
    const files = ((req as Request & { uploaded?: Awaited<ReturnType<typeof parseMultipart>>['files'] }).uploaded ?? []).filter(
      // A file input left empty still sends one nameless, empty part.
      (f) => f.filename !== '' || f.size > 0,
    );
    files.forEach((f, i) => checkEvidenceFile(f, i));
    const statement = str(body.statement).trim();
    if (!statement) throw new AppError('validation', 'Write a progress statement: it is what the board reads and what is published');
    const links = str(body.links)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    await withStoredFiles(db, files, logger, (attachments) => submitEvidence(lifecycle, actorOf(s), id, { statement, links, attachments }));
    return 'evidence';
  });

  actionPost('/actions/:id/extension', 'form', async (s, id, body) => {
    await requestExtension(lifecycle, actorOf(s), id, { newDueDate: str(body.newDueDate), reason: str(body.reason), interimMeasures: str(body.interimMeasures) });
    return 'extension';
  });

  actionPost('/actions/:id/decision', 'form', async (s, id, body) => {
    const outcome = str(body.outcome);
    if (outcome !== 'approve' && outcome !== 'request_changes' && outcome !== 'close_not_implemented') throw new AppError('validation', 'Choose a decision');
    await decideAction(lifecycle, actorOf(s), id, { outcome, comment: str(body.comment).trim() });
    return 'decided';
  });

  actionPost('/actions/:id/extensions/:requestId/decision', 'form', async (s, id, body, req) => {
    const outcome = str(body.outcome);
    if (outcome !== 'approve' && outcome !== 'reject') throw new AppError('validation', 'Choose approve or refuse');
    await decideExtension(lifecycle, actorOf(s), id, String(req.params.requestId), { outcome, comment: str(body.comment).trim() || undefined });
    return 'extension_decided';
  });

  actionPost('/actions/:id/cancel', 'form', async (s, id, body) => {
    if (!isBoardUser(s)) throw new AppError('forbidden', 'Only the board can cancel an action');
    const reason = str(body.reason).trim();
    if (!reason) throw new AppError('validation', 'Give the reason for cancelling: it is kept on the action and the agency is told');
    await cancelAction(lifecycle, actorOf(s), id, { reason });
    return 'cancelled';
  });

  mountPaperPages(router, { db, config, send, signedIn, notFound });

  return router;
}
