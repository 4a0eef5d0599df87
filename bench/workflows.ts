/** The bench worker's workflowsPath: the product's workflows plus the baselines' no-op ones. */
export * from '../workflows';
export { noopUpdateWorkflow, noopWorkflow } from './noop-workflows';
