/**
 * Fault scenario 1: the worker process is SIGKILLed while actions are mid-lifecycle, then
 * restarted. Nothing may be lost or repeated. (`npm run soak` runs the same at scale.)
 */
import { testTemporalAddress } from '../support/db';
import { workerKilled } from './scenarios';
import { FaultStack } from './stack';

const SCALE = Number(process.env.FAULTS_SCALE ?? 60);
let stack: FaultStack;
beforeAll(async () => {
  stack = await new FaultStack({ name: 'kill', temporalAddress: testTemporalAddress(), log: console.log }).start();
}, 240_000);
afterAll(() => stack?.stop());

it(`worker SIGKILLed twice with ${SCALE} actions mid-lifecycle: every action ends as its messages and timers say, no mail lost or repeated`, async () => {
  const r = await workerKilled(stack, { scale: SCALE, kills: 2 }, console.log);
  console.log(JSON.stringify(r, null, 2));
  expect(r.problems).toEqual([]);
  expect(r.found).toMatchObject({ lost: 0, strays: 0 });
  // A send torn by SIGKILL (accepted by the SMTP server, not yet marked sent) is sent again with the
  // same Message-ID; check() has already shown each such key had a retried attempt to explain it.
  expect(r.found.duplicates).toBeLessThanOrEqual(r.found.outboxRows);
  expect(stack.workerStarts).toBe(3);
}, 900_000);
