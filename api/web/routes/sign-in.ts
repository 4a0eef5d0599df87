/** Signing in by an e-mailed link, and signing out. */
import { randomBytes } from 'node:crypto';
import { Router, type Request } from 'express';
import { isStorable } from '../../../workflows/storable-text';
import { signInConfirmPage } from '../board-pages';
import { html } from '../html';
import { clearCookie, locals, NEXT_COOKIE, readCookie, setCookie, type WebKit } from '../kit';
import { hashToken } from '../../http/auth';
import { csrfField } from '../layout';
import { checkMailPage, messagePage, signInPage } from '../pages';
import { DEFAULT_SIGN_IN_LIMITS, SignInLimiter, type SignInLimits } from '../rate-limit';
import { createSession, destroySession } from '../session';
import { lifecycleDeps } from '../../use-cases/action-commands';
import { consumeSignInToken, queueSignIn, SIGN_IN_TTL_MS, signInTokenState } from '../sign-in';

/** Binds a sign-in link to the browser that asked for it: a link forwarded or intercepted is useless elsewhere. */
const SIGN_IN_NONCE_COOKIE = 'ap_signin';

export function signInRouter(kit: WebKit, opts: { signInLimits?: SignInLimits }): Router {
  const router = Router();
  const { ctx, send, wrap, secure } = kit;
  const { db, logger } = ctx;
  const limiter = new SignInLimiter(db, opts.signInLimits ?? DEFAULT_SIGN_IN_LIMITS);

  router.get('/signin', (req, res) => {
    if (locals(res).session) return res.redirect(303, '/');
    send(res, 200, 'Sign in', signInPage(locals(res).ctx));
  });

  router.post(
    '/signin',
    wrap(async (req, res) => {
      const form = await kit.readForm(req, res);
      if (!form) return;
      const email = typeof form.fields.email === 'string' ? form.fields.email.trim() : '';
      if (!/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 320 || !isStorable(email)) {
        const problem = 'Enter an e-mail address, like name@agency.example';
        return send(res, 400, 'Sign in', signInPage(locals(res).ctx, email, problem), {
          fieldErrors: { email: problem },
        });
      }
      // Over the limit: the same answer as always (no mail), so the limit reveals nothing either.
      const holdsSession = locals(res).session?.user.email.toLowerCase() === email.toLowerCase();
      if (!(await limiter.allow(req.ip ?? 'unknown', email, holdsSession))) {
        logger.warn({ ip: req.ip }, 'sign-in link requests over the limit; no mail sent');
        return send(res, 200, 'Check your e-mail', checkMailPage(locals(res).ctx));
      }
      // Given whether or not the address is known, so the cookie tells nothing either.
      const nonce = readCookie(req, SIGN_IN_NONCE_COOKIE) ?? randomBytes(24).toString('base64url');
      setCookie(res, SIGN_IN_NONCE_COOKIE, nonce, { secure, maxAgeSeconds: SIGN_IN_TTL_MS / 1000 });
      // Not awaited: the answer must not wait on the database or Temporal for a known address and
      // skip them for an unknown one. The worker sends the mail, with retries, like any other.
      queueSignIn(lifecycleDeps(ctx), email, hashToken(nonce)).catch((err: unknown) =>
        logger.error({ err }, 'sign-in mail not queued'),
      );
      send(res, 200, 'Check your e-mail', checkMailPage(locals(res).ctx));
    }),
  );

  const linkNotValid = (res: Parameters<WebKit['notFound']>[0]) =>
    send(
      res,
      400,
      'Link not valid',
      messagePage(
        'This sign-in link cannot be used',
        'It has been used already or has expired (links work once, for 15 minutes).',
        { href: '/signin', label: 'Get a new link' },
      ),
    );

  const browserNonce = (req: Request) => {
    const n = readCookie(req, SIGN_IN_NONCE_COOKIE);
    return n ? hashToken(n) : null;
  };
  const otherBrowser = (res: Parameters<WebKit['notFound']>[0]) =>
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
      res.setHeader('Referrer-Policy', 'no-referrer');
      send(res, 200, 'Sign in', signInConfirmPage(locals(res).ctx, token));
    }),
  );

  router.post(
    '/signin/:token',
    wrap(async (req, res) => {
      if (!(await kit.readForm(req, res))) return;
      const token = String(req.params.token);
      const userId = await consumeSignInToken(db, token, browserNonce(req));
      if (!userId)
        return (await signInTokenState(db, token, browserNonce(req))) === 'other_browser'
          ? otherBrowser(res)
          : linkNotValid(res);
      if (locals(res).session) await destroySession(db, res, locals(res).session, secure);
      await createSession(db, res, userId, secure);
      const next = readCookie(req, NEXT_COOKIE);
      clearCookie(res, NEXT_COOKIE, secure);
      // Only a path on this site: never an open redirect to another origin.
      res.redirect(303, next && /^\/(?![/\\])/.test(next) ? next : '/');
    }),
  );

  router.get('/signout', (req, res) => {
    if (!locals(res).session) return res.redirect(303, '/signin');
    send(
      res,
      200,
      'Sign out',
      html`<h1>Sign out</h1>
        <form method="post" action="/signout">
          ${csrfField(locals(res).ctx)}<button class="primary" type="submit">Sign out</button>
        </form>`,
    );
  });

  router.post(
    '/signout',
    wrap(async (req, res) => {
      if (!(await kit.readForm(req, res))) return;
      await destroySession(db, res, locals(res).session, secure);
      res.redirect(303, '/signin');
    }),
  );

  return router;
}
