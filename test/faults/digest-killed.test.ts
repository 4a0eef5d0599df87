/**
 * Fault scenario 6 (issue 18): the worker process SIGKILLed at the daily digest's instant and
 * again while the digests are being sent, then restarted: exactly one digest per person and day,
 * every item in it. (`npm run soak` runs the same at scale.)
 */
import { testTemporalAddress } from '../support/db';
import { digestWorkerKilled } from './scenarios';
import { FaultStack } from './stack';

const SCALE = Number(process.env.FAULTS_SCALE ?? 12);
/** A weekday that is no bank holiday: the digest is sent on working days only. */
const DAY = '2026-12-01';
let stack: FaultStack;
beforeAll(async () => {
  stack = await new FaultStack({
    name: 'digestkill',
    temporalAddress: testTemporalAddress(),
    log: console.log,
  }).start();
}, 240_000);
afterAll(() => stack?.stop());

it(`worker SIGKILLed at the digest instant and mid-send, ${SCALE} people: one digest each, nothing lost`, async () => {
  const r = await digestWorkerKilled(stack, { scale: SCALE, actions: 3, day: DAY }, console.log);
  console.log(JSON.stringify(r, null, 2));
  expect(r.problems).toEqual([]);
  expect(r.found).toMatchObject({
    lost: 0,
    strays: 0,
    digestsStored: SCALE,
    itemsListed: SCALE * 3,
    // The second kill landed with every digest stored and none sent: the fault bit.
    storedAtSecondKill: SCALE,
    sentAtSecondKill: 0,
  });
  expect(r.found.smtpConnectionsHung).toBeGreaterThan(0);
  expect(stack.workerStarts).toBe(3);
}, 900_000);
