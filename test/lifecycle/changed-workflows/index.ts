/**
 * The product's workflows with one unguarded change: the action workflow waits a minute before
 * doing anything, a command no recorded history has. The replay test must refuse this bundle;
 * if it did not, it could not catch a real incompatible change either.
 */
import { sleep } from '@temporalio/workflow';
import { actionWorkflow as current } from '../../../workflows/action-workflow';
import type { ActionWorkflowInput } from '../../../workflows/types';

export { recommendationWorkflow } from '../../../workflows/recommendation-workflow';

export async function actionWorkflow(input: ActionWorkflowInput) {
  await sleep('1 minute');
  return current(input);
}
