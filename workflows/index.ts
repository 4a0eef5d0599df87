/** The worker's workflowsPath: every workflow the task queue runs. */
export { actionWorkflow } from './action-workflow';
export { recommendationWorkflow } from './recommendation-workflow';
export { signInMailWorkflow } from './sign-in-mail-workflow';
export { ownerMailWorkflow } from './owner-mail-workflow';
export { digestWorkflow } from './digest-workflow';
