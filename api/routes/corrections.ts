/**
 * Issue 22 item 9: the board's corrections as API routes (use-cases in api/use-cases/corrections.ts).
 * Additive: new paths only; the pages call the same use-cases.
 */
import { AppError } from '../../lib/errors';
import { defineRoute, type RouteDef } from '../http/route';
import { z } from '../http/zod';
import { findAction } from '../queries/actions';
import { movedEvidence } from '../queries/moved-evidence';
import {
  Action,
  AddActionBody,
  DueDateCorrectionBody,
  IdParams,
  MovedEvidenceOut,
  ReassignBody,
  RecommendationWordingBody,
  WithdrawReviewBody,
  WithdrawnReview,
  WordingBody,
  WordingCorrected,
} from '../schemas';
import { actOnAction, lifecycleDeps, requireVisibleAction } from '../use-cases/action-commands';
import {
  addActionToRecommendation,
  correctActionWording,
  correctDueDate,
  correctRecommendationText,
  moveToAgency,
  withdrawReview,
} from '../use-cases/corrections';
import { BOARD } from './actions';

const refused = { 409: { description: 'Refused by the workflow: not allowed in the current stage' } };

export const correctionRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/due-date',
    operationId: 'correctDueDate',
    summary:
      'The board corrects the due date (not an extension: not counted as slippage); every timer is planned again',
    description:
      'For a date that was wrong from the start. The date it replaces stays in the audit trail and the timeline. ' +
      'Refused (409) while an extension request waits for the board, or once the action is finished; a board member ' +
      'from the owning agency is refused (403).',
    tag: 'Corrections',
    access: BOARD,
    params: IdParams,
    body: { json: DueDateCorrectionBody },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params, body }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) =>
        correctDueDate(deps, actor, params.id, body),
      );
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/wording',
    operationId: 'correctActionWording',
    summary: "The board corrects an action's title, description or success measure (audited with before and after)",
    tag: 'Corrections',
    access: BOARD,
    params: IdParams,
    body: { json: WordingBody },
    responses: { 200: { description: 'The action', schema: Action } },
    handler: async ({ ctx, actor, params, body }) => {
      await requireVisibleAction(ctx, actor, params.id);
      await correctActionWording(ctx.db, actor, params.id, body);
      const action = await findAction(ctx.db, { agencyId: null }, params.id);
      if (!action) throw new AppError('not_found', 'No such action');
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/reassign',
    operationId: 'reassignAction',
    summary: 'The board moves an action to another agency; its lead officer is mailed, the old agency loses access',
    description:
      'Allowed while assigned or in progress. The new agency starts from the beginning (it acknowledges). The old ' +
      'agency no longer sees the action, but still sees the evidence it sent (GET /me/moved-evidence).',
    tag: 'Corrections',
    access: BOARD,
    params: IdParams,
    body: { json: ReassignBody },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params, body }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) => moveToAgency(deps, actor, params.id, body));
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/recommendations/:id/actions',
    operationId: 'addAction',
    summary: "The board adds an action to a review's recommendation; its workflow starts and the agency is mailed",
    tag: 'Corrections',
    access: BOARD,
    params: IdParams,
    body: { json: AddActionBody },
    responses: {
      201: { description: 'The new action', schema: Action },
      409: { description: 'The recommendation is already complete' },
    },
    handler: async ({ ctx, actor, params, body }) => {
      const state = await addActionToRecommendation(lifecycleDeps(ctx), actor, params.id, body);
      const action = await findAction(ctx.db, { agencyId: null }, state.actionId);
      if (!action) throw new AppError('not_found', 'No such action');
      return { status: 201, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/recommendations/:id/wording',
    operationId: 'correctRecommendationWording',
    summary: "The board corrects a recommendation's text (audited with before and after)",
    tag: 'Corrections',
    access: BOARD,
    params: IdParams,
    body: { json: RecommendationWordingBody },
    responses: { 200: { description: 'What changed', schema: WordingCorrected } },
    handler: async ({ ctx, actor, params, body }) => ({
      status: 200,
      body: await correctRecommendationText(ctx.db, actor, params.id, body),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/reviews/:id/withdraw',
    operationId: 'withdrawReview',
    summary: 'The board withdraws a review: every open action is cancelled with the reason; each agency is told once',
    tag: 'Corrections',
    access: BOARD,
    params: IdParams,
    body: { json: WithdrawReviewBody },
    responses: {
      200: { description: 'The withdrawn review and what ended', schema: WithdrawnReview },
      409: { description: 'The review is already withdrawn' },
    },
    handler: async ({ ctx, actor, params, body }) => ({
      status: 200,
      body: await withdrawReview(lifecycleDeps(ctx), actor, params.id, body),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/me/moved-evidence',
    operationId: 'movedEvidence',
    summary: "The evidence the caller's agency sent on actions since moved to another agency",
    description:
      'A moved action leaves the old agency (it reads as not found), but the evidence its people sent stays theirs to ' +
      'read, with its files (GET /actions/:id/attachments/:attachmentId answers for them).',
    tag: 'Corrections',
    access: ['agency'],
    responses: { 200: { description: 'Moved actions with their own evidence', schema: z.array(MovedEvidenceOut) } },
    handler: async ({ ctx, actor }) => ({ status: 200, body: await movedEvidence(ctx.db, actor.agencyId!) }),
  }),
];
