/** The reviews: the list, one review with its actions, and importing one from a spreadsheet. */
import { Router } from 'express';
import { AppError } from '../../../lib/errors';
import { requireAccess } from '../../http/route';
import { IMPORT_UPLOAD_LIMITS } from '../../http/uploads';
import { findReview, listReviews } from '../../queries/reviews';
import { scopeOf } from '../../queries/scope';
import { CREATORS } from '../../routes/reviews';
import { ImportFields } from '../../schemas';
import { importCheckedReview } from '../../use-cases/review-commands';
import { findImportCheck, keepImportCheck, readImport, summariseImport } from '../../use-cases/import-check';
import { importCheckPage, importReviewPage, reviewDetailPage } from '../board-pages';
import { dateFieldId, dateFieldValues, readDateInput, withoutDateBoxes } from '../date-input';
import { actorOf, fieldErrors, locals, valuesOf, type WebKit } from '../kit';
import { messagePage } from '../pages';
import { reviewsPage } from '../reports';

/** The error summary's links: the publication date's first box. */
const IMPORT_FIELD_IDS = { publishedOn: dateFieldId('publishedOn') };

export function reviewRouter(kit: WebKit): Router {
  const router = Router();
  const { ctx, send, wrap } = kit;

  router.get(
    '/reviews',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      send(res, 200, 'Reviews', reviewsPage(await listReviews(ctx.db, scopeOf(s.user)), s.user.role), {
        notice: locals(res).notice,
      });
    }),
  );

  const boardOnly = (res: Parameters<WebKit['notFound']>[0]) =>
    send(
      res,
      403,
      'Board only',
      messagePage(
        'Only the board can do this',
        'Importing reviews and cancelling actions are for board members and administrators.',
        { href: '/', label: 'Start page' },
      ),
    );
  const checkGone = (res: Parameters<WebKit['notFound']>[0], message: string) =>
    send(
      res,
      404,
      'Check expired',
      messagePage('This check has expired', message, { href: '/reviews/new', label: 'Upload the action plan again' }),
    );
  const mayImport = (role: Parameters<typeof requireAccess>[1]) => (CREATORS as readonly string[]).includes(role);

  router.get(
    '/reviews/new',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      if (!mayImport(s.user.role)) return boardOnly(res);
      // Back from the check page: the details typed before are filled in again (the file must be chosen again).
      const back = typeof req.query.check === 'string' ? req.query.check : null;
      const kept = back ? await findImportCheck(ctx.db, actorOf(s), back).catch(() => null) : null;
      const values = kept
        ? {
            reference: kept.input.reference,
            title: kept.input.title,
            ...dateFieldValues('publishedOn', kept.input.publishedOn),
          }
        : undefined;
      send(res, 200, 'Import a review', importReviewPage(locals(res).ctx, values ? { values, errors: {} } : undefined));
    }),
  );

  // Issue 22: the check before importing, and its confirmation.
  router.get(
    '/reviews/new/check/:id',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      if (!mayImport(s.user.role)) return boardOnly(res);
      let kept;
      try {
        kept = await findImportCheck(ctx.db, actorOf(s), String(req.params.id));
      } catch (err) {
        if (err instanceof AppError && err.kind === 'not_found') return checkGone(res, err.message);
        throw err;
      }
      if (kept.reviewId) return res.redirect(303, `/reviews/${kept.reviewId}`);
      try {
        const check = await summariseImport(ctx.db, kept.input);
        send(res, 200, 'Check before importing', importCheckPage(locals(res).ctx, kept.id, kept.filename, check));
      } catch (err) {
        // The reference was taken since the upload.
        if (!(err instanceof AppError)) throw err;
        send(
          res,
          err.status,
          'Import a review',
          importReviewPage(locals(res).ctx, { values: {}, errors: fieldErrors(err) }),
          {
            error: err.message,
            fieldErrors: fieldErrors(err),
            fieldIds: IMPORT_FIELD_IDS,
          },
        );
      }
    }),
  );

  router.post(
    '/reviews/new/check/:id',
    wrap(async (req, res) => {
      const early = locals(res).session;
      if (!early) return kit.csrfRefused(res);
      if (!mayImport(early.user.role)) return boardOnly(res);
      const form = await kit.readForm(req, res);
      if (!form) return;
      const s = kit.signedIn(req, res);
      if (!s) return;
      try {
        const { status, reviewId } = await importCheckedReview(ctx, actorOf(s), String(req.params.id));
        kit.flashAndRedirect(res, status === 201 ? 'imported' : 'import_existing', `/reviews/${reviewId}`);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        if (err.kind === 'not_found') return checkGone(res, err.message);
        const rowErrors = (err.errors ?? []).filter((e) => e.row !== undefined);
        send(
          res,
          err.status,
          'Import a review',
          importReviewPage(locals(res).ctx, { values: {}, errors: fieldErrors(err) }, rowErrors),
          { error: `Nothing was imported: ${err.message}`, fieldErrors: fieldErrors(err), fieldIds: IMPORT_FIELD_IDS },
        );
      }
    }),
  );

  router.post(
    '/reviews/new',
    wrap(async (req, res) => {
      // Refused before reading an upload: no session (nothing to check a token against) or not the board.
      const early = locals(res).session;
      if (!early) return kit.csrfRefused(res);
      if (!mayImport(early.user.role)) return boardOnly(res);
      const form = await kit.readForm(req, res, IMPORT_UPLOAD_LIMITS);
      if (!form) return;
      const s = kit.signedIn(req, res);
      if (!s) return;
      const values = valuesOf(form.fields);
      try {
        if (form.uploadError) throw form.uploadError;
        // Issue 22: the publication day is three boxes; left blank, the review has none.
        const publishedOn = readDateInput(form.fields, 'publishedOn', 'the publication date');
        const fields = kit.parse(ImportFields, { ...withoutDateBoxes(form.fields, 'publishedOn'), publishedOn });
        // The API's reader and row checks; nothing is created until the board confirms on the check page.
        const { assignmentMail: _mail, ...details } = fields;
        const parsed = await readImport(ctx.db, details, form.files);
        await summariseImport(ctx.db, parsed.input);
        const id = await keepImportCheck(ctx.db, actorOf(s), parsed);
        res.redirect(303, `/reviews/new/check/${id}`);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        const rowErrors = (err.errors ?? []).filter((e) => e.row !== undefined);
        const errors = rowErrors.length ? {} : fieldErrors(err);
        if (!rowErrors.length && !Object.keys(errors).length && form.uploadError) errors.file = err.message;
        const error = rowErrors.length
          ? `The file has ${rowErrors.length} problem${rowErrors.length === 1 ? '' : 's'}; nothing was imported. Fix the rows below and upload it again.`
          : Object.keys(errors).length
            ? 'nothing was imported; check the fields below.'
            : err.message;
        send(res, err.status, 'Import a review', importReviewPage(locals(res).ctx, { values, errors }, rowErrors), {
          error,
          fieldErrors: errors,
          fieldIds: IMPORT_FIELD_IDS,
        });
      }
    }),
  );

  router.get(
    '/reviews/:id',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      const review = await findReview(ctx.db, scopeOf(s.user), String(req.params.id));
      if (!review) return kit.notFound(res);
      send(res, 200, `${review.reference} review`, reviewDetailPage(locals(res).ctx, review, new Date()), {
        notice: locals(res).notice,
      });
    }),
  );

  return router;
}
