/** The start pages, one action's page with its forms, its files, and every action filtered and paged. */
import { RESULTS } from '../../../domain/words';
import { Router, type Request, type Response } from 'express';
import { ACTION_STATUSES, ASSURANCE_STATES, RAGS, isBoardRole, isOpen } from '../../../domain/vocabulary';
import { AppError } from '../../../lib/errors';
import { dueOn } from '../../../lib/board-time';
import { findUnstorable } from '../../../workflows/storable-text';
import type { Access } from '../../http/route';
import { requireAccess } from '../../http/route';
import { isPreviewable, sendStoredFile } from '../../http/file-response';
import { PREVIEW_PAGE_CSP } from '../../http/security-headers';
import { EVIDENCE_UPLOAD_LIMITS, type MultipartLimits, type UploadedFile } from '../../http/uploads';
import { z } from '../../http/zod';
import { listActionsCached } from '../../queries/action-list-cache';
import {
  actionPageView,
  evidenceOf,
  findActionRow,
  findAssuranceAttachment,
  findAttachment,
  pendingExtensionRequests,
} from '../../queries/actions';
import { listAgencies } from '../../queries/agencies';
import { listReviews } from '../../queries/reviews';
import { activeMembers } from '../../queries/users';
import { scopeOf } from '../../queries/scope';
import { BOARD, DECIDERS, OWNER } from '../../routes/actions';
import { NAME_OWNER } from '../../routes/me';
import {
  AgencyCode,
  CancelBody,
  DecisionBody,
  EvidenceBody,
  ExtensionBody,
  ExtensionDecisionBody,
  ImpactDecisionBody,
  ImpactEvidenceBody,
  ProgressUpdateBody,
  SetOwnerBody,
  SearchText,
  ReopenBody,
} from '../../schemas';
import { reopenAction, withdrawEvidence, withdrawExtension } from '../../use-cases/reopen-withdraw';
import { CONFIRMED_OUTCOMES, confirmCancelPage, confirmDecisionPage, nextSignOffPanel } from '../confirm-pages';
import { html, type Part } from '../html';
import { decideImpact, postProgress, submitImpactEvidence, withFiles } from '../../use-cases/assurance';
import {
  acknowledgeAction,
  cancelAction,
  decideAction,
  decideExtension,
  requestExtension,
} from '../../use-cases/actions';
import { actOnAction, lifecycleDeps, submitEvidenceWithFiles } from '../../use-cases/action-commands';
import { isAgencyLead, setActionOwner } from '../../use-cases/set-owner';
import { allActionsPage, badFilterPage, type ActionsFilter } from '../board-pages';
import { dateFieldId, readDateInput } from '../date-input';
import { fmtDate } from '../html';
import { actorOf, fieldErrors, locals, str, valuesOf, type WebKit } from '../kit';
import type { PageContext, PageMessages } from '../layout';
import {
  actionPage,
  extensionCheckPage,
  filePreviewPage,
  myActionsPage,
  signOffPage,
  type ActionForm,
  type ActionForms,
} from '../pages';
import type { WebSession } from '../session';

const PAGE_SIZE = 50;
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100000).catch(1) });

/** "" from a form's "Any" choice means no filter. */
const blank = (v: unknown) => (v === '' ? undefined : v);
/** The all-actions page's filters (GET query); anything else in the query string is ignored. */
const ActionsPageQuery = z.object({
  review: z.preprocess(blank, z.guid().optional()),
  agency: z.preprocess(blank, AgencyCode.optional()),
  stage: z.preprocess(blank, z.enum(ACTION_STATUSES).optional()),
  rag: z.preprocess(blank, z.enum(RAGS).optional()),
  overdue: z.preprocess(blank, z.enum(['true']).optional()),
  assurance: z.preprocess(blank, z.enum(ASSURANCE_STATES).optional()),
  result: z.preprocess(blank, z.enum(RESULTS).optional()),
  q: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), SearchText.optional()),
  page: z.preprocess(blank, z.coerce.number().int().min(1).max(100000).default(1)),
  pageSize: z.preprocess(blank, z.coerce.number().int().min(1).max(200).default(PAGE_SIZE)),
});
const FILTER_HELP: Record<string, string> = {
  review: 'not a review id',
  agency: 'not an agency code',
  stage: `the stage is one of ${ACTION_STATUSES.join(', ')}`,
  rag: `the RAG is one of ${RAGS.join(', ')}`,
  overdue: 'use overdue=true, or leave it out',
  assurance: `the impact check is one of ${ASSURANCE_STATES.join(', ')}`,
  result: 'how it ended is implemented, not_implemented or cancelled',
  q: 'search for at most 10 words and 200 characters',
  page: 'a page number from 1',
  pageSize: 'a number from 1 to 200',
};

/** Links typed one a line, as the API's list of links. */
const linesOf = (v: unknown) =>
  str(v)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

interface ActionPost {
  /** The form on the action page that sent it (re-shown with its problems when refused). */
  form: ActionForm | null;
  access: Access;
  limits?: MultipartLimits;
  notice: string;
  /** Field ids where they differ from the names, for the problem summary's links. */
  fieldIds?: (req: Request) => Record<string, string>;
  run: (
    s: WebSession,
    id: string,
    fields: Record<string, unknown>,
    files: UploadedFile[],
    req: Request,
  ) => Promise<unknown>;
  /**
   * Issue 22: a step that cannot be taken back asks first. Called before `run` with the form's
   * fields (already checked against the API's schema, so a mistake shows on the action page):
   * a page to show instead of acting, or null to act now.
   */
  confirm?: (
    s: WebSession,
    id: string,
    fields: Record<string, unknown>,
    page: PageContext,
  ) => Promise<{ title: string; body: Part } | null>;
  /** Where to go after it was done (the action's page unless said). */
  redirect?: (id: string) => string;
}

export function actionRouter(kit: WebKit): Router {
  const router = Router();
  const { ctx, send, wrap } = kit;
  const { db } = ctx;

  router.get(
    '/',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      const scope = scopeOf(s.user);
      const page = { page: PageQuery.parse(req.query).page, pageSize: PAGE_SIZE };
      const notice = locals(res).notice;
      if (s.user.role === 'agency') {
        // Issue 18: the actions the person owns, with a tab for the agency's; someone who owns none lands on the agency's.
        const mine = { open: true, owner: s.user.userId };
        const [ownCount, agencyCount] = await Promise.all([
          listActionsCached(db, scope, mine, { page: 1, pageSize: 1 }),
          listActionsCached(db, scope, { open: true }, { page: 1, pageSize: 1 }),
        ]);
        const asked = req.query.tab === 'mine' || req.query.tab === 'agency' ? req.query.tab : undefined;
        const tab = asked ?? (ownCount.page.total > 0 ? 'mine' : 'agency');
        const [open, finished] = await Promise.all([
          listActionsCached(db, scope, tab === 'mine' ? mine : { open: true }, page),
          listActionsCached(db, scope, { open: false }, { page: 1, pageSize: 1 }),
        ]);
        const tabs = { tab, mine: ownCount.page.total, agency: agencyCount.page.total } as const;
        return send(res, 200, 'My actions', myActionsPage(open.page, finished.page.total, new Date(), tabs), {
          notice,
        });
      }
      const [waiting, extensions] = await Promise.all([
        listActionsCached(db, scope, { status: 'under_review' }, page),
        pendingExtensionRequests(db, scope),
      ]);
      const evidence = await evidenceOf(
        db,
        waiting.page.items.map((a) => a.id),
      );
      const items = waiting.page.items.map((a) => ({ ...a, latest: evidence.get(a.id)?.at(-1) ?? null }));
      send(res, 200, 'Awaiting sign-off', signOffPage({ ...waiting.page, items }, extensions), { notice });
    }),
  );

  router.get(
    '/actions',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      const query = req.query as Record<string, unknown>;
      const parsed = ActionsPageQuery.safeParse(query);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => {
          const field = String(i.path[0] ?? 'query');
          const v = query[field];
          return {
            field,
            value: typeof v === 'string' ? v.slice(0, 100) : Array.isArray(v) ? 'given more than once' : '',
            message: FILTER_HELP[field] ?? i.message,
          };
        });
        return send(res, 400, 'Filters not valid', badFilterPage(problems));
      }
      const q = parsed.data;
      const filter: ActionsFilter = {
        review: q.review,
        agency: q.agency,
        stage: q.stage,
        rag: q.rag,
        overdue: q.overdue,
        result: q.result,
        q: q.q,
        page: q.page,
        pageSize: q.pageSize,
      };
      const scope = scopeOf(s.user);
      const [result, agencyRows, reviewRows] = await Promise.all([
        listActionsCached(
          db,
          scope,
          {
            review: q.review,
            agency: q.agency,
            status: q.stage,
            rag: q.rag,
            overdue: q.overdue ? true : undefined,
            assurance: q.assurance,
            result: q.result,
            q: q.q,
          },
          { page: q.page, pageSize: q.pageSize },
        ),
        listAgencies(db),
        listReviews(db, scope),
      ]);
      send(
        res,
        200,
        'All actions',
        allActionsPage(locals(res).ctx, filter, result.page, { agencies: agencyRows, reviews: reviewRows }, new Date()),
      );
    }),
  );

  const showAction = async (
    res: Response,
    s: WebSession,
    id: string,
    status = 200,
    refused: ActionForms = {},
    messages: PageMessages = {},
    before: Part = '',
  ) => {
    const view = await actionPageView(db, scopeOf(s.user), id);
    if (!view) return kit.notFound(res);
    const a = view.action;
    // Issue 18: the board and the agency's lead name the owner, from the agency's active people.
    const namesOwner =
      isOpen(a.status) && (isBoardRole(s.user.role) || (await isAgencyLead({ db }, actorOf(s), view.action.agencyId)));
    send(
      res,
      status,
      `${a.reviewReference} ${a.reference}`,
      html`${before}${actionPage(locals(res).ctx, view, new Date(), refused, {
        ownerChoices: namesOwner ? await activeMembers(db, view.action.agencyId) : undefined,
      })}`,
      messages,
    );
  };

  router.get(
    '/actions/:id',
    wrap(async (req, res) => {
      const s = kit.signedIn(req, res);
      if (!s) return;
      const id = String(req.params.id);
      // Issue 22, item 8: after a decision, the next action whose evidence waits for the board.
      let before: Part = '';
      if (req.query.after === 'decision' && isBoardRole(s.user.role)) {
        const waiting = await listActionsCached(
          db,
          scopeOf(s.user),
          { status: 'under_review' },
          { page: 1, pageSize: 2 },
        );
        before = nextSignOffPanel(waiting.page.items.find((a) => a.id !== id) ?? null);
      }
      await showAction(res, s, id, 200, {}, { notice: locals(res).notice }, before);
    }),
  );

  // The API's download rule: the action must be visible to the caller, and the file one of its evidence's.
  const visibleFile = async (req: Request, res: Response) => {
    const s = kit.signedIn(req, res);
    if (!s) return null;
    const id = String(req.params.id);
    const file = (await findActionRow(db, scopeOf(s.user), id))
      ? await findAttachment(db, id, String(req.params.fileId))
      : null;
    if (!file) kit.notFound(res);
    return file;
  };
  router.get(
    '/actions/:id/files/:fileId',
    wrap(async (req, res) => {
      const file = await visibleFile(req, res);
      // A download, never rendered in our origin: an uploaded file cannot run as our page.
      if (file) sendStoredFile(res, file);
    }),
  );
  // Issue 22: a PDF or an image shown inside the preview page's sandboxed frame; any other type
  // is still a download (sendStoredFile honours `inline` for previewable types only).
  router.get(
    '/actions/:id/files/:fileId/inline',
    wrap(async (req, res) => {
      const file = await visibleFile(req, res);
      if (file) sendStoredFile(res, file, { inline: true });
    }),
  );
  router.get(
    '/actions/:id/files/:fileId/preview',
    wrap(async (req, res) => {
      const file = await visibleFile(req, res);
      if (!file) return;
      const id = String(req.params.id);
      const fileId = String(req.params.fileId);
      if (!isPreviewable(file.mediaType)) return res.redirect(303, `/actions/${id}/files/${fileId}`);
      const view = await actionPageView(db, scopeOf(locals(res).session!.user), id);
      if (!view) return kit.notFound(res);
      res.setHeader('Content-Security-Policy', PREVIEW_PAGE_CSP);
      send(res, 200, `Preview of ${file.filename}`, filePreviewPage(view.action, { ...file, id: fileId }));
    }),
  );

  // Issue 17: a progress update's and impact evidence's files, by the same rule.
  for (const parent of ['updates', 'impact-evidence'] as const)
    router.get(
      `/actions/:id/${parent}/:parentId/files/:sha256`,
      wrap(async (req, res) => {
        const s = kit.signedIn(req, res);
        if (!s) return;
        const id = String(req.params.id);
        const file = (await findActionRow(db, scopeOf(s.user), id))
          ? await findAssuranceAttachment(db, id, parent, String(req.params.parentId), String(req.params.sha256))
          : null;
        if (!file) return kit.notFound(res);
        sendStoredFile(res, file);
      }),
    );

  /**
   * A POST on an action: CSRF, the role (as the API's route table has it), visibility (another
   * agency's id is "not found"), then the API's use-case with the API's schema. A refusal
   * re-renders the action page with the status the API would give, the problem beside the
   * field and what was typed kept; nothing is written.
   */
  const actionPost = (path: string, spec: ActionPost) => {
    router.post(
      path,
      wrap(async (req, res) => {
        const id = String(req.params.id);
        const form = await kit.readForm(req, res, spec.limits);
        if (!form) return;
        const s = kit.signedIn(req, res);
        if (!s) return;
        if (!(await findActionRow(db, scopeOf(s.user), id))) return kit.notFound(res);
        const refuse = (err: AppError) => {
          const errors = fieldErrors(err);
          if (!Object.keys(errors).length && spec.limits && ['too_large', 'unsupported_media_type'].includes(err.kind))
            errors.files = err.message;
          const state = { values: valuesOf(form.fields), errors };
          const fields = Object.keys(errors).length > 0;
          return showAction(res, s, id, err.status, spec.form ? { [spec.form]: state } : {}, {
            error: fields ? 'the form was not sent; check the fields below.' : err.message,
            fieldErrors: errors,
            fieldIds: spec.fieldIds?.(req),
          });
        };
        try {
          requireAccess(spec.access, s.user.role);
          if (form.uploadError) throw form.uploadError;
          // The API's rule for text (workflows/storable-text.ts), file names included.
          const unstorable = findUnstorable({ ...form.fields, files: form.files.map((f) => f.filename) });
          if (unstorable)
            throw new AppError('validation', `${unstorable.path.join(' ')}: ${unstorable.reason}`, [
              { path: `body.${String(unstorable.path[0])}`, message: unstorable.reason },
            ]);
          // Issue 22: "Change my answer" on a confirmation page brings the form back as it was typed.
          if (spec.form && form.fields.confirmed === 'change') {
            const { confirmed: _c, ...typedFields } = form.fields;
            return showAction(res, s, id, 200, { [spec.form]: { values: valuesOf(typedFields), errors: {} } });
          }
          const asked =
            spec.confirm && form.fields.confirmed !== 'yes'
              ? await spec.confirm(s, id, form.fields, locals(res).ctx)
              : null;
          if (asked) return send(res, 200, asked.title, asked.body);
          await spec.run(s, id, form.fields, form.files, req);
        } catch (err) {
          if (err instanceof AppError && err.kind === 'unavailable' && err.retryAfter) {
            // Not refused, only slow: say so, rather than leave the tab spinning or suggest it failed.
            res.setHeader('Retry-After', String(err.retryAfter));
            return showAction(
              res,
              s,
              id,
              503,
              {},
              {
                error:
                  'your change is still being recorded: it has not been refused, but it is not confirmed yet. Reload this page in a minute. If the change is not shown then, send the form again.',
              },
            );
          }
          if (err instanceof AppError) return refuse(err);
          throw err;
        }
        kit.flashAndRedirect(res, spec.notice, spec.redirect ? spec.redirect(id) : `/actions/${id}`);
      }),
    );
  };
  const optional = (v: unknown) => (str(v).trim() === '' ? undefined : str(v).trim());
  /** The form's fields without the confirmation page's own field. */
  const answers = (fields: Record<string, unknown>) => {
    const { confirmed: _confirmed, ...rest } = fields;
    return rest;
  };
  const subject = async (s: WebSession, id: string) => (await findActionRow(db, scopeOf(s.user), id))!;

  actionPost('/actions/:id/acknowledge', {
    form: null,
    access: OWNER,
    notice: 'acknowledged',
    run: (s, id) => actOnAction(ctx, actorOf(s), id, (deps) => acknowledgeAction(deps, actorOf(s), id)),
  });

  actionPost('/actions/:id/evidence', {
    form: 'evidence',
    access: OWNER,
    limits: EVIDENCE_UPLOAD_LIMITS,
    notice: 'evidence',
    run: (s, id, fields, files) => {
      const body = kit.parse(EvidenceBody, { statement: fields.statement, links: linesOf(fields.links) });
      return submitEvidenceWithFiles(ctx, actorOf(s), id, body, files);
    },
  });

  /**
   * Issue 22: the extension form's date is three boxes; the new date must be after the current
   * due date (the workflow refuses it too, but this names the field and the date).
   */
  const extensionBody = async (s: WebSession, id: string, fields: Record<string, unknown>) => {
    const newDueDate = readDateInput(fields, 'newDueDate', 'the new due date', { required: true });
    const body = kit.parse(ExtensionBody, {
      newDueDate,
      reason: fields.reason,
      interimMeasures: fields.interimMeasures,
    });
    const row = await findActionRow(db, scopeOf(s.user), id);
    if (row && newDueDate && newDueDate <= dueOn(row.dueDate)) {
      const message = `The new due date must be after the current due date, ${fmtDate(row.dueDate)}`;
      throw new AppError('validation', message, [{ path: 'body.newDueDate', message }]);
    }
    return body;
  };

  actionPost('/actions/:id/extension', {
    form: 'extension',
    access: OWNER,
    notice: 'extension',
    fieldIds: () => ({ newDueDate: dateFieldId('newDueDate'), interimMeasures: 'interimMeasures' }),
    // Issue 22: "Move from 31 March to 2 December 2027: 8 months later?" before it goes to the board.
    confirm: async (s, id, fields, page) => {
      const body = await extensionBody(s, id, fields);
      const view = await actionPageView(db, scopeOf(s.user), id);
      if (!view) throw new AppError('not_found', 'No such action');
      return {
        title: `Check your extension request for ${view.action.reviewReference} ${view.action.reference}`,
        body: extensionCheckPage(page, view.action, {
          day: {
            day: str(fields['newDueDate-day']).trim(),
            month: str(fields['newDueDate-month']).trim(),
            year: str(fields['newDueDate-year']).trim(),
          },
          newDueDate: body.newDueDate,
          reason: body.reason,
          interimMeasures: body.interimMeasures,
        }),
      };
    },
    run: async (s, id, fields) => {
      const body = await extensionBody(s, id, fields);
      return actOnAction(ctx, actorOf(s), id, (deps) => requestExtension(deps, actorOf(s), id, body));
    },
  });

  actionPost('/actions/:id/decision', {
    form: 'decision',
    access: DECIDERS,
    notice: 'decided',
    fieldIds: () => ({ outcome: 'outcome-approve' }),
    // Approving and closing as not implemented finish the action: the board confirms first (issue 22).
    confirm: async (s, id, fields, page) => {
      const body = kit.parse(DecisionBody, answers(fields));
      if (!CONFIRMED_OUTCOMES.includes(body.outcome)) return null;
      return confirmDecisionPage(page, await subject(s, id), body);
    },
    // Issue 22, item 8: after a decision, the next action awaiting sign-off is offered.
    redirect: (id) => `/actions/${id}?after=decision`,
    run: (s, id, fields) => {
      const body = kit.parse(DecisionBody, answers(fields));
      return actOnAction(ctx, actorOf(s), id, (deps) => decideAction(deps, actorOf(s), id, body));
    },
  });

  actionPost('/actions/:id/extensions/:requestId/decision', {
    form: 'extension-decision',
    access: DECIDERS,
    notice: 'extension_decided',
    fieldIds: (req) => ({
      outcome: `ext-approve-${String(req.params.requestId)}`,
      comment: `ext-comment-${String(req.params.requestId)}`,
    }),
    run: (s, id, fields, _files, req) => {
      const body = kit.parse(ExtensionDecisionBody, { ...fields, comment: str(fields.comment).trim() || undefined });
      return actOnAction(ctx, actorOf(s), id, (deps) =>
        decideExtension(deps, actorOf(s), id, String(req.params.requestId), body),
      );
    },
  });

  actionPost('/actions/:id/cancel', {
    form: 'cancel',
    access: BOARD,
    notice: 'cancelled',
    fieldIds: () => ({ reason: 'cancel-reason' }),
    // Issue 22: "Cancel action 2.1 permanently" on a page of its own before anything changes.
    confirm: async (s, id, fields, page) =>
      confirmCancelPage(page, await subject(s, id), kit.parse(CancelBody, answers(fields)).reason),
    run: (s, id, fields) => {
      const body = kit.parse(CancelBody, answers(fields));
      return actOnAction(ctx, actorOf(s), id, (deps) => cancelAction(deps, actorOf(s), id, body));
    },
  });

  // ---- issue 18: naming the owner (the API's POST /api/v1/actions/:id/owner) ----
  actionPost('/actions/:id/owner', {
    form: 'owner',
    access: NAME_OWNER,
    notice: 'owner_named',
    fieldIds: () => ({ ownerId: 'owner-id' }),
    run: (s, id, fields) => {
      const body = kit.parse(SetOwnerBody, { ownerId: str(fields.ownerId) === '' ? null : fields.ownerId });
      return setActionOwner(lifecycleDeps(ctx), actorOf(s), id, body.ownerId);
    },
  });

  // ---- issue 22: the board reopens a finished action; the agency withdraws a request or evidence ----
  actionPost('/actions/:id/reopen', {
    form: 'reopen',
    access: BOARD,
    notice: 'reopened',
    fieldIds: () => ({ reason: 'reopen-reason', newDueDate: dateFieldId('newDueDate') }),
    run: (s, id, fields) => {
      // Issue 22: the optional new due date is three boxes; left blank, the action keeps its date.
      const newDueDate = readDateInput(fields, 'newDueDate', 'the new due date');
      const body = kit.parse(ReopenBody, { reason: fields.reason, newDueDate });
      return actOnAction(ctx, actorOf(s), id, (deps) => reopenAction(deps, actorOf(s), id, body));
    },
  });

  actionPost('/actions/:id/extensions/:requestId/withdraw', {
    form: null,
    access: OWNER,
    notice: 'extension_withdrawn',
    run: (s, id, _fields, _files, req) =>
      actOnAction(ctx, actorOf(s), id, (deps) => withdrawExtension(deps, actorOf(s), id, String(req.params.requestId))),
  });

  actionPost('/actions/:id/evidence/withdraw', {
    form: null,
    access: OWNER,
    notice: 'evidence_withdrawn',
    run: (s, id, fields) =>
      actOnAction(ctx, actorOf(s), id, (deps) => withdrawEvidence(deps, actorOf(s), id, optional(fields.evidenceId))),
  });

  // ---- issue 17: progress updates and the impact check ----

  actionPost('/actions/:id/updates', {
    form: 'progress',
    access: OWNER,
    limits: EVIDENCE_UPLOAD_LIMITS,
    notice: 'progress_update',
    fieldIds: () => ({
      statement: 'pu-statement',
      percentComplete: 'pu-percent',
      rag: 'pu-rag',
      ragReason: 'pu-rag-reason',
    }),
    run: (s, id, fields, files) => {
      const body = kit.parse(ProgressUpdateBody, {
        statement: fields.statement,
        percentComplete: optional(fields.percentComplete),
        rag: optional(fields.rag),
        ragReason: optional(fields.ragReason),
      });
      return withFiles(ctx, actorOf(s), id, files, (deps, refs) => postProgress(deps, actorOf(s), id, body, refs));
    },
  });

  actionPost('/actions/:id/impact-evidence', {
    form: 'impact-evidence',
    access: OWNER,
    limits: EVIDENCE_UPLOAD_LIMITS,
    notice: 'impact_evidence',
    fieldIds: () => ({ statement: 'ie-statement', method: 'ie-method' }),
    run: (s, id, fields, files) => {
      const body = kit.parse(ImpactEvidenceBody, { statement: fields.statement, method: fields.method });
      return withFiles(ctx, actorOf(s), id, files, (deps, refs) =>
        submitImpactEvidence(deps, actorOf(s), id, body, refs),
      );
    },
  });

  actionPost('/actions/:id/impact-decision', {
    form: 'impact-decision',
    access: DECIDERS,
    notice: 'impact_decided',
    fieldIds: () => ({
      outcome: 'impact-outcome-waived',
      comment: 'impact-comment',
      followUpDueDate: dateFieldId('followUpDueDate'),
    }),
    run: (s, id, fields) => {
      const outcome = str(fields.outcome);
      const body = kit.parse(ImpactDecisionBody, {
        outcome: fields.outcome,
        comment: str(fields.comment),
        // The date field is always on the form; it counts only for "not embedded".
        followUpDueDate:
          outcome === 'not_embedded'
            ? readDateInput(fields, 'followUpDueDate', 'the follow-up action’s due date')
            : undefined,
      });
      return actOnAction(ctx, actorOf(s), id, (deps) => decideImpact(deps, actorOf(s), id, body));
    },
  });

  return router;
}
