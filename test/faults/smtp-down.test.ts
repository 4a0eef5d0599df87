/** Fault scenario 2: the SMTP server is down while mail is due, then up again. */
import { testTemporalAddress } from '../support/db';
import { smtpDown } from './scenarios';
import { FaultStack } from './stack';

const SCALE = Number(process.env.FAULTS_SCALE ?? 40);
let stack: FaultStack;
beforeAll(async () => {
  stack = await new FaultStack({ name: 'smtp', temporalAddress: testTemporalAddress(), log: console.log }).start();
}, 240_000);
afterAll(() => stack?.stop());

it(`SMTP down while ${SCALE} actions move, then up: each message delivered exactly once, the outbox shows the failed attempts`, async () => {
  const r = await smtpDown(stack, { scale: SCALE, downMs: 10_000 }, console.log);
  console.log(JSON.stringify(r, null, 2));
  expect(r.problems).toEqual([]);
  expect(r.found).toMatchObject({ lost: 0, duplicates: 0, strays: 0 });
  expect(r.found.mailsAtSmtp).toBe(r.found.outboxRows);
  expect(r.found.rowsRetried).toBeGreaterThanOrEqual(SCALE);
}, 600_000);
