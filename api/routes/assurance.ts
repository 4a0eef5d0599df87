/**
 * Issue 17's routes: progress updates (not submissions) and the impact check after approval.
 */
import { defineRoute, type RouteDef } from '../http/route';
import { AppError } from '../../lib/errors';
import { sendStoredFile } from '../http/file-response';
import { EVIDENCE_UPLOAD_LIMITS } from '../http/uploads';
import { z } from '../http/zod';
import { findAssuranceAttachment, type AssuranceFileParent } from '../queries/actions';
import {
  Action,
  AssuranceAttachmentParams,
  IdParams,
  ImpactDecisionBody,
  ImpactEvidenceBody,
  ProgressUpdateBody,
  ProgressUpdateCreated,
} from '../schemas';
import { actOnAction, requireVisibleAction } from '../use-cases/action-commands';
import { decideImpact, postProgress, submitImpactEvidence, withFiles } from '../use-cases/assurance';
import { DECIDERS, OWNER } from './actions';

const refused = {
  409: { description: 'Refused by the workflow: not allowed in the current stage or assurance state' },
};
const files = {
  413: { description: 'Too many or too large files' },
  415: { description: 'A file type that is not accepted' },
};

const linksAsList = (f: Record<string, unknown>) => {
  const out: Record<string, unknown> = { ...f };
  const links = f.links ?? f['links[]'];
  delete out['links[]'];
  if (links !== undefined) out.links = Array.isArray(links) ? links : [links];
  return out;
};

/** A file of a progress update or of impact evidence: the evidence files' rule (the action visible to the caller, else 404). */
const download = (parent: AssuranceFileParent, operationId: string, what: string) =>
  defineRoute({
    method: 'get',
    path: `/api/v1/actions/:id/${parent}/:parentId/attachments/:sha256`,
    operationId,
    summary: `Download a file of ${what}`,
    description: `The file's url is in the action's detail (GET /api/v1/actions/:id, ${parent === 'updates' ? 'progressUpdates' : 'impactEvidence'}[].attachments[].url). Who may see the action may download it; another agency's is 404.`,
    tag: 'Actions',
    access: 'any',
    params: AssuranceAttachmentParams,
    responses: { 200: { description: 'The file as uploaded', contentTypes: ['application/octet-stream'] } },
    handler: async ({ ctx, actor, params, res }) => {
      await requireVisibleAction(ctx, actor, params.id);
      const file = await findAssuranceAttachment(ctx.db, params.id, parent, params.parentId, params.sha256);
      if (!file) throw new AppError('not_found', 'No such attachment');
      sendStoredFile(res, file);
      return { sent: true };
    },
  });

export const assuranceRoutes: RouteDef[] = [
  download('updates', 'downloadProgressUpdateAttachment', 'a progress update'),
  download('impact-evidence', 'downloadImpactEvidenceAttachment', 'impact evidence'),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/updates',
    operationId: 'postProgressUpdate',
    summary: "The owning agency's progress update: no stage change, nothing asked of the board",
    description:
      'A short statement, optionally percent complete and the agency\'s own RAG with its reason; JSON, or multipart with files in "files". ' +
      "Resets the stall clock (and resolves a stall escalation); the latest update is the agency's current position on the statement.",
    tag: 'Actions',
    access: OWNER,
    params: IdParams,
    body: {
      json: ProgressUpdateBody,
      multipart: {
        fields: ProgressUpdateBody,
        doc: z
          .object({
            statement: z.string(),
            percentComplete: z.string().optional(),
            rag: z.string().optional(),
            ragReason: z.string().optional(),
            files: z.array(z.any().openapi({ type: 'string', format: 'binary' })).optional(),
          })
          .openapi('ProgressUpdateForm'),
        limits: EVIDENCE_UPLOAD_LIMITS,
      },
    },
    responses: {
      201: { description: 'The update id and the action', schema: ProgressUpdateCreated },
      ...refused,
      ...files,
    },
    handler: async ({ ctx, actor, params, body, files: uploaded }) => {
      const { result, action } = await withFiles(ctx, actor, params.id, uploaded, (deps, refs) =>
        postProgress(deps, actor, params.id, body, refs),
      );
      return { status: 201, body: { updateId: result.updateId, action } };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/impact-evidence',
    operationId: 'submitImpactEvidence',
    summary: 'The owning agency sends evidence of impact (assurance scheduled or due → evidence_submitted)',
    description:
      'What changed in practice and how it was measured (audit, case file sample, survey...); JSON, or multipart with files in "files".',
    tag: 'Actions',
    access: OWNER,
    params: IdParams,
    body: {
      json: ImpactEvidenceBody,
      multipart: {
        fields: ImpactEvidenceBody,
        doc: z
          .object({
            statement: z.string(),
            method: z.string(),
            links: z.array(z.string()).optional(),
            files: z.array(z.any().openapi({ type: 'string', format: 'binary' })).optional(),
          })
          .openapi('ImpactEvidenceForm'),
        limits: EVIDENCE_UPLOAD_LIMITS,
        normalize: linksAsList,
      },
    },
    responses: { 200: { description: 'The action', schema: Action }, ...refused, ...files },
    handler: async ({ ctx, actor, params, body, files: uploaded }) => {
      const { action } = await withFiles(ctx, actor, params.id, uploaded, (deps, refs) =>
        submitImpactEvidence(deps, actor, params.id, body, refs),
      );
      return { status: 200, body: action };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/impact-decision',
    operationId: 'decideImpact',
    summary: 'The board decides on the impact: evidenced, not_embedded (creates a follow-up action) or waived',
    description:
      'evidenced and not_embedded need assurance evidence_submitted (else 409); a waiver may come at any point of the check. ' +
      'not_embedded needs the reason and followUpDueDate: a linked follow-up action (2.1 → 2.1a) is created for the same agency, with its own workflow. ' +
      'A board member from the owning agency is refused (conflict of interest, 403).',
    tag: 'Actions',
    access: DECIDERS,
    params: IdParams,
    body: { json: ImpactDecisionBody },
    responses: { 200: { description: 'The action', schema: Action }, ...refused },
    handler: async ({ ctx, actor, params, body }) => {
      const { action } = await actOnAction(ctx, actor, params.id, (deps) => decideImpact(deps, actor, params.id, body));
      return { status: 200, body: action };
    },
  }),
];
