import { createHash } from 'node:crypto';
import { and, inArray, notExists, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { attachments, blobs } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { ActionState, Actor, AttachmentRef } from '../../workflows/types';
import type { ApiContext } from '../http/route';
import { checkEvidenceFile, type UploadedFile } from '../http/uploads';
import { actionDetailParts, findAction, findActionRow, type ActionView } from '../queries/actions';
import { scopeOf } from '../queries/scope';
import { actionLiveState, submitEvidence, type LifecycleDeps } from './actions';

export const lifecycleDeps = (ctx: ApiContext): LifecycleDeps => ({ db: ctx.db, client: ctx.client, taskQueue: ctx.taskQueue });

/** 404 unless the caller may see the action: another agency's action must look exactly like an unknown one. */
export async function requireVisibleAction(ctx: ApiContext, actor: Actor, actionId: string) {
  const row = await findActionRow(ctx.db, scopeOf(actor), actionId);
  if (!row) throw new AppError('not_found', 'No such action');
  return row;
}

/** Runs a lifecycle command on an action the caller can see, then reads the projected row back. */
export async function actOnAction<T>(ctx: ApiContext, actor: Actor, actionId: string, send: (deps: LifecycleDeps) => Promise<T>): Promise<{ result: T; action: ActionView }> {
  await requireVisibleAction(ctx, actor, actionId);
  const result = await send(lifecycleDeps(ctx));
  // Unscoped: the caller was just allowed to act on it (a reassignment may have moved it away).
  const action = await findAction(ctx.db, { agencyId: null }, actionId);
  if (!action) throw new AppError('not_found', 'No such action');
  return { result, action };
}

const withTimeout = <T>(p: Promise<T>, ms: number): Promise<T | null> =>
  Promise.race([p.catch(() => null), new Promise<null>((resolve) => setTimeout(() => resolve(null), ms).unref())]);

export async function actionDetail(ctx: ApiContext, actor: Actor, actionId: string) {
  const row = await requireVisibleAction(ctx, actor, actionId);
  const action = (await findAction(ctx.db, scopeOf(actor), actionId))!;
  const [parts, live] = await Promise.all([
    actionDetailParts(ctx.db, row.id),
    // The live stage is a courtesy: a slow or absent worker must not make the action unreadable.
    withTimeout<ActionState>(actionLiveState(lifecycleDeps(ctx), row.id), 2000),
  ]);
  return { ...action, liveStage: live?.stage ?? null, ...parts };
}

/** Content-addressed: returns the digests this call inserted (others already existed and are shared). */
export async function storeBlobs(db: Db, files: UploadedFile[]): Promise<{ refs: AttachmentRef[]; inserted: string[] }> {
  const refs: AttachmentRef[] = [];
  const inserted: string[] = [];
  for (const f of files) {
    const sha256 = createHash('sha256').update(f.buffer).digest('hex');
    refs.push({ filename: f.filename, mediaType: f.mediaType, size: f.size, sha256 });
    const rows = await db.insert(blobs).values({ sha256, size: f.size, content: f.buffer }).onConflictDoNothing().returning({ sha256: blobs.sha256 });
    if (rows.length) inserted.push(sha256);
  }
  return { refs, inserted };
}

/** Undo for a refused Update: only blobs this request added, and only while no attachment points at them. */
export async function removeOrphanBlobs(db: Db, digests: string[]): Promise<void> {
  if (digests.length === 0) return;
  await db
    .delete(blobs)
    .where(and(inArray(blobs.sha256, digests), notExists(db.select({ one: attachments.id }).from(attachments).where(eq(attachments.sha256, blobs.sha256)))));
}

export async function submitEvidenceWithFiles(
  ctx: ApiContext,
  actor: Actor,
  actionId: string,
  input: { statement: string; links: string[] },
  files: UploadedFile[],
) {
  await requireVisibleAction(ctx, actor, actionId);
  files.forEach(checkEvidenceFile);
  const { refs, inserted } = await storeBlobs(ctx.db, files);
  try {
    return await actOnAction(ctx, actor, actionId, (deps) => submitEvidence(deps, actor, actionId, { statement: input.statement, links: input.links, attachments: refs }));
  } catch (err) {
    await removeOrphanBlobs(ctx.db, inserted).catch((e: unknown) => ctx.logger.warn({ err: e }, 'could not remove orphan blobs'));
    throw err;
  }
}
