/**
 * Fault scenario 3: Postgres restarted under load. The database is a cluster this test owns
 * (initdb on a free port), never the machine's shared one.
 */
import { startApi, type RunningApi } from '../../api/server';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { testTemporalAddress } from '../support/db';
import { PgCluster } from './pg-cluster';
import { postgresRestarted } from './scenarios';
import { FaultStack } from './stack';

const SCALE = Number(process.env.FAULTS_SCALE ?? 40);
const cluster = new PgCluster();
let stack: FaultStack;
let api: RunningApi;
beforeAll(async () => {
  await cluster.create();
  stack = await new FaultStack({
    name: 'pg',
    temporalAddress: testTemporalAddress(),
    databaseUrl: cluster.url,
    log: console.log,
  }).start();
  const config = loadConfig('service', {
    ...(stack.workerEnv() as Record<string, string>),
    PORT: '0',
    LOG_LEVEL: 'silent',
  });
  api = await startApi({
    config,
    db: stack.db,
    pingDatabase: stack.handle.ping,
    client: stack.client,
    logger: createLogger(config, 'api'),
  });
}, 240_000);
afterAll(async () => {
  await api?.stop();
  await stack?.stop();
  cluster.destroy();
});

it(`Postgres restarted while ${SCALE} actions move through the API: no transition lost, activities retried, /readyz 503 then 200 by itself`, async () => {
  const r = await postgresRestarted(stack, api, cluster, { scale: SCALE, downMs: 6000 }, console.log);
  console.log(JSON.stringify(r, null, 2));
  expect(r.problems).toEqual([]);
  expect(r.found).toMatchObject({ lost: 0, duplicates: 0, strays: 0 });
  expect(r.found.readyz503WhileDown).toBeGreaterThan(0);
}, 900_000);
