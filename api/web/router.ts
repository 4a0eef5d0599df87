/**
 * The web pages: server-rendered HTML over the same use-cases and database as the API. Sessions
 * come from e-mailed sign-in links (cookie), not bearer tokens; every POST carries a CSRF token.
 * Writes go through the lifecycle use-cases, so the workflow's Update validators decide exactly
 * as they do for the API, and their refusals are shown on the page.
 */
import { randomBytes, createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { desc, eq, inArray } from 'drizzle-orm';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Db } from '../../db/client';
import { actions, blobs, decisions, evidence } from '../../db/schema';
import type { Config } from '../../lib/config';
import { AppError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { createMailer, type Mailer } from '../../lib/mailer';
import type { AttachmentRef, Actor } from '../../workflows/types';
import { checkEvidenceFile, parseMultipart } from '../http/uploads';
import { acknowledgeAction, decideAction, decideExtension, requestExtension, submitEvidence } from '../use-cases/actions';
import type { LifecycleDeps } from '../use-cases/lifecycle-deps';
import { html, type Part } from './html';
import { page, type PageContext } from './layout';
import { actionPage, checkMailPage, messagePage, myActionsPage, signInPage, signOffPage } from './pages';
import {
  awaitingSignOff,
  getActionDetail,
  getAttachment,
  getReview,
  listActions,
  listAgencies,
  listReviews,
  pendingExtensions,
  type EvidenceView,
} from './queries';
import { dashboardPage, reviewsPage, statementPage } from './reports';
import { consumeSignInToken, requestSignIn } from './sign-in';
import { createSession, csrfMatches, destroySession, loadSession, readCookie, type WebSession } from './session';

export interface WebDeps {
  config: Config;
  db: Db;
  client: Client;
  logger: Logger;
  /** Present in embedded mode: the header links to its inbox. */
  mailCatcher?: unknown;
  /** For tests; defaults to an SMTP transport on config.smtpUrl. */
  mailer?: Mailer;
}

/** Before a session exists (the sign-in form), CSRF is a double-submit cookie. */
const PRE_CSRF_COOKIE = 'ap_csrf';
/** One-shot notice after a POST-redirect-GET: a cookie, so a reload does not repeat it (a query string would). */
const FLASH_COOKIE = 'ap_flash';
const NEXT_COOKIE = 'ap_next';

const NOTICES: Record<string, string> = {
  acknowledged: 'Acknowledged. The board can see your agency owns this action.',
  evidence: 'Evidence sent. The board will review it.',
  extension: 'Extension requested. The board will decide.',
  decided: 'Decision recorded. The agency has been told.',
  extension_decided: 'Extension decision recorded. The agency has been told.',
};

const EVIDENCE_LIMITS = { fileField: 'files', maxFiles: 10, maxFileSize: 20 * 1024 * 1024 };

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
  const lifecycle: LifecycleDeps = { db, client: deps.client, taskQueue: config.temporal.taskQueue };
  let mailer = deps.mailer;
  const getMailer = (): Mailer => {
    if (!mailer) {
      if (!config.smtpUrl) throw new Error('no SMTP_URL configured: sign-in links cannot be sent');
      mailer = createMailer(config.smtpUrl, config.mailFrom);
    }
    return mailer;
  };
  const embedded = {
    mail: deps.mailCatcher !== undefined,
    temporalUiUrl: config.mode === 'embedded' ? `http://localhost:${config.temporal.uiPort}` : null,
  };
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });

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
      if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320) {
        return send(res, 400, 'Sign in', signInPage(locals(res).ctx, email), { error: 'Enter an e-mail address, like name@agency.example' });
      }
      try {
        await requestSignIn(db, getMailer(), { publicUrl: config.publicUrl, mailFrom: config.mailFrom }, email);
      } catch (err) {
        // Same page as for an unknown address: a mail failure must not reveal that the account exists.
        logger.error({ err }, 'sign-in mail not sent');
      }
      send(res, 200, 'Check your e-mail', checkMailPage(locals(res).ctx));
    }),
  );

  router.get(
    '/signin/:token',
    wrap(async (req, res) => {
      const userId = await consumeSignInToken(db, String(req.params.token));
      if (!userId) {
        return send(
          res,
          400,
          'Link not valid',
          messagePage('This sign-in link cannot be used', 'It has been used already or has expired (links work once, for 15 minutes).', { href: '/signin', label: 'Get a new link' }),
        );
      }
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
      send(res, 200, 'Reviews', reviewsPage(await listReviews(db, s.user)));
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
            ({ fields: body, files } = await parseMultipart(req, res, EVIDENCE_LIMITS));
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

  const str = (v: unknown) => (typeof v === 'string' ? v : '');

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
    const attachments: AttachmentRef[] = [];
    for (const f of files) {
      const sha256 = createHash('sha256').update(f.buffer).digest('hex');
      await db.insert(blobs).values({ sha256, size: f.size, content: f.buffer }).onConflictDoNothing();
      attachments.push({ filename: f.filename, mediaType: f.mediaType, size: f.size, sha256 });
    }
    const links = str(body.links)
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean);
    await submitEvidence(lifecycle, actorOf(s), id, { statement, links, attachments });
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

  return router;
}
