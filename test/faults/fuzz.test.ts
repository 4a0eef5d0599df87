/** Fault scenario 7: a fuzz over every write route (the soak sends 10,000 and more). */
import { ApiStack } from '../api/stack';
import { fuzzWriteRoutes } from './api-scenarios';

const REQUESTS = Number(process.env.FAULTS_FUZZ_REQUESTS ?? 1500);
let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 180_000);
afterAll(() => stack?.stop());

it(`${REQUESTS} fuzzed requests over every write route: never a 5xx, and a refused request changes no row`, async () => {
  const r = await fuzzWriteRoutes(stack, { requests: REQUESTS, seed: Date.now() % 100_000 }, console.log);
  console.log(JSON.stringify(r, null, 2));
  expect(r.problems).toEqual([]);
  expect(r.found.http5xx).toBe(0);
  expect(r.found.refusedThatChangedRows).toBe(0);
}, 900_000);
