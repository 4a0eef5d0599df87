/**
 * Issue 22, item 7: the board reopens a finished action; the owning agency withdraws its pending
 * extension request or its evidence before the board has decided (workflows/reopen-withdraw.ts).
 *
 * A finished action's workflow has usually completed, so reopening it is two steps: read what the
 * completed run carries (its `resumeState` query: Temporal replays a closed workflow to answer
 * it), check the reopen against it with the workflow's own rule, start a new run under the same
 * workflow id carrying that state (`resume.reopening`), then send it the same reopen Update a
 * running workflow gets. A refused reopen starts nothing and writes nothing.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { and, eq } from 'drizzle-orm';
import { actions, auditEvents, recommendations } from '../../db/schema';
import { isUuid } from '../../domain/text';
import { AppError } from '../../lib/errors';
import {
  actionReopenedUpdate,
  recommendationResumeQuery,
  reopenUpdate,
  resumeStateQuery,
  stateQuery,
  withdrawEvidenceUpdate,
  withdrawExtensionUpdate,
} from '../../workflows/messages';
import { checkReopen } from '../../workflows/reopen-withdraw';
import { REFUSAL, type ActionState, type Actor, type ReopenArgs } from '../../workflows/types';
import type { actionWorkflow } from '../../workflows/action-workflow';
import type { recommendationWorkflow } from '../../workflows/recommendation-workflow';
import { isPast, parseDueDate, update } from './actions';
import { refusalKind, type LifecycleDeps } from './lifecycle-deps';

export async function reopenAction(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  input: { reason: string; newDueDate?: string },
): Promise<ActionState> {
  if (!isUuid(actionId)) throw new AppError('not_found', 'no such action');
  const [row] = await deps.db
    .select({ status: actions.status, workflowId: actions.workflowId })
    .from(actions)
    .where(eq(actions.id, actionId));
  if (!row) throw new AppError('not_found', 'no such action');
  if (row.status !== 'closed' && row.status !== 'cancelled') {
    // A reopen whose second step (the recommendation) did not happen, say Temporal went away in
    // between: the same request again finishes it instead of leaving the two out of step.
    if (await recommendationLeftClosed(deps, actionId)) {
      await reopenRecommendationOf(deps, actionId);
      return deps.client.workflow.getHandle(row.workflowId).query(stateQuery);
    }
    throw new AppError('conflict', 'only a closed or cancelled action can be reopened: this one is still open');
  }
  const newDueDate = input.newDueDate ? parseDueDate(input.newDueDate, 'newDueDate') : undefined;
  if (newDueDate && deps.limits && isPast(newDueDate))
    throw new AppError('validation', `newDueDate ${input.newDueDate} is in the past`, [
      { path: 'newDueDate', message: 'the new due date is in the past' },
    ]);
  const args: ReopenArgs = { actor, reason: input.reason, ...(newDueDate ? { newDueDate } : {}) };
  const handle = deps.client.workflow.getHandle(row.workflowId);
  const { status } = await handle.describe();
  if (status.name !== 'RUNNING') {
    const carried = await handle.query(resumeStateQuery);
    try {
      checkReopen(carried.memory, args);
    } catch (err) {
      const kind = err instanceof ApplicationFailure ? refusalKind(err) : undefined;
      if (kind) throw new AppError(kind, (err as Error).message);
      throw err;
    }
    try {
      await deps.client.workflow.start<typeof actionWorkflow>('actionWorkflow', {
        workflowId: row.workflowId,
        taskQueue: deps.taskQueue,
        args: [{ ...carried.input, resume: { memory: carried.memory, reopening: true } }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
    } catch (err) {
      // Someone reopened it a moment ago: the Update below goes to that run and is checked there.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  const state = await update(deps, actionId, (h, o) => h.executeUpdate(reopenUpdate, { ...o, args: [args] }));
  await reopenRecommendationOf(deps, actionId);
  return state;
}

/** The action was reopened and is open, but its recommendation still carries its final status. */
async function recommendationLeftClosed(deps: LifecycleDeps, actionId: string): Promise<boolean> {
  const [rec] = await deps.db
    .select({ status: recommendations.status })
    .from(actions)
    .innerJoin(recommendations, eq(recommendations.id, actions.recommendationId))
    .where(eq(actions.id, actionId));
  if (!rec || rec.status === 'open') return false;
  const [reopened] = await deps.db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(and(eq(auditEvents.actionId, actionId), eq(auditEvents.type, 'reopened')))
    .limit(1);
  return !!reopened;
}

/**
 * The action is open again, so its recommendation is too. A recommendation workflow still running
 * takes the `actionReopened` Update; one that has completed (every action had finished) is started
 * again under the same workflow id carrying its memory, with `reopenedActionId` set: that run opens
 * the recommendation's row (and its review) again, and completes again when the action next finishes.
 */
async function reopenRecommendationOf(deps: LifecycleDeps, actionId: string): Promise<void> {
  const [rec] = await deps.db
    .select({ workflowId: recommendations.workflowId })
    .from(actions)
    .innerJoin(recommendations, eq(recommendations.id, actions.recommendationId))
    .where(eq(actions.id, actionId));
  const handle = deps.client.workflow.getHandle<typeof recommendationWorkflow>(rec.workflowId);
  // Two rounds at most: a run that was completing (or was started by a concurrent reopen) is met again.
  for (let attempt = 0; ; attempt++) {
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') {
      try {
        await handle.executeUpdate(actionReopenedUpdate, { args: [{ actionId }] });
        return;
      } catch (err) {
        // Refused only while that run is completing: wait for it to end, then start it again.
        const completing =
          err instanceof WorkflowUpdateFailedError &&
          err.cause instanceof ApplicationFailure &&
          err.cause.type === REFUSAL.illegalTransition;
        if (!completing && (err as { code?: number }).code !== 5 /* NOT_FOUND: it just completed */) throw err;
        if (attempt > 1) throw err;
        await handle.result();
      }
    } else if (status.name !== 'COMPLETED') {
      // Terminated, failed or timed out: there is no memory to carry, so nothing to reopen.
      return;
    }
    const carried = await handle.query(recommendationResumeQuery);
    try {
      await deps.client.workflow.start<typeof recommendationWorkflow>('recommendationWorkflow', {
        workflowId: rec.workflowId,
        taskQueue: deps.taskQueue,
        args: [{ ...carried.input, actions: [], resume: carried.memory, reopenedActionId: actionId }],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
      return;
    } catch (err) {
      // Another of its actions was reopened a moment ago: that run takes this one by Update.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError) || attempt > 1) throw err;
    }
  }
}

export function withdrawExtension(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  requestId: string,
): Promise<ActionState> {
  return update(deps, actionId, (h, o) =>
    h.executeUpdate(withdrawExtensionUpdate, { ...o, args: [{ actor, requestId }] }),
  );
}

export function withdrawEvidence(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  evidenceId?: string,
): Promise<ActionState> {
  return update(deps, actionId, (h, o) =>
    h.executeUpdate(withdrawEvidenceUpdate, { ...o, args: [{ actor, ...(evidenceId ? { evidenceId } : {}) }] }),
  );
}
