/** Issue 22: the board reopens a finished action; the owning agency withdraws a pending request or evidence. */
import { defineRoute, type RouteDef } from '../http/route';
import { Action, EmptyBody, EvidenceParams, ExtensionParams, IdParams, ReopenBody } from '../schemas';
import { actOnAction } from '../use-cases/action-commands';
import { reopenAction, withdrawEvidence, withdrawExtension } from '../use-cases/reopen-withdraw';
import { BOARD, OWNER } from './actions';

const refused = { 409: { description: 'Refused by the workflow: not allowed in the current stage' } };

export const reopenWithdrawRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/reopen',
    operationId: 'reopenAction',
    summary: 'The board reopens a closed or cancelled action, with the reason (and optionally a new due date)',
    description:
      'Closed as not implemented, closed as implemented with no impact check, or cancelled: the action goes back to the agency ' +
      '(in progress, or assigned if it was never acknowledged), its reminders and escalations are planned again and the agency is told. ' +
      'An open action, or one closed as implemented with an impact check, is refused (409). A board member from the owning agency is refused (403).',
    tag: 'Actions',
    access: BOARD,
    params: IdParams,
    body: { json: ReopenBody },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params, body }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) => reopenAction(deps, actor, params.id, body));
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/extension-requests/:rid/withdraw',
    operationId: 'withdrawExtension',
    summary: 'The owning agency withdraws its extension request before the board decides',
    tag: 'Actions',
    access: OWNER,
    params: ExtensionParams,
    body: { json: EmptyBody, emptyAllowed: true },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) =>
        withdrawExtension(deps, actor, params.id, params.rid),
      );
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/evidence/:eid/withdraw',
    operationId: 'withdrawEvidence',
    summary: 'The owning agency withdraws its evidence before the board decides (under_review → in_progress)',
    tag: 'Actions',
    access: OWNER,
    params: EvidenceParams,
    body: { json: EmptyBody, emptyAllowed: true },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) =>
        withdrawEvidence(deps, actor, params.id, params.eid),
      );
      return { status: 200, body: action };
    },
  }),
];
