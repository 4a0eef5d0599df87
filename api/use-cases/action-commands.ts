import { AppError } from '../../lib/errors';
import type { ActionState, Actor } from '../../workflows/types';
import type { ApiContext } from '../http/route';
import { checkEvidenceFile, type UploadedFile } from '../http/uploads';
import { actionDetailParts, findAction, findActionRow, type ActionView } from '../queries/actions';
import { scopeOf } from '../queries/scope';
import { actionLiveState, submitEvidence, type LifecycleDeps } from './actions';
import { withStoredFiles } from './evidence-files';

export const lifecycleDeps = (ctx: ApiContext): LifecycleDeps => ({
  db: ctx.db,
  client: ctx.client,
  taskQueue: ctx.taskQueue,
  updateId: ctx.updateId,
  updateTimeoutMs: ctx.config.updateTimeoutMs,
  limits: { allowShortPolicies: ctx.config.allowShortPolicies },
});

/** 404 unless the caller may see the action: another agency's action must look exactly like an unknown one. */
export async function requireVisibleAction(ctx: ApiContext, actor: Actor, actionId: string) {
  const row = await findActionRow(ctx.db, scopeOf(actor), actionId);
  if (!row) throw new AppError('not_found', 'No such action');
  return row;
}

/** Runs a lifecycle command on an action the caller can see, then reads the projected row back. */
export async function actOnAction<T>(
  ctx: ApiContext,
  actor: Actor,
  actionId: string,
  send: (deps: LifecycleDeps) => Promise<T>,
): Promise<{ result: T; action: ActionView }> {
  await requireVisibleAction(ctx, actor, actionId);
  return sendAndReadBack(ctx, actionId, send);
}

/** For a caller that has already checked visibility (requireVisibleAction). */
async function sendAndReadBack<T>(
  ctx: ApiContext,
  actionId: string,
  send: (deps: LifecycleDeps) => Promise<T>,
): Promise<{ result: T; action: ActionView }> {
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

export async function submitEvidenceWithFiles(
  ctx: ApiContext,
  actor: Actor,
  actionId: string,
  input: { statement: string; links: string[] },
  files: UploadedFile[],
) {
  // Checked before any file is stored, and only once: an Update's latency is mostly round trips.
  await requireVisibleAction(ctx, actor, actionId);
  files.forEach(checkEvidenceFile);
  return withStoredFiles(ctx.db, files, ctx.logger, (refs) =>
    sendAndReadBack(ctx, actionId, (deps) =>
      submitEvidence(deps, actor, actionId, { statement: input.statement, links: input.links, attachments: refs }),
    ),
  );
}
