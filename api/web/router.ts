/**
 * The web pages: server-rendered HTML, a thin skin over the API's own layers. Pages read through
 * api/queries (the same scoping the authorisation tests exercise) and forms write through the
 * API's use-cases with its zod schemas, upload limits and error mapping, so a refusal reads the
 * same on a page as in the API. Sessions come from e-mailed sign-in links (a cookie, not a bearer
 * token); every POST carries a CSRF token. Each area has its own small router in routes/.
 */
import { randomBytes } from 'node:crypto';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { AppError } from '../../lib/errors';
import { isDependencyUnavailable } from '../http/problem';
import type { ApiContext } from '../http/route';
import { FLASH_COOKIE, PRE_CSRF_COOKIE, clearCookie, createKit, locals, readCookie, setCookie } from './kit';
import type { SignInLimits } from './rate-limit';
import { actionRouter } from './routes/actions';
import { chairInspectorRouter, inspectorGuard } from './routes/chair-inspector';
import { correctionRouter } from './routes/corrections';
import { extrasRouter } from './routes/extras';
import { preferencesRouter } from './routes/preferences';
import { reportRouter } from './routes/reports';
import { progressSheetRouter } from './routes/progress-sheet';
import { reviewRouter } from './routes/reviews';
import { signInRouter } from './routes/sign-in';
import { ssoRouter } from './routes/sso';
import { mountPaperPages } from './papers-pages';
import { messagePage } from './pages';
import { loadSession } from './session';

export interface WebOptions {
  /** Present in embedded mode: the header links to its inbox. */
  mailCatcher?: unknown;
  /** Sign-in link requests allowed per e-mail and per client address (defaults: 5 and 30 per 15 minutes). */
  signInLimits?: SignInLimits;
}

const NOTICES: Record<string, string> = {
  acknowledged: 'Acknowledged. The board can see your agency owns this action.',
  evidence: 'Evidence sent. The board will review it.',
  extension: 'Extension requested. The board will decide.',
  decided: 'Decision recorded. The agency has been told.',
  extension_decided: 'Extension decision recorded. The agency has been told.',
  cancelled: 'Action cancelled. The agency has been told; no more reminders or escalations will be sent.',
  imported: 'Review imported. Each agency has been sent one mail listing its new actions.',
  import_existing: 'This review was already imported with the same content; nothing new was created.',
  progress_update: 'Progress update posted. It shows as your current position; the stage has not changed.',
  impact_evidence: 'Evidence of impact sent. The board will decide whether the learning is embedded.',
  impact_decided: 'Impact decision recorded. The agency has been told.',
  preferences: 'Mail choices saved.',
  cover: 'Cover set. Your mail goes to your deputy on those days.',
  owner_named: 'Owner saved. A new owner has been sent the action with its due date.',
  cover_ended: 'Cover ended. Mail goes to the person again from now on.',
  chair_step: 'Recorded. It is in the action’s timeline and the audit trail.', // issue 20
  // issue 22: the board's corrections
  due_date_corrected: 'Due date corrected. Reminders and overdue notices are planned from the new date.',
  wording_corrected: 'Wording saved. The timeline keeps what it said before.',
  reassigned: 'Action moved. The new agency has been sent it and must acknowledge it.',
  recommendation_corrected: 'Recommendation saved. The audit trail keeps what it said before.',
  action_added: 'Action added. The agency has been sent it.',
  review_withdrawn: 'Review withdrawn. Its open actions are cancelled and each agency has been told once.',
  // Issue 22: reopening and withdrawals.
  reopened: 'Action reopened. The agency has been told; reminders and escalations start again.',
  extension_withdrawn: 'Request for more time withdrawn. The due date has not changed.',
  evidence_withdrawn: 'Evidence withdrawn. The action is in progress again; send the evidence again when it is ready.',
};

export function webRouter(ctx: ApiContext, opts: WebOptions = {}): Router {
  const router = Router();
  const kit = createKit(ctx);
  const embedded = {
    mail: opts.mailCatcher !== undefined,
    temporalUiUrl: ctx.config.mode === 'embedded' ? `http://localhost:${ctx.config.temporal.uiPort}` : null,
  };
  const ssoProvider = ctx.config.oidc?.providerName ?? null;

  // Session and page context for every page request (the API under /api keeps its bearer tokens).
  router.use((req, res, next) => {
    if (req.path.startsWith('/api/')) return next();
    loadSession(ctx.db, req)
      .then((session) => {
        let csrf = session?.csrf ?? readCookie(req, PRE_CSRF_COOKIE) ?? null;
        if (!session && !csrf) {
          csrf = randomBytes(24).toString('base64url');
          setCookie(res, PRE_CSRF_COOKIE, csrf, { secure: kit.secure });
        }
        const l = locals(res);
        const flash = readCookie(req, FLASH_COOKIE);
        if (flash && req.method === 'GET') {
          l.notice = NOTICES[flash] ?? null;
          clearCookie(res, FLASH_COOKIE, kit.secure);
        }
        l.session = session;
        l.ctx = { user: session?.user ?? null, csrf, embedded, path: req.path, ssoProvider };
        next();
      })
      .catch(next);
  });

  // Issue 20: inspectors read (each read logged) and change nothing.
  router.use(inspectorGuard(kit));

  // Uploads are refused unread without a session (nothing to check a CSRF token against).
  router.post(['/actions/:id/evidence', '/reviews/new', '/reviews/:id/progress-sheet'], (req, res, next) => {
    if (locals(res).session) return next();
    res.setHeader('Connection', 'close');
    kit.csrfRefused(res);
  });

  // Before the e-mailed link's routes: /signin/sso would otherwise read as a link's token.
  if (ctx.config.oidc) router.use(ssoRouter(kit, ctx.config.oidc));
  router.use(signInRouter(kit, opts));
  router.use(reportRouter(kit));
  router.use(reviewRouter(kit));
  router.use(progressSheetRouter(kit));
  router.use(actionRouter(kit));
  router.use(extrasRouter(kit));
  router.use(preferencesRouter(kit));
  router.use(chairInspectorRouter(kit)); // issue 20
  router.use(correctionRouter(kit)); // issue 22: the board's corrections
  mountPaperPages(router, {
    db: ctx.db,
    config: ctx.config,
    send: kit.send,
    signedIn: kit.signedIn,
    notFound: kit.notFound,
  });

  // Any other address outside the API is a page that is not there (the API keeps its problem+json 404).
  router.use((req, res, next) => (req.path.startsWith('/api/') ? next() : kit.notFound(res)));

  // A form the body parser refuses (too large, too many fields, a charset it cannot read) or a
  // database out of reach still gets a page, not the API's problem+json.
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const e = err as { status?: unknown; statusCode?: unknown; type?: unknown; message?: unknown };
    const status =
      err instanceof AppError
        ? err.status
        : typeof e.status === 'number'
          ? e.status
          : typeof e.statusCode === 'number'
            ? e.statusCode
            : 500;
    const l = locals(res);
    l.ctx ??= { user: null, csrf: null, embedded, path: req.path };
    if (status >= 400 && status < 500) {
      const detail =
        e.type === 'entity.too.large'
          ? 'The form was larger than this page accepts. Shorten what you typed, and try again.'
          : err instanceof AppError
            ? err.message
            : 'The form could not be read. Go back, reload the page and try again.';
      return kit.send(
        res,
        status,
        'Form not accepted',
        messagePage('This form could not be sent', detail, { href: '/', label: 'Start page' }),
        { error: detail },
      );
    }
    if (isDependencyUnavailable(err)) {
      ctx.logger.warn({ err }, 'a dependency is unavailable');
      res.setHeader('Retry-After', '5');
      return kit.send(
        res,
        503,
        'Briefly unavailable',
        messagePage(
          'The service is briefly unavailable',
          'The database or the workflow engine is out of reach. Nothing you sent has been lost or half-done: try again in a minute.',
          { href: '/', label: 'Start page' },
        ),
      );
    }
    next(err);
  });
  return router;
}
