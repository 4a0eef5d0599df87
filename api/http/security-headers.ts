import type { RequestHandler } from 'express';

/**
 * Pages may load only this origin's own scripts, styles and images; inline style attributes are
 * allowed (the pages use them for layout), inline script is not. No site may frame a page
 * (clickjacking a decision form), and no page tells another site where it came from
 * (a sign-in link in the Referer).
 */
export const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  // Issue 22: no page frames anything, except the evidence preview page (PREVIEW_PAGE_CSP).
  "frame-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The evidence preview page: the page's own policy, and frames of this origin's files only. */
export const PREVIEW_PAGE_CSP = PAGE_CSP.replace("frame-src 'none'", "frame-src 'self'");

/** For documents that need nothing but their own inline styles (the API viewer, an HTML report). */
export const DOCUMENT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * One middleware for every response, set before any route runs so errors and 404s carry them
 * too. Responses hold people's work and sign-in state, so nothing is stored by caches by
 * default; HSTS only when the public address is https (it would lock a plain-http trial out).
 */
export function securityHeaders(opts: { publicUrl: string; ssoIssuer?: string }): RequestHandler {
  const https = opts.publicUrl.startsWith('https:');
  // Single sign-on: the sign-out form ends in a redirect to the provider's end-session endpoint,
  // which the browser checks against form-action.
  const csp = opts.ssoIssuer
    ? PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${new URL(opts.ssoIssuer).origin}`)
    : PAGE_CSP;
  return (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.setHeader('Cache-Control', 'no-store');
    if (https) res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  };
}
