/** Single sign-on with OpenID Connect, next to the e-mailed link (mounted only when configured). */
import { Router, type Response } from 'express';
import type { OidcConfig } from '../../../lib/oidc-config';
import { clearCookie, locals, NEXT_COOKIE, readCookie, setCookie, type WebKit } from '../kit';
import {
  decodeTransaction,
  encodeTransaction,
  OIDC_TX_COOKIE,
  OIDC_TX_TTL_MS,
  OidcRelyingParty,
  type SsoOutcome,
} from '../oidc';
import { messagePage } from '../pages';
import { createSession, destroySession } from '../session';

type Refusal = Extract<SsoOutcome, { ok: false }>['refusal'];

/** What the person is told: why, and what to do next. Never a token; the address is their own. */
function refusalText(r: Refusal, provider: string): { status: number; title: string; text: string } {
  switch (r.reason) {
    case 'no_transaction':
    case 'state_mismatch':
      return {
        status: 400,
        title: 'This sign-in did not start here',
        text: `The answer from ${provider} does not belong to a sign-in started in this browser in the last 10 minutes, so it was not used. Start again from the sign-in page.`,
      };
    case 'code_refused':
      return {
        status: 400,
        title: 'The sign-in could not be completed',
        text: `${provider} refused the sign-in code: it has been used already or has expired. Start again from the sign-in page.`,
      };
    case 'id_token_expired':
      return {
        status: 400,
        title: 'The sign-in could not be completed',
        text: `The identity ${provider} sent had already expired, so it was not used. Start again; if this keeps happening, the clocks of this site and ${provider} disagree: tell the administrator.`,
      };
    case 'id_token_invalid':
      return {
        status: 400,
        title: 'The sign-in could not be completed',
        text: `The answer from ${provider} could not be verified, so it was not used. Start again, or sign in by e-mail.`,
      };
    case 'provider_error':
      return {
        status: 400,
        title: 'The sign-in could not be completed',
        text: `${provider} did not sign you in (${r.error}). Start again, or sign in by e-mail.`,
      };
    case 'no_email':
      return {
        status: 403,
        title: 'No e-mail address was given',
        text: `${provider} did not tell us your e-mail address, which is how this site knows who you are. Sign in by e-mail instead.`,
      };
    case 'unverified_email':
      return {
        status: 403,
        title: 'Your e-mail address is not verified',
        text: `${provider} has not verified the address ${r.email}, so it cannot sign you in here. Verify it with ${provider}, or sign in by e-mail.`,
      };
    case 'unmapped_domain':
      return {
        status: 403,
        title: 'Single sign-on is not set up for your organisation',
        text: `Addresses at ${r.domain} cannot sign in with ${provider} here. Sign in by e-mail instead, or ask the board's administrator to add your organisation.`,
      };
    case 'no_account':
      return {
        status: 403,
        title: 'No account for this address',
        text: `No one with the address ${r.email} can use this site yet. Ask the board's administrator for an account.`,
      };
    case 'unknown_agency':
      return {
        status: 403,
        title: 'No account for this address',
        text: `The address ${r.email} belongs to agency ${r.agencyCode}, which this site does not know. Ask the board's administrator.`,
      };
  }
}

export function ssoRouter(kit: WebKit, settings: OidcConfig): Router {
  const router = Router();
  const { ctx, send, wrap, secure } = kit;
  const { db, logger } = ctx;
  const rp = new OidcRelyingParty(settings, ctx.config.publicUrl);
  const provider = settings.providerName;
  const back = { href: '/signin', label: 'Back to sign in' };

  const unreachable = (res: Response, err: unknown) => {
    logger.error({ err }, 'single sign-on provider not reachable');
    send(
      res,
      503,
      'Single sign-on unavailable',
      messagePage(
        `${provider} cannot be reached`,
        `Signing in with ${provider} is not possible just now. Try again in a few minutes, or sign in by e-mail.`,
        back,
      ),
    );
  };

  router.get(
    '/signin/sso',
    wrap(async (_req, res) => {
      if (locals(res).session) return res.redirect(303, '/');
      let started: Awaited<ReturnType<OidcRelyingParty['start']>>;
      try {
        started = await rp.start();
      } catch (err) {
        return unreachable(res, err);
      }
      setCookie(res, OIDC_TX_COOKIE, encodeTransaction(started.transaction), {
        secure,
        maxAgeSeconds: OIDC_TX_TTL_MS / 1000,
      });
      res.redirect(303, started.url);
    }),
  );

  router.get(
    '/signin/sso/callback',
    wrap(async (req, res) => {
      const transaction = decodeTransaction(readCookie(req, OIDC_TX_COOKIE));
      // One attempt per start, whatever its outcome.
      clearCookie(res, OIDC_TX_COOKIE, secure);
      res.setHeader('Referrer-Policy', 'no-referrer');
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      let outcome: SsoOutcome;
      try {
        outcome = await rp.finish(db, new URL(`${rp.redirectUri}${query}`), transaction, {
          tokenTtlDays: ctx.config.apiTokenTtlDays,
        });
      } catch (err) {
        return unreachable(res, err);
      }
      if (!outcome.ok) {
        const { reason } = outcome.refusal;
        // The reason and the library's words, never a code or token.
        const detail = 'detail' in outcome.refusal ? outcome.refusal.detail : undefined;
        logger.warn({ reason, detail }, 'single sign-on refused');
        const page = refusalText(outcome.refusal, provider);
        return send(res, page.status, page.title, messagePage(page.title, page.text, back));
      }
      if (outcome.created) logger.info({ userId: outcome.userId }, 'single sign-on created an agency user');
      if (locals(res).session) await destroySession(db, res, locals(res).session, secure);
      await createSession(db, res, outcome.userId, secure, new Date(), outcome.idToken);
      const next = readCookie(req, NEXT_COOKIE);
      clearCookie(res, NEXT_COOKIE, secure);
      res.redirect(303, next && /^\/(?![/\\])/.test(next) ? next : '/');
    }),
  );

  // A session from the provider ends there too; any other goes on to the e-mailed link's sign-out.
  router.post('/signout', (req, res, next) => {
    const session = locals(res).session;
    if (!session?.oidcIdToken) return next();
    const idToken = session.oidcIdToken;
    (async () => {
      if (!(await kit.readForm(req, res))) return;
      await destroySession(db, res, session, secure);
      res.redirect(303, (await rp.endSessionUrl(idToken)) ?? '/signin');
    })().catch(next);
  });

  return router;
}
