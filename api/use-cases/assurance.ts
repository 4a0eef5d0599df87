/**
 * Issue 17's use-cases: a progress update (no stage change), impact evidence, and the board's
 * impact decision. Each sends one workflow Update; a refusal writes nothing (actions.ts).
 */
import { randomUUID } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import { blobs } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { decideImpactUpdate, postProgressUpdate, submitImpactEvidenceUpdate } from '../../workflows/messages';
import type { ActionState, Actor, AttachmentRef, ImpactOutcome } from '../../workflows/types';
import type { ApiContext } from '../http/route';
import { checkEvidenceFile, type UploadedFile } from '../http/uploads';
import { findAction, type ActionView } from '../queries/actions';
import { lifecycleDeps, requireVisibleAction } from './action-commands';
import { isPast, parseDueDate, sendActionUpdate, type LifecycleDeps } from './actions';
import { withStoredFiles } from './evidence-files';

async function requireStored(deps: LifecycleDeps, attachments: AttachmentRef[]): Promise<void> {
  if (!attachments.length) return;
  const wanted = [...new Set(attachments.map((a) => a.sha256))];
  const found = await deps.db.select({ sha256: blobs.sha256 }).from(blobs).where(inArray(blobs.sha256, wanted));
  const missing = wanted.filter((s) => !found.some((f) => f.sha256 === s));
  if (missing.length) throw new AppError('validation', `attachment content not stored: ${missing.join(', ')}`);
}

export interface ProgressInput {
  statement: string;
  percentComplete?: number;
  rag?: 'green' | 'amber' | 'red' | 'complete';
  ragReason?: string;
}

/**
 * `updateId`: the progress update's id when the caller derives it (the progress sheet, so the same
 * row uploaded twice is recognised); `forAgency`: the board records it for the owning agency.
 */
export interface ProgressOptions {
  updateId?: string;
  forAgency?: boolean;
}

export async function postProgress(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: ProgressInput,
  attachments: AttachmentRef[] = [],
  opts: ProgressOptions = {},
): Promise<{ updateId: string; state: ActionState }> {
  await requireStored(deps, attachments);
  const updateId = opts.updateId ?? randomUUID();
  const args = {
    actor,
    updateId,
    statement: input.statement,
    percentComplete: input.percentComplete ?? null,
    rag: input.rag ?? null,
    ragReason: input.rag ? (input.ragReason ?? null) : null,
    attachments,
    ...(opts.forAgency ? { forAgency: true } : {}),
  };
  const state = await sendActionUpdate(deps, actionId, (h, o) =>
    h.executeUpdate(postProgressUpdate, { ...o, args: [args] }),
  );
  return { updateId, state };
}

export async function submitImpactEvidence(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { statement: string; method: string; links?: string[] },
  attachments: AttachmentRef[] = [],
): Promise<ActionState> {
  await requireStored(deps, attachments);
  const args = {
    actor,
    evidenceId: randomUUID(),
    statement: input.statement,
    method: input.method,
    links: input.links ?? [],
    attachments,
  };
  return sendActionUpdate(deps, actionId, (h, o) =>
    h.executeUpdate(submitImpactEvidenceUpdate, { ...o, args: [args] }),
  );
}

export async function decideImpact(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { outcome: ImpactOutcome; comment?: string; followUpDueDate?: string; followUpTitle?: string },
): Promise<ActionState> {
  let followUpDueDate: string | undefined;
  if (input.outcome === 'not_embedded') {
    if (!input.followUpDueDate)
      throw new AppError('validation', 'the follow-up action needs a due date', [
        { path: 'followUpDueDate', message: 'required for not_embedded' },
      ]);
    followUpDueDate = parseDueDate(input.followUpDueDate, 'followUpDueDate');
    if (isPast(followUpDueDate))
      throw new AppError('validation', 'followUpDueDate is in the past', [
        { path: 'followUpDueDate', message: 'the follow-up due date is in the past' },
      ]);
  }
  const args = {
    actor,
    outcome: input.outcome,
    comment: input.comment ?? '',
    ...(followUpDueDate ? { followUpDueDate } : {}),
    ...(input.followUpTitle ? { followUpTitle: input.followUpTitle } : {}),
  };
  return sendActionUpdate(deps, actionId, (h, o) => h.executeUpdate(decideImpactUpdate, { ...o, args: [args] }));
}

/** The same with files, stored before the Update (as evidence is); the route and the page call these. */
export async function withFiles<T>(
  ctx: ApiContext,
  actor: Actor,
  actionId: string,
  files: UploadedFile[],
  send: (deps: LifecycleDeps, refs: AttachmentRef[]) => Promise<T>,
): Promise<{ result: T; action: ActionView }> {
  await requireVisibleAction(ctx, actor, actionId);
  files.forEach(checkEvidenceFile);
  return withStoredFiles(ctx.db, files, ctx.logger, async (refs) => {
    const result = await send(lifecycleDeps(ctx), refs);
    const action = await findAction(ctx.db, { agencyId: null }, actionId);
    if (!action) throw new AppError('not_found', 'No such action');
    return { result, action };
  });
}
