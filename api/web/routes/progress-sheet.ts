/** A review's progress sheet: the page, the download, and the upload by an agency or the board for it (the API's use-case behind each). */
import { Router } from 'express';
import { AppError } from '../../../lib/errors';
import { IMPORT_UPLOAD_LIMITS } from '../../http/uploads';
import { progressSheetActions } from '../../queries/progress-sheet';
import { scopeOf } from '../../queries/scope';
import { sendProgressSheet } from '../../report/send-progress-sheet';
import { ProgressSheetFields } from '../../schemas';
import { lifecycleDeps } from '../../use-cases/action-commands';
import { applyProgressSheet, mayUploadSheet } from '../../use-cases/apply-progress-sheet';
import { actorOf, fieldErrors, locals, valuesOf, type WebKit } from '../kit';
import { messagePage } from '../pages';
import { progressSheetPage } from '../progress-sheet-page';

export function progressSheetRouter(kit: WebKit): Router {
  const router = Router();
  const { ctx, send, wrap } = kit;
  const title = (reference: string) => `${reference} progress sheet`;

  router.get(
    '/reviews/:id/progress-sheet',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      const review = await progressSheetActions(ctx.db, scopeOf(s.user), String(req.params.id));
      if (!review) return kit.notFound(res);
      send(res, 200, title(review.reference), progressSheetPage(locals(res).ctx, review));
    }),
  );

  router.get(
    '/reviews/:id/progress-sheet.xlsx',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      try {
        await sendProgressSheet(res, ctx, s.user, String(req.params.id));
      } catch (err) {
        if (err instanceof AppError && err.kind === 'not_found') return kit.notFound(res);
        throw err;
      }
    }),
  );

  router.post(
    '/reviews/:id/progress-sheet',
    wrap(async (req, res) => {
      // Refused before reading the upload: an agency's own people send its progress, or the board for it.
      const early = locals(res).session;
      if (!early) return kit.csrfRefused(res);
      if (!mayUploadSheet(early.user.role))
        return send(
          res,
          403,
          'Agencies and the board only',
          messagePage(
            'Only an agency or the board sends progress updates',
            'Each update becomes a progress update on its action: an agency uploads its own sheet, or the board uploads one an agency sent it. An administrator does not act for an agency.',
            {
              href: `/reviews/${encodeURIComponent(String(req.params.id))}/progress-sheet`,
              label: 'Back to the progress sheet',
            },
          ),
        );
      const form = await kit.readForm(req, res, IMPORT_UPLOAD_LIMITS);
      if (!form) return;
      const s = kit.signedIn(req, res);
      if (!s) return;
      const review = await progressSheetActions(ctx.db, scopeOf(s.user), String(req.params.id));
      if (!review) return kit.notFound(res);
      const page = (status: number, opts: Parameters<typeof progressSheetPage>[2], messages = {}) =>
        send(res, status, title(review.reference), progressSheetPage(locals(res).ctx, review, opts), messages);
      try {
        if (form.uploadError) throw form.uploadError;
        kit.parse(ProgressSheetFields, form.fields);
        const result = await applyProgressSheet(lifecycleDeps(ctx), actorOf(s), review.id, form.files);
        // Shown at once rather than after a redirect: sending the same file again sends nothing twice.
        const fresh = (await progressSheetActions(ctx.db, scopeOf(s.user), review.id)) ?? review;
        send(res, 200, title(review.reference), progressSheetPage(locals(res).ctx, fresh, { result }));
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const rowErrors = (err.errors ?? []).filter((e) => e.row !== undefined);
        const errors = rowErrors.length ? {} : fieldErrors(err);
        if (!rowErrors.length && !Object.keys(errors).length) errors.file = err.message;
        const refusedWhileSending = /was refused as it was sent/.test(err.message);
        page(
          err.status,
          { state: { values: valuesOf(form.fields), errors }, rowErrors, refusedWhileSending },
          {
            error: rowErrors.length
              ? refusedWhileSending
                ? err.message
                : `The file has ${rowErrors.length} problem${rowErrors.length === 1 ? '' : 's'}; nothing was sent. Fix the rows below and upload it again.`
              : 'Nothing was sent; check the file below.',
            fieldErrors: errors,
          },
        );
      }
    }),
  );

  return router;
}
