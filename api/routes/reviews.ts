import { AppError } from '../../lib/errors';
import { DOCUMENT_CSP } from '../http/security-headers';
import { defineRoute, type RouteDef } from '../http/route';
import { IMPORT_UPLOAD_LIMITS } from '../http/uploads';
import { z } from '../http/zod';
import { findReview, listReviews } from '../queries/reviews';
import { scopeOf } from '../queries/scope';
import { buildReport } from '../report/model';
import { renderCsv, renderHtml, renderMarkdown } from '../report/render';
import { MEDIA_TYPE, sendPaper } from '../report/send-paper';
import { inSnapshot, readStamp } from '../report/stamp';
import { statementPaper } from '../report/statement-paper';
import {
  CreateReviewBody,
  IdParams,
  ImportCheck,
  ImportFields,
  ImportForm,
  Problem,
  ProgressSheetFields,
  ProgressSheetForm,
  ProgressSheetResult,
  ReportQuery,
  Review,
  ReviewSummary,
  ReviewTypeName,
} from '../schemas';
import { checkImport, createReviewFor, importReview } from '../use-cases/review-commands';
import { lifecycleDeps } from '../use-cases/action-commands';
import { applyProgressSheet, SHEET_UPLOADERS } from '../use-cases/apply-progress-sheet';
import { sendProgressSheet } from '../report/send-progress-sheet';

export const CREATORS = ['admin', 'board'] as const;

export const IMPORT_LIMITS = IMPORT_UPLOAD_LIMITS;

export const reviewRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/reviews',
    operationId: 'createReview',
    summary: 'Create a review with its recommendations and actions; starts the workflows',
    description:
      'Idempotent on the reference: the same review again is a 200 with the existing one; different content under the same reference is a 409.',
    tag: 'Reviews',
    access: CREATORS,
    body: { json: CreateReviewBody },
    responses: {
      201: { description: 'The review with ids', schema: Review },
      200: { description: 'The same review already existed', schema: Review },
      409: { description: 'Another review has this reference' },
    },
    handler: async ({ ctx, actor, body }) => {
      const { status, review } = await createReviewFor(ctx, actor, body);
      return { status, body: review };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/reviews/import',
    operationId: 'importReview',
    summary: 'Create a review from a CSV or XLSX action plan (one row per action)',
    description:
      'Columns: Recommendation number, Recommendation, Action, Lead agency code, Success measure, Target date (optional: Action detail). ' +
      'Every bad row is reported in `errors` with its row and column (a target date before today is one), and nothing is imported unless every row is valid. ' +
      'Each agency is told of its new actions in one mail with a calendar entry per action (`assignmentMail: each` sends one mail per action instead). ' +
      '`POST /reviews/import/check` answers what the import would do without creating anything.',
    tag: 'Reviews',
    access: CREATORS,
    body: { multipart: { fields: ImportFields, doc: ImportForm, limits: IMPORT_LIMITS } },
    responses: {
      201: { description: 'The review with ids', schema: Review },
      200: { description: 'The same review already existed', schema: Review },
      400: { description: 'Bad rows, by row and column', schema: Problem },
    },
    handler: async ({ ctx, actor, body, files }) => {
      const { status, review } = await importReview(ctx, actor, body, files);
      return { status, body: review };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/reviews/import/check',
    operationId: 'checkReviewImport',
    summary: 'Check an action plan before importing it: what the import would create and whom it would mail',
    description:
      'The same file and fields as `POST /reviews/import`, and the same row checks (target dates before today are refused by row and column). ' +
      'Nothing is created or kept: the answer is the actions per agency, the earliest and latest due dates, and the one mail each agency will receive, to whom. ' +
      'A reference already in use is a 409.',
    tag: 'Reviews',
    access: CREATORS,
    body: { multipart: { fields: ImportFields, doc: ImportForm, limits: IMPORT_LIMITS } },
    responses: {
      200: { description: 'What the import would do', schema: ImportCheck },
      400: { description: 'Bad rows, by row and column', schema: Problem },
      409: { description: 'A review with this reference already exists', schema: Problem },
    },
    handler: async ({ ctx, body, files }) => {
      const { assignmentMail: _mail, ...fields } = body;
      return { status: 200, body: await checkImport(ctx, fields, files) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/reviews',
    operationId: 'listReviews',
    summary: 'Reviews (agency users: those with actions of theirs)',
    tag: 'Reviews',
    access: 'any',
    query: z.strictObject({ type: ReviewTypeName.optional() }),
    responses: { 200: { description: 'Reviews, newest first', schema: z.array(ReviewSummary) } },
    handler: async ({ ctx, actor, query }) => ({ status: 200, body: await listReviews(ctx.db, scopeOf(actor), query) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/reviews/:id',
    operationId: 'getReview',
    summary: 'A review with its recommendations and actions (agency users: their own actions only)',
    tag: 'Reviews',
    access: 'any',
    params: IdParams,
    responses: { 200: { description: 'The review', schema: Review } },
    handler: async ({ ctx, actor, params }) => {
      const review = await findReview(ctx.db, scopeOf(actor), params.id);
      if (!review) throw new AppError('not_found', 'No such review');
      return { status: 200, body: review };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/reviews/:id/report',
    operationId: 'reviewReport',
    summary: 'The agency progress statement, a section per agency (agency users: their own section)',
    tag: 'Reviews',
    access: 'any',
    params: IdParams,
    query: ReportQuery,
    description:
      "docx and pdf are the board-paper packs (a table per agency, the board's name in the page header, page numbers); xlsx has a sheet per agency. " +
      'Each of the three ends with the publication record: when it was generated, the instant its data was read at, and the audit chain head (`npm run audit:verify -- --head <hash>`).',
    responses: {
      200: {
        description: 'The statement as json, html (prints well), md, csv, docx, pdf or xlsx',
        contentTypes: [
          'application/json',
          'text/html',
          'text/markdown',
          'text/csv',
          MEDIA_TYPE.docx,
          MEDIA_TYPE.pdf,
          MEDIA_TYPE.xlsx,
        ],
      },
    },
    handler: async ({ ctx, actor, params, query, res }) => {
      if (query.format === 'docx' || query.format === 'pdf' || query.format === 'xlsx') {
        const now = new Date();
        const read = await inSnapshot(ctx.db, async (tx) => ({
          report: await buildReport(tx, scopeOf(actor), params.id, now),
          stamp: await readStamp(tx, ctx.config.boardName, now),
        }));
        if (!read.report) throw new AppError('not_found', 'No such review');
        await sendPaper(res, query.format, statementPaper(read.report), read.stamp);
        return { sent: true };
      }
      const report = await buildReport(ctx.db, scopeOf(actor), params.id);
      if (!report) throw new AppError('not_found', 'No such review');
      if (query.format === 'json') return { status: 200, body: report };
      const name = `${report.review.reference.replace(/[^A-Za-z0-9._-]+/g, '-')}-progress`;
      const [type, text, ext] =
        query.format === 'html'
          ? ['text/html; charset=utf-8', renderHtml(report), 'html']
          : query.format === 'md'
            ? ['text/markdown; charset=utf-8', renderMarkdown(report), 'md']
            : ['text/csv; charset=utf-8', renderCsv(report), 'csv'];
      res.setHeader('Content-Type', type);
      if (query.format !== 'html') res.setHeader('Content-Disposition', `attachment; filename="${name}.${ext}"`);
      else res.setHeader('Content-Security-Policy', DOCUMENT_CSP);
      res.status(200).send(text);
      return { sent: true };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/reviews/:id/progress-sheet',
    operationId: 'progressSheet',
    summary: "The review's action plan as a spreadsheet to fill in offline (agency users: their own rows)",
    description:
      "One row per action: the import template's columns, the action's ID and version, status, owner, due date, latest update, " +
      'and a blank Progress update column (the only one unlocked, and the only one an upload reads).',
    tag: 'Reviews',
    access: 'any',
    params: IdParams,
    responses: { 200: { description: 'The progress sheet', contentTypes: [MEDIA_TYPE.xlsx] } },
    handler: async ({ ctx, actor, params, res }) => {
      await sendProgressSheet(res, ctx, actor, params.id);
      return { sent: true };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/reviews/:id/progress-sheet',
    operationId: 'uploadProgressSheet',
    summary: 'Send the progress updates of a filled-in progress sheet, one per non-blank row, to their actions',
    description:
      'Each non-blank row becomes a progress update on its action (as POST /actions/:id/updates: the statement, and optionally ' +
      "Percent complete and the own RAG with its reason; no stage change, nothing asked of the board), through the action's workflow. " +
      "An agency uploads its own rows; the board may upload a sheet an agency sent it (each update is recorded as the board member's, " +
      'for the agency; an administrator does not act for an agency). Every row is checked first: the Action ID must be an action of ' +
      'this review (for an agency, one of its own), the Version the one exported (an action changed since by anyone, other than by ' +
      'reminders, escalations, an acknowledgement or another progress update, is refused with what changed), and the action ' +
      'acknowledged and open. Any problem: nothing is sent, and `errors` names each by row and column (409 when every problem is the ' +
      'state of an action, 400 otherwise). The same file uploaded again (by the agency or the board) never sends a row twice.',
    tag: 'Reviews',
    access: SHEET_UPLOADERS,
    params: IdParams,
    body: { multipart: { fields: ProgressSheetFields, doc: ProgressSheetForm, limits: IMPORT_LIMITS } },
    responses: {
      200: { description: 'What was sent', schema: ProgressSheetResult },
      400: { description: 'Bad rows, by row and column; nothing sent', schema: Problem },
      409: {
        description: 'Rows whose action changed since the export or cannot take a progress update; nothing sent',
        schema: Problem,
      },
    },
    handler: async ({ ctx, actor, params, files }) => ({
      status: 200,
      body: await applyProgressSheet(lifecycleDeps(ctx), actor, params.id, files),
    }),
  }),
];
