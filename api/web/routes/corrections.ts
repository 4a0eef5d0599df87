/**
 * Issue 22 item 9: the board's corrections as pages, through the API's own schemas and
 * use-cases (api/use-cases/corrections.ts). A refusal re-shows the page with the problem beside
 * its field and the API's status; nothing is written.
 */
import { eq } from 'drizzle-orm';
import { Router, type Response } from 'express';
import { recommendations } from '../../../db/schema';
import { isUuid } from '../../../domain/text';
import { AppError } from '../../../lib/errors';
import { findUnstorable } from '../../../workflows/storable-text';
import { requireAccess } from '../../http/route';
import { findAction, findActionRow, findAttachment } from '../../queries/actions';
import { listAgencies } from '../../queries/agencies';
import { sendStoredFile } from '../../http/file-response';
import { movedEvidence, ownEvidenceFileAgency } from '../../queries/moved-evidence';
import { findReview } from '../../queries/reviews';
import { scopeOf } from '../../queries/scope';
import { BOARD } from '../../routes/actions';
import {
  AddActionBody,
  DueDateCorrectionBody,
  ReassignBody,
  RecommendationWordingBody,
  WithdrawReviewBody,
  WordingBody,
} from '../../schemas';
import { actOnAction, lifecycleDeps } from '../../use-cases/action-commands';
import {
  addActionToRecommendation,
  correctActionWording,
  correctDueDate,
  correctRecommendationText,
  moveToAgency,
  withdrawReview,
} from '../../use-cases/corrections';
import {
  confirmMovePage,
  confirmWithdrawPage,
  correctActionPage,
  correctReviewPage,
  dayFromBoxes,
  movedEvidencePage,
  type ActionCorrectionForm,
  type ReviewCorrectionForm,
} from '../corrections-pages';
import { actorOf, fieldErrors, locals, str, valuesOf, type FormState, type WebKit } from '../kit';
import type { PageMessages } from '../layout';
import { messagePage } from '../pages';
import type { WebSession } from '../session';

/** "" from a form means "not given" for an optional field. */
const given = (v: unknown) => (str(v).trim() === '' ? undefined : str(v));

export function correctionRouter(kit: WebKit): Router {
  const router = Router();
  const { ctx, send, wrap } = kit;
  const db = ctx.db;

  const boardOnly = (res: Response) =>
    send(
      res,
      403,
      'Board only',
      messagePage('Only the board can do this', 'Corrections are for board members and administrators.', {
        href: '/',
        label: 'Start page',
      }),
    );
  const isBoard = (s: WebSession) => (BOARD as readonly string[]).includes(s.user.role);

  /** Checks the text as the API would, runs it, and turns a refusal into the form's state. */
  async function attempt(fields: Record<string, unknown>, run: () => Promise<void>): Promise<AppError | null> {
    try {
      const unstorable = findUnstorable(fields);
      if (unstorable)
        throw new AppError('validation', `${unstorable.path.join(' ')}: ${unstorable.reason}`, [
          { path: `body.${String(unstorable.path[0])}`, message: unstorable.reason },
        ]);
      await run();
      return null;
    } catch (err) {
      if (err instanceof AppError) return err;
      throw err;
    }
  }
  const messagesOf = (err: AppError, fieldIds: Record<string, string>): PageMessages => {
    const errors = fieldErrors(err);
    return {
      error: Object.keys(errors).length ? 'the form was not sent; check the fields below.' : err.message,
      fieldErrors: errors,
      fieldIds,
    };
  };

  // ---- one action ----

  async function showAction(
    res: Response,
    s: WebSession,
    id: string,
    status: number,
    refused: Partial<Record<ActionCorrectionForm, FormState>> = {},
    opts: PageMessages = {},
  ) {
    const a = await findAction(db, scopeOf(s.user), id);
    if (!a) return kit.notFound(res);
    const agencies = await listAgencies(db);
    send(res, status, `Correct action ${a.reference}`, correctActionPage(locals(res).ctx, a, agencies, refused), opts);
  }

  router.get(
    '/actions/:id/correct',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      if (!isBoard(s)) return boardOnly(res);
      await showAction(res, s, String(req.params.id), 200);
    }),
  );

  const actionForm = (
    path: string,
    form: ActionCorrectionForm,
    fieldIds: (id: string) => Record<string, string>,
    run: (s: WebSession, id: string, fields: Record<string, unknown>, res: Response) => Promise<'done' | 'shown'>,
    notice: string,
  ) =>
    router.post(
      path,
      wrap(async (req, res) => {
        const id = String(req.params.id);
        const f = await kit.readForm(req, res);
        if (!f) return;
        const s = kit.signedIn(req, res);
        if (!s) return;
        if (!isBoard(s)) return boardOnly(res);
        if (!(await findActionRow(db, scopeOf(s.user), id))) return kit.notFound(res);
        let outcome: 'done' | 'shown' = 'done';
        const err = await attempt(f.fields, async () => {
          requireAccess(BOARD, s.user.role);
          outcome = await run(s, id, f.fields, res);
        });
        if (err) {
          const state = { values: valuesOf(f.fields), errors: fieldErrors(err) };
          return showAction(res, s, id, err.status, { [form]: state }, messagesOf(err, fieldIds(id)));
        }
        if (outcome === 'done') kit.flashAndRedirect(res, notice, `/actions/${id}`);
      }),
    );

  actionForm(
    '/actions/:id/correct/due-date',
    'due-date',
    () => ({ dueDate: 'dueDate-day', reason: 'due-reason' }),
    async (s, id, fields) => {
      const day = dayFromBoxes(fields, 'dueDate');
      if ('problem' in day)
        throw new AppError('validation', day.problem, [{ path: 'body.dueDate', message: day.problem }]);
      const body = kit.parse(DueDateCorrectionBody, { dueDate: day.day, reason: fields.reason });
      await actOnAction(ctx, actorOf(s), id, (deps) => correctDueDate(deps, actorOf(s), id, body));
      return 'done';
    },
    'due_date_corrected',
  );

  actionForm(
    '/actions/:id/correct/wording',
    'wording',
    () => ({ title: 'w-title', description: 'w-description', successMeasure: 'w-success', reason: 'w-reason' }),
    async (s, id, fields) => {
      const body = kit.parse(WordingBody, {
        title: fields.title,
        description: str(fields.description),
        successMeasure: str(fields.successMeasure),
        reason: given(fields.reason),
      });
      await correctActionWording(db, actorOf(s), id, body);
      return 'done';
    },
    'wording_corrected',
  );

  actionForm(
    '/actions/:id/correct/agency',
    'agency',
    () => ({}),
    async (s, id, fields, res) => {
      const body = kit.parse(ReassignBody, { agencyCode: given(fields.agencyCode) ?? '' });
      if (fields.confirm !== 'yes') {
        const [a, agencies] = await Promise.all([findAction(db, scopeOf(s.user), id), listAgencies(db)]);
        const to = agencies.find((g) => g.code === body.agencyCode);
        if (!to)
          throw new AppError('validation', `unknown agency code ${body.agencyCode}`, [
            { path: 'body.agencyCode', message: 'choose one of the agencies listed' },
          ]);
        send(res, 200, `Move action ${a!.reference}?`, confirmMovePage(locals(res).ctx, a!, to));
        return 'shown';
      }
      await actOnAction(ctx, actorOf(s), id, (deps) => moveToAgency(deps, actorOf(s), id, body));
      return 'done';
    },
    'reassigned',
  );

  // ---- one review ----

  async function showReview(
    res: Response,
    s: WebSession,
    id: string,
    status: number,
    refused: Partial<Record<ReviewCorrectionForm, FormState>> = {},
    opts: PageMessages = {},
  ) {
    const r = await findReview(db, scopeOf(s.user), id);
    if (!r) return kit.notFound(res);
    const agencies = await listAgencies(db);
    send(res, status, `Correct the ${r.reference} review`, correctReviewPage(locals(res).ctx, r, agencies, refused), {
      notice: locals(res).notice,
      ...opts,
    });
  }

  router.get(
    '/reviews/:id/correct',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      if (!isBoard(s)) return boardOnly(res);
      await showReview(res, s, String(req.params.id), 200);
    }),
  );

  /** The review a recommendation belongs to (board scope: every review). */
  const reviewOfRecommendation = async (recId: string) => {
    if (!isUuid(recId)) return null;
    const [row] = await db
      .select({ reviewId: recommendations.reviewId })
      .from(recommendations)
      .where(eq(recommendations.id, recId));
    return row?.reviewId ?? null;
  };

  const recommendationForm = (
    path: string,
    form: (recId: string) => ReviewCorrectionForm,
    fieldIds: (recId: string) => Record<string, string>,
    run: (s: WebSession, recId: string, fields: Record<string, unknown>) => Promise<void>,
    notice: string,
  ) =>
    router.post(
      path,
      wrap(async (req, res) => {
        const recId = String(req.params.id);
        const f = await kit.readForm(req, res);
        if (!f) return;
        const s = kit.signedIn(req, res);
        if (!s) return;
        if (!isBoard(s)) return boardOnly(res);
        const reviewId = await reviewOfRecommendation(recId);
        if (!reviewId) return kit.notFound(res);
        const err = await attempt(f.fields, () => run(s, recId, f.fields));
        if (err) {
          const state = { values: valuesOf(f.fields), errors: fieldErrors(err) };
          return showReview(res, s, reviewId, err.status, { [form(recId)]: state }, messagesOf(err, fieldIds(recId)));
        }
        kit.flashAndRedirect(res, notice, `/reviews/${reviewId}`);
      }),
    );

  recommendationForm(
    '/recommendations/:id/correct/wording',
    (recId) => `recommendation-${recId}`,
    (recId) => ({ text: `rec-text-${recId}`, reason: `rec-reason-${recId}` }),
    async (s, recId, fields) => {
      const body = kit.parse(RecommendationWordingBody, { text: fields.text, reason: given(fields.reason) });
      await correctRecommendationText(db, actorOf(s), recId, body);
    },
    'recommendation_corrected',
  );

  recommendationForm(
    '/recommendations/:id/correct/actions',
    (recId) => `add-${recId}`,
    (recId) => ({
      agencyCode: `add-agency-${recId}`,
      title: `add-title-${recId}`,
      successMeasure: `add-success-${recId}`,
      dueDate: `due-${recId}-day`,
    }),
    async (s, recId, fields) => {
      const day = dayFromBoxes(fields, `due-${recId}`);
      if ('problem' in day)
        throw new AppError('validation', day.problem, [{ path: 'body.dueDate', message: day.problem }]);
      const body = kit.parse(AddActionBody, {
        agencyCode: given(fields.agencyCode) ?? '',
        title: fields.title,
        successMeasure: given(fields.successMeasure),
        dueDate: day.day,
      });
      await addActionToRecommendation(lifecycleDeps(ctx), actorOf(s), recId, body);
    },
    'action_added',
  );

  router.post(
    '/reviews/:id/withdraw',
    wrap(async (req, res) => {
      const id = String(req.params.id);
      const f = await kit.readForm(req, res);
      if (!f) return;
      const s = kit.signedIn(req, res);
      if (!s) return;
      if (!isBoard(s)) return boardOnly(res);
      const r = await findReview(db, scopeOf(s.user), id);
      if (!r) return kit.notFound(res);
      let shown = false;
      const err = await attempt(f.fields, async () => {
        const body = kit.parse(WithdrawReviewBody, { reason: f.fields.reason });
        if (r.status === 'withdrawn') throw new AppError('conflict', 'the review is already withdrawn');
        if (f.fields.confirm !== 'yes') {
          send(res, 200, `Withdraw ${r.reference}?`, confirmWithdrawPage(locals(res).ctx, r, body.reason));
          shown = true;
          return;
        }
        await withdrawReview(lifecycleDeps(ctx), actorOf(s), id, body);
      });
      if (err) {
        const state = { values: valuesOf(f.fields), errors: fieldErrors(err) };
        return showReview(res, s, id, err.status, { withdraw: state }, messagesOf(err, { reason: 'withdraw-reason' }));
      }
      if (!shown) kit.flashAndRedirect(res, 'review_withdrawn', `/reviews/${id}`);
    }),
  );

  // ---- the old agency's own evidence on moved actions ----

  router.get(
    '/moved',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      if (s.user.role !== 'agency' || !s.user.agencyId) return kit.notFound(res);
      send(res, 200, 'Moved actions', movedEvidencePage(await movedEvidence(db, s.user.agencyId)));
    }),
  );

  router.get(
    '/moved/:id/files/:fileId',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      const fileId = String(req.params.fileId);
      const mine =
        s.user.role === 'agency' &&
        !!s.user.agencyId &&
        isUuid(fileId) &&
        (await ownEvidenceFileAgency(db, fileId)) === s.user.agencyId;
      const file = mine ? await findAttachment(db, String(req.params.id), fileId) : null;
      if (!file) return kit.notFound(res);
      sendStoredFile(res, file);
    }),
  );

  return router;
}
