/**
 * The "next release" of the workflows for the rolling-upgrade test: the product's workflows with
 * one change to the commands the action workflow issues (a short timer before it starts),
 * guarded by `patched()` as every real change must be. Workflows already running replay without
 * it; workflows started on the new workers record the patch marker and take the new path.
 */
import { patched, sleep } from '@temporalio/workflow';
import { actionWorkflow as current } from '../../../workflows/action-workflow';
import type { ActionWorkflowInput } from '../../../workflows/types';

export { recommendationWorkflow } from '../../../workflows/recommendation-workflow';

export const UPGRADE_PATCH_ID = 'deploy-rehearsal-upgrade';

export async function actionWorkflow(input: ActionWorkflowInput) {
  if (patched(UPGRADE_PATCH_ID)) await sleep('10 milliseconds');
  return current(input);
}
