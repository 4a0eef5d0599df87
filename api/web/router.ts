/**
 * The web pages: server-rendered HTML, a thin skin over the API's own layers. Pages read through
 * api/queries (the same scoping the authorisation tests exercise) and forms write through the
 * API's use-cases with its zod schemas, upload limits and error mapping, so a refusal reads the
 * same on a page as in the API. Sessions come from e-mailed sign-in links (a cookie, not a bearer
 * token); every POST carries a CSRF token. Each area has its own small router in routes/.
 */
import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { ApiContext } from '../http/route';
import { FLASH_COOKIE, PRE_CSRF_COOKIE, clearCookie, createKit, locals, readCookie, setCookie } from './kit';
import type { SignInLimits } from './rate-limit';
import { actionRouter } from './routes/actions';
import { extrasRouter } from './routes/extras';
import { preferencesRouter } from './routes/preferences';
import { reportRouter } from './routes/reports';
import { reviewRouter } from './routes/reviews';
import { signInRouter } from './routes/sign-in';
import { ssoRouter } from './routes/sso';
import { mountPaperPages } from './papers-pages';
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
  imported: 'Review imported. The agencies have been sent their actions.',
  import_existing: 'This review was already imported with the same content; nothing new was created.',
  preferences: 'Mail choices saved.',
  cover: 'Cover set. Your mail goes to your deputy on those days.',
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

  // Uploads are refused unread without a session (nothing to check a CSRF token against).
  router.post(['/actions/:id/evidence', '/reviews/new'], (req, res, next) => {
    if (locals(res).session) return next();
    res.setHeader('Connection', 'close');
    kit.csrfRefused(res);
  });

  // Before the e-mailed link's routes: /signin/sso would otherwise read as a link's token.
  if (ctx.config.oidc) router.use(ssoRouter(kit, ctx.config.oidc));
  router.use(signInRouter(kit, opts));
  router.use(reportRouter(kit));
  router.use(reviewRouter(kit));
  router.use(actionRouter(kit));
  router.use(extrasRouter(kit));
  router.use(preferencesRouter(kit));
  mountPaperPages(router, {
    db: ctx.db,
    config: ctx.config,
    send: kit.send,
    signedIn: kit.signedIn,
    notFound: kit.notFound,
  });
  return router;
}
