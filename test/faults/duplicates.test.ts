/** Fault scenario 5: the same request twice at once. */
import { ApiStack } from '../api/stack';
import { concurrentDuplicates } from './api-scenarios';

const ROUNDS = Number(process.env.FAULTS_DUP_ROUNDS ?? 4);
let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 180_000);
afterAll(() => stack?.stop());

it(`the same evidence, two decisions, one Idempotency-Key, one review: twice at once, ${ROUNDS} rounds: one wins, the other gets the documented answer, no double rows`, async () => {
  const r = await concurrentDuplicates(stack, { rounds: ROUNDS }, console.log);
  console.log(JSON.stringify(r, null, 2));
  expect(r.problems).toEqual([]);
}, 600_000);
