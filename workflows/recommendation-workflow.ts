/**
 * One recommendation: starts a child actionWorkflow per agency action, takes actions added
 * later, and when every action is closed or cancelled records the recommendation's status and
 * tells the board. Children are ABANDONed on parent close and report back by signal, so either
 * side may continue-as-new without losing the other.
 *
 * Determinism: guard any future change to the commands issued here with `patched()`.
 */
import {
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { findUnstorable } from './storable-text';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { createActivities } from '../activities';
import { actionWorkflow } from './action-workflow';
import {
  actionClosedSignal,
  actionReopenedUpdate,
  addActionUpdate,
  recommendationResumeQuery,
  recommendationStateQuery,
} from './messages';
import {
  REFUSAL,
  type ActionReopenedArgs,
  type AddActionArgs,
  type RecommendationCompletion,
  type RecommendationMemory,
  type RecommendationState,
  type RecommendationWorkflowInput,
} from './types';

type Activities = ReturnType<typeof createActivities>;

const { completeRecommendation, reopenRecommendation } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: {
    initialInterval: '500ms',
    backoffCoefficient: 2,
    maximumInterval: '10s',
    nonRetryableErrorTypes: ['UnknownAction'],
  },
});
const { sendNotification } = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '15s',
    nonRetryableErrorTypes: ['UnknownAction'],
  },
});

export function recommendationStatus(outcomes: (string | null)[]): RecommendationCompletion['status'] {
  const live = outcomes.filter((o) => o !== 'cancelled');
  if (live.length === 0) return 'cancelled';
  const implemented = live.filter((o) => o === 'implemented').length;
  if (implemented === live.length) return 'implemented';
  return implemented === 0 ? 'not_implemented' : 'partly_implemented';
}

/** Issue 22: the recommendation is open again while one of its actions is (patch id, see below). */
export const RECOMMENDATION_REOPEN_PATCH = 'recommendation-reopens-with-action';

export async function recommendationWorkflow(input: RecommendationWorkflowInput): Promise<RecommendationState> {
  const workflowId = workflowInfo().workflowId;
  const memory: RecommendationMemory = input.resume ?? {
    actions: input.actions.map((a) => ({
      actionId: a.actionId,
      workflowId: `action-${a.actionId}`,
      done: false,
      outcome: null,
      started: false,
      input: a,
    })),
  };
  let completing = false;

  // An empty recommendation waits for its first action rather than completing at once.
  const allDone = () => memory.actions.length > 0 && memory.actions.every((a) => a.done);
  const view = (): RecommendationState => ({
    recommendationId: input.recommendationId,
    actions: memory.actions.map(({ actionId, workflowId: w, done, outcome }) => ({
      actionId,
      workflowId: w,
      done,
      outcome,
    })),
    completed: completing,
  });

  async function start(entry: RecommendationMemory['actions'][number]): Promise<void> {
    if (entry.started || !entry.input) return;
    try {
      await startChild(actionWorkflow, {
        workflowId: entry.workflowId,
        args: [entry.input],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      // Already running (or already finished) from an earlier run of this workflow: that is the child we want.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    entry.started = true;
    entry.input = null; // the child holds it now; keep continue-as-new payloads small
  }

  setHandler(actionClosedSignal, ({ actionId, outcome }) => {
    const entry = memory.actions.find((a) => a.actionId === actionId);
    if (entry) {
      entry.done = true;
      entry.outcome = outcome;
    }
  });
  setHandler(recommendationStateQuery, view);
  setHandler(recommendationResumeQuery, () => ({ input, memory }));

  // Issue 22: one of the actions was reopened. Memory only; the marker records that this history
  // took the new message, so code from before the patch refuses to replay it.
  const reopenEntry = (actionId: string) => {
    patched(RECOMMENDATION_REOPEN_PATCH);
    const entry = memory.actions.find((a) => a.actionId === actionId)!;
    entry.done = false;
    entry.outcome = null;
  };
  setHandler(
    actionReopenedUpdate,
    ({ actionId }) => {
      reopenEntry(actionId);
      return view();
    },
    {
      validator: ({ actionId }: ActionReopenedArgs) => {
        if (!memory.actions.some((a) => a.actionId === actionId))
          throw ApplicationFailure.create({
            type: REFUSAL.invalidArgument,
            message: 'that action is not part of the recommendation',
            nonRetryable: true,
          });
        // Completing: the caller waits for this run to end and starts a new one (input.reopenedActionId).
        if (completing)
          throw ApplicationFailure.create({
            type: REFUSAL.illegalTransition,
            message: 'the recommendation is already complete',
            nonRetryable: true,
          });
      },
    },
  );
  setHandler(
    addActionUpdate,
    async ({ action }) => {
      const entry = {
        actionId: action.actionId,
        workflowId: `action-${action.actionId}`,
        done: false,
        outcome: null,
        started: false,
        input: action,
      };
      memory.actions.push(entry);
      await start(entry);
      return view();
    },
    {
      validator: ({ actor, action }: AddActionArgs) => {
        if (!actor || (actor.role !== 'admin' && actor.role !== 'board')) {
          throw ApplicationFailure.create({
            type: REFUSAL.forbidden,
            message: 'only the board may add actions',
            nonRetryable: true,
          });
        }
        if (completing) {
          throw ApplicationFailure.create({
            type: REFUSAL.illegalTransition,
            message: 'the recommendation is already complete',
            nonRetryable: true,
          });
        }
        const unstorable = findUnstorable(action);
        if (unstorable)
          throw ApplicationFailure.create({
            type: REFUSAL.invalidArgument,
            message: `action.${unstorable.path.join('.')}: ${unstorable.reason}`,
            nonRetryable: true,
          });
        if (!action?.actionId || memory.actions.some((a) => a.actionId === action.actionId)) {
          throw ApplicationFailure.create({
            type: REFUSAL.invalidArgument,
            message: 'action missing or already part of the recommendation',
            nonRetryable: true,
          });
        }
      },
    },
  );

  // Issue 22: a new run of a recommendation that had completed, started because an action of it
  // was reopened: open the recommendation again (its row, its review) before waiting. Only runs
  // started so take this branch, so no older history reaches it.
  if (input.reopenedActionId) {
    reopenEntry(input.reopenedActionId);
    memory.round = (memory.round ?? 0) + 1;
    await reopenRecommendation({
      workflowId,
      recommendationId: input.recommendationId,
      reviewId: input.reviewId,
      actionId: input.reopenedActionId,
      round: memory.round,
      reopenedAt: new Date(Date.now()).toISOString(),
    });
  }

  // Starting the children together issues every StartChildWorkflowExecution in one workflow task,
  // instead of one task per child (10 children were 10 round trips). Patched: histories that
  // started them one by one replay the old way.
  if (patched('start-children-together')) await Promise.all(memory.actions.map((entry) => start(entry)));
  else for (const entry of memory.actions) await start(entry);

  for (;;) {
    await condition(() => (allDone() && allHandlersFinished()) || workflowInfo().continueAsNewSuggested);
    if (allDone() && allHandlersFinished()) break;
    await condition(allHandlersFinished);
    await continueAsNew<typeof recommendationWorkflow>({
      ...input,
      actions: [],
      resume: memory,
      reopenedActionId: undefined,
    });
  }
  completing = true;

  const completion: RecommendationCompletion = {
    workflowId,
    recommendationId: input.recommendationId,
    reviewId: input.reviewId,
    status: recommendationStatus(memory.actions.map((a) => a.outcome)),
    completedAt: new Date(Date.now()).toISOString(),
    // Absent unless opened again (issue 22): histories from before complete with the same arguments.
    ...(memory.round ? { round: memory.round } : {}),
  };
  await completeRecommendation(completion);
  await sendNotification({
    workflowId,
    kind: 'recommendation_complete',
    occasion: memory.round ? `complete:${memory.round}` : 'complete',
    recommendationId: input.recommendationId,
    detail: { status: completion.status },
  });
  return view();
}
