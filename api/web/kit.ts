/**
 * What every area of the pages shares: rendering a page, the signed-in check, CSRF, reading a
 * form (urlencoded or multipart, with the API's limits), flash notices and turning the API's
 * errors into a page that shows the problem beside the field.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import type { ZodType } from 'zod';
import { AppError, type FieldIssue } from '../../lib/errors';
import type { Actor } from '../../workflows/types';
import { parseOrThrow, type ApiContext } from '../http/route';
import { parseMultipart, type MultipartLimits, type UploadedFile } from '../http/uploads';
import { clearCookie, readCookie, setCookie } from './cookies';
import type { Part } from './html';
import { page, type PageContext, type PageMessages } from './layout';
import { messagePage } from './pages';
import { csrfMatches, type WebSession } from './session';

/** Before a session exists (the sign-in form), CSRF is a double-submit cookie. */
export const PRE_CSRF_COOKIE = 'ap_csrf';
/** One-shot notice after a POST-redirect-GET: a cookie, so a reload does not repeat it (a query string would). */
export const FLASH_COOKIE = 'ap_flash';
export const NEXT_COOKIE = 'ap_next';

export interface Locals {
  session: WebSession | null;
  notice?: string | null;
  ctx: PageContext;
}
export const locals = (res: Response) => res.locals as unknown as Locals;

/** A submitted form as typed (kept when it is refused) and its problems by field. */
export interface FormState {
  values: Record<string, string>;
  errors: Record<string, string>;
}

export interface ReadForm {
  fields: Record<string, unknown>;
  files: UploadedFile[];
  /** The upload broke a limit (too many or too large files): the fields read before it are kept. */
  uploadError: AppError | null;
}

const urlencoded = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });

const run = (mw: RequestHandler, req: Request, res: Response) =>
  new Promise<void>((resolve, reject) => {
    void mw(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The form's text fields as strings (a repeated field keeps its first value), for re-showing what was typed. */
export const valuesOf = (fields: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(fields)
      .filter(([k]) => k !== '_csrf')
      .map(([k, v]) => [k, str(Array.isArray(v) ? v[0] : v)]),
  );

/** The API's field issues (`body.statement`) by form field (`statement`). */
export function fieldErrors(err: AppError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of err.errors ?? ([] as FieldIssue[])) {
    const field = e.path.replace(/^body\./, '').split('.')[0];
    if (field && !out[field]) out[field] = e.message;
  }
  return out;
}

export const actorOf = (s: WebSession): Actor => ({
  userId: s.user.userId,
  role: s.user.role,
  agencyId: s.user.agencyId,
  name: s.user.name,
});

export interface WebKit {
  ctx: ApiContext;
  secure: boolean;
  send(res: Response, status: number, title: string, body: Part, opts?: PageMessages): void;
  notFound(res: Response): void;
  csrfRefused(res: Response): void;
  wrap(fn: (req: Request, res: Response) => Promise<void>): RequestHandler;
  signedIn(req: Request, res: Response): WebSession | null;
  csrfOk(req: Request, res: Response, body: Record<string, unknown>): boolean;
  /** Reads the form and checks its CSRF token; null when refused (the answer is already sent). */
  readForm(req: Request, res: Response, limits?: MultipartLimits): Promise<ReadForm | null>;
  /** The form's fields through the API's own schema: the same rules and the same messages. */
  parse<T>(schema: ZodType<T>, fields: unknown): T;
  flashAndRedirect(res: Response, notice: string, to: string): void;
}

export function createKit(ctx: ApiContext): WebKit {
  const secure = ctx.config.publicUrl.startsWith('https:');
  const send: WebKit['send'] = (res, status, title, body, opts) => {
    res.status(status).type('html').setHeader('Cache-Control', 'no-store');
    res.send(page(locals(res).ctx, title, body, opts));
  };
  const csrfRefused: WebKit['csrfRefused'] = (res) =>
    send(
      res,
      403,
      'Form refused',
      messagePage(
        'This form was refused',
        'The form did not carry its security token, or the token has expired. Go back, reload the page and try again.',
        { href: '/', label: 'Start page' },
      ),
    );
  const csrfOk: WebKit['csrfOk'] = (req, res, body) => {
    const session = locals(res).session;
    if (session) return csrfMatches(session, body._csrf);
    const cookie = readCookie(req, PRE_CSRF_COOKIE);
    return !!cookie && csrfMatches({ csrf: cookie } as WebSession, body._csrf);
  };
  return {
    ctx,
    secure,
    send,
    csrfRefused,
    csrfOk,
    notFound: (res) =>
      send(
        res,
        404,
        'Not found',
        messagePage('Page not found', 'There is nothing here, or it is not yours to see.', {
          href: '/',
          label: 'Go to your start page',
        }),
      ),
    wrap: (fn) => (req, res, next: NextFunction) => {
      fn(req, res).catch(next);
    },
    signedIn(req, res) {
      const session = locals(res).session;
      if (session) return session;
      if (req.method === 'GET') {
        // Remember where a mail's link pointed, so signing in lands there rather than on the start page.
        setCookie(res, NEXT_COOKIE, req.originalUrl, { secure, maxAgeSeconds: 3600 });
        res.redirect(303, '/signin');
      } else csrfRefused(res);
      return null;
    },
    async readForm(req, res, limits) {
      let fields: Record<string, unknown> = {};
      let files: UploadedFile[] = [];
      let uploadError: AppError | null = null;
      if (limits && req.is('multipart/form-data')) {
        try {
          // A file part is refused unless the form's CSRF field came before it: a stranger cannot
          // make the server hold an upload in memory.
          const csrfBeforeFile = (soFar: Record<string, unknown>) =>
            csrfOk(req, res, soFar)
              ? null
              : new AppError('forbidden', 'The form did not carry its security token before its files');
          ({ fields, files } = await parseMultipart(req, res, limits, csrfBeforeFile));
        } catch (err) {
          if (!(err instanceof AppError)) throw err;
          if (err.kind === 'forbidden') {
            csrfRefused(res);
            return null;
          }
          // multer has filled req.body with the fields before the part that broke the limit.
          fields = { ...((req.body as Record<string, unknown> | undefined) ?? {}) };
          uploadError = err;
        }
      } else if (limits) {
        uploadError = new AppError(
          'unsupported_media_type',
          'The form must be sent as multipart/form-data (with its files)',
        );
      } else {
        await run(urlencoded, req, res);
        fields = (req.body ?? {}) as Record<string, unknown>;
      }
      if (!csrfOk(req, res, fields)) {
        csrfRefused(res);
        return null;
      }
      // A file input left empty still sends one nameless, empty part.
      return { fields, files: files.filter((f) => f.filename !== '' || f.size > 0), uploadError };
    },
    parse: (schema, fields) => {
      const { _csrf: _token, ...rest } = (fields ?? {}) as Record<string, unknown>;
      return parseOrThrow(schema, rest, 'body');
    },
    flashAndRedirect(res, notice, to) {
      setCookie(res, FLASH_COOKIE, notice, { secure, maxAgeSeconds: 60 });
      res.redirect(303, to);
    },
  };
}

export { clearCookie, readCookie, setCookie };
