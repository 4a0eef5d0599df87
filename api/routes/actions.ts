import { AppError } from '../../lib/errors';
import { defineRoute, type RouteDef } from '../http/route';
import { EVIDENCE_UPLOAD_LIMITS } from '../http/uploads';
import { z } from '../http/zod';
import { listActionsCached } from '../queries/action-list-cache';
import { actionHistory, findAttachment } from '../queries/actions';
import { ownEvidenceFileAgency } from '../queries/moved-evidence';
import { sendStoredFile } from '../http/file-response';
import { scopeOf } from '../queries/scope';
import {
  Action,
  ActionDetail,
  ActionListQuery,
  AttachmentParams,
  AuditEvent,
  CancelBody,
  DecisionBody,
  EmptyBody,
  EvidenceBody,
  EvidenceForm,
  ExtensionBody,
  ExtensionCreated,
  ExtensionDecisionBody,
  ExtensionParams,
  IdParams,
  ActionPage,
} from '../schemas';
import { acknowledgeAction, cancelAction, decideAction, decideExtension, requestExtension } from '../use-cases/actions';
import { actOnAction, actionDetail, requireVisibleAction, submitEvidenceWithFiles } from '../use-cases/action-commands';

/** The owning agency's people only: an administrator does not act for an agency. */
export const OWNER = ['agency'] as const;
/** Decisions are the board's alone. */
export const DECIDERS = ['board'] as const;
/** Cancelling is board business and administration. */
export const BOARD = ['board', 'admin'] as const;
const refused = { 409: { description: 'Refused by the workflow: not allowed in the current stage' } };

export const EVIDENCE_LIMITS = EVIDENCE_UPLOAD_LIMITS;

export const actionRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/actions',
    operationId: 'listActions',
    summary: 'Actions, filtered and paged (agency users: their own)',
    tag: 'Actions',
    access: 'any',
    query: ActionListQuery,
    responses: { 200: { description: 'A page of actions', schema: ActionPage } },
    handler: async ({ ctx, actor, query, res }) => {
      const { page, pageSize, owner, ...rest } = query;
      const filters = { ...rest, ...(owner ? { owner: owner === 'me' ? actor.userId : owner } : {}) };
      // Served from the page cache when nothing was written since it was read (action-list-cache.ts);
      // the JSON text is the one res.json would produce, serialised once per read.
      const cached = await listActionsCached(ctx.db, scopeOf(actor), filters, { page, pageSize });
      res.status(200).type('json').send(cached.json);
      return { sent: true };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/actions/:id',
    operationId: 'getAction',
    summary: 'An action with its evidence, decisions, escalations, notifications and live stage',
    tag: 'Actions',
    access: 'any',
    params: IdParams,
    responses: { 200: { description: 'The action', schema: ActionDetail } },
    handler: async ({ ctx, actor, params }) => ({ status: 200, body: await actionDetail(ctx, actor, params.id) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/acknowledge',
    operationId: 'acknowledgeAction',
    summary: 'The owning agency acknowledges the action (assigned → in_progress)',
    tag: 'Actions',
    access: OWNER,
    params: IdParams,
    body: { json: EmptyBody, emptyAllowed: true },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) => acknowledgeAction(deps, actor, params.id));
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/evidence',
    operationId: 'submitEvidence',
    summary: 'The owning agency submits a progress statement with evidence (in_progress → under_review)',
    description: `JSON, or multipart with up to ${EVIDENCE_LIMITS.maxFiles} files of at most ${EVIDENCE_LIMITS.maxFileSize / 1024 / 1024} MB each in "files" (PDF, Office documents, images, text).`,
    tag: 'Actions',
    access: OWNER,
    params: IdParams,
    body: {
      json: EvidenceBody,
      multipart: {
        fields: EvidenceBody,
        doc: EvidenceForm,
        limits: EVIDENCE_LIMITS,
        normalize: (f) => {
          const out: Record<string, unknown> = { ...f };
          // Links may be sent as repeated fields, links[] fields, or one field.
          const links = f.links ?? f['links[]'];
          delete out['links[]'];
          if (links !== undefined) out.links = Array.isArray(links) ? links : [links];
          return out;
        },
      },
    },
    responses: {
      200: { description: 'The action', schema: Action },
      ...refused,
      413: { description: 'Too many or too large files' },
      415: { description: 'A file type that is not accepted' },
    },
    handler: async ({ ctx, actor, params, body, files }) => {
      const { action } = await submitEvidenceWithFiles(ctx, actor, params.id, body, files);
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/decision',
    operationId: 'decideAction',
    summary: 'The board decides on the evidence (approve, request_changes, close_not_implemented)',
    description: 'A board member from the owning agency is refused (conflict of interest, 403).',
    tag: 'Actions',
    access: DECIDERS,
    params: IdParams,
    body: { json: DecisionBody },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params, body }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) => decideAction(deps, actor, params.id, body));
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/extension-requests',
    operationId: 'requestExtension',
    summary: 'The owning agency asks for a later due date, with the reason and interim measures',
    tag: 'Actions',
    access: OWNER,
    params: IdParams,
    body: { json: ExtensionBody },
    responses: { 201: { description: 'The request id and the action', schema: ExtensionCreated }, ...refused },
    handler: async ({ ctx, actor, params, body }) => {
      const { result, action } = await actOnAction(ctx, actor, params.id, (deps) =>
        requestExtension(deps, actor, params.id, body),
      );
      return { status: 201, body: { requestId: result.requestId, action } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/extension-requests/:rid/decision',
    operationId: 'decideExtension',
    summary: 'The board approves or rejects an extension request',
    tag: 'Actions',
    access: DECIDERS,
    params: ExtensionParams,
    body: { json: ExtensionDecisionBody },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params, body }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) =>
        decideExtension(deps, actor, params.id, params.rid, body),
      );
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/cancel',
    operationId: 'cancelAction',
    summary: 'The board cancels an action, with the reason',
    tag: 'Actions',
    access: BOARD,
    params: IdParams,
    body: { json: CancelBody },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params, body }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) => cancelAction(deps, actor, params.id, body));
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/actions/:id/history',
    operationId: 'actionHistory',
    summary: "The action's audit events, oldest first",
    tag: 'Actions',
    access: 'any',
    params: IdParams,
    responses: { 200: { description: 'Audit events', schema: z.array(AuditEvent) } },
    handler: async ({ ctx, actor, params }) => {
      await requireVisibleAction(ctx, actor, params.id);
      return { status: 200, body: await actionHistory(ctx.db, params.id) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/actions/:id/attachments/:attachmentId',
    operationId: 'downloadAttachment',
    summary: 'Download an evidence file',
    tag: 'Actions',
    access: 'any',
    params: AttachmentParams,
    responses: { 200: { description: 'The file as uploaded', contentTypes: ['application/octet-stream'] } },
    handler: async ({ ctx, actor, params, res }) => {
      // Issue 22: an agency keeps the files of its own evidence on an action moved to another agency.
      const ownFile =
        actor.role === 'agency' &&
        actor.agencyId !== null &&
        (await ownEvidenceFileAgency(ctx.db, params.attachmentId)) === actor.agencyId;
      if (!ownFile) await requireVisibleAction(ctx, actor, params.id);
      const file = await findAttachment(ctx.db, params.id, params.attachmentId);
      if (!file) throw new AppError('not_found', 'No such attachment');
      // Always a download, never rendered inline: uploaded content must not run in our origin.
      sendStoredFile(res, file);
      return { sent: true };
    },
  }),
];
