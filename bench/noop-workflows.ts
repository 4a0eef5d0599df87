/**
 * The baselines' bare workflows: what the engine costs with none of our code in the way.
 * Bundled only into the bench worker (bench/workflows.ts), never into the product's.
 */
import { condition, defineSignal, defineUpdate, setHandler } from '@temporalio/workflow';

export const noopUpdate = defineUpdate<string, [string]>('noop');
export const finishSignal = defineSignal('finish');

/** Started and done in one workflow task: the baseline for "workflows started per second". */
export async function noopWorkflow(): Promise<string> {
  return 'ok';
}

/** Waits for no-op Updates until told to finish: the baseline for an Update round trip. */
export async function noopUpdateWorkflow(): Promise<number> {
  let updates = 0;
  let finished = false;
  setHandler(noopUpdate, (x) => {
    updates += 1;
    return x;
  });
  setHandler(finishSignal, () => {
    finished = true;
  });
  await condition(() => finished);
  return updates;
}
