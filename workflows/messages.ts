/**
 * Message definitions, next to the workflows and imported by the API's use-cases (docs/ARCHITECTURE.md, House rules).
 * Validators are attached where the handlers are set (they need the workflow's state); the
 * rules themselves live in rules.ts.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AcknowledgeArgs,
  ActionClosedSignalArgs,
  ActionReopenedArgs,
  ActionState,
  AddActionArgs,
  CancelArgs,
  ChairStepArgs,
  DecideArgs,
  DecideExtensionArgs,
  DecideImpactArgs,
  PostProgressArgs,
  SubmitImpactEvidenceArgs,
  ReassignArgs,
  RecommendationResumeState,
  RecommendationState,
  ReopenArgs,
  RequestExtensionArgs,
  ResumeState,
  SubmitEvidenceArgs,
  WithdrawEvidenceArgs,
  WithdrawExtensionArgs,
} from './types';

export const acknowledgeUpdate = defineUpdate<ActionState, [AcknowledgeArgs]>('acknowledge');
export const submitEvidenceUpdate = defineUpdate<ActionState, [SubmitEvidenceArgs]>('submitEvidence');
export const decideUpdate = defineUpdate<ActionState, [DecideArgs]>('decide');
export const requestExtensionUpdate = defineUpdate<ActionState, [RequestExtensionArgs]>('requestExtension');
export const decideExtensionUpdate = defineUpdate<ActionState, [DecideExtensionArgs]>('decideExtension');
export const cancelUpdate = defineUpdate<ActionState, [CancelArgs]>('cancel');
export const reassignUpdate = defineUpdate<ActionState, [ReassignArgs]>('reassign');
export const stateQuery = defineQuery<ActionState>('state');
// Issue 17: progress updates and the impact check after approval.
export const postProgressUpdate = defineUpdate<ActionState, [PostProgressArgs]>('postProgress');
export const submitImpactEvidenceUpdate = defineUpdate<ActionState, [SubmitImpactEvidenceArgs]>('submitImpactEvidence');
export const decideImpactUpdate = defineUpdate<ActionState, [DecideImpactArgs]>('decideImpact');
/** Issue 20: the chair challenges, records a response, resolves or re-times an open escalation. */
export const chairStepUpdate = defineUpdate<ActionState, [ChairStepArgs]>('chairStep');

/** Issue 22: the board reopens a finished action; the agency withdraws a request or evidence (workflows/reopen-withdraw.ts). */
export const reopenUpdate = defineUpdate<ActionState, [ReopenArgs]>('reopen');
export const withdrawExtensionUpdate = defineUpdate<ActionState, [WithdrawExtensionArgs]>('withdrawExtension');
export const withdrawEvidenceUpdate = defineUpdate<ActionState, [WithdrawEvidenceArgs]>('withdrawEvidence');
/** Issue 22: the input and memory a finished action's workflow carries (answered by a completed workflow too). */
export const resumeStateQuery = defineQuery<ResumeState>('resumeState');

export const addActionUpdate = defineUpdate<RecommendationState, [AddActionArgs]>('addAction');
export const recommendationStateQuery = defineQuery<RecommendationState>('state');
/** Child -> parent: an action closed or was cancelled (no handle kept, so continue-as-new is safe on both sides). */
export const actionClosedSignal = defineSignal<[ActionClosedSignalArgs]>('actionClosed');
/** Issue 22: one of the recommendation's actions was reopened while the recommendation still runs. */
export const actionReopenedUpdate = defineUpdate<RecommendationState, [ActionReopenedArgs]>('actionReopened');
/** Issue 22: the input and memory a recommendation's workflow carries (answered by a completed workflow too). */
export const recommendationResumeQuery = defineQuery<RecommendationResumeState>('recommendationResumeState');
