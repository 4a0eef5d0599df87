/**
 * Deployments already wedged recover. An action is wedged on the code from before the fix
 * (test/poison/pre-fix-workflows, main's workflows as they were): its evidence Update with a NUL
 * was accepted, and its projection fails on every attempt, so the row never moves. Then the
 * worker is upgraded to the current code: the workflow replays its history (the Update's handler
 * takes the old branch of 'update-after-projection', its event carries no `storableText`), the
 * retried projection stores the NUL as U+FFFD and succeeds, and the board can decide again.
 *
 * The wedged history is kept as test/fixtures/action-wedged-nul.history.json (RECORD_FIXTURES=1
 * re-records it), which the replay test runs against the current code like every fixture.
 */
import fs from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { submitEvidence } from '../../api/use-cases/actions';
import { createMailer } from '../../lib/mailer';
import { stateQuery } from '../../workflows/messages';
import type { ActionEvent, Actor } from '../../workflows/types';
import { fixture } from '../api/fixtures';
import { ApiStack } from '../api/stack';
import { until } from '../faults/stack';
import { bundle, Harness } from '../lifecycle/harness';
import { testTemporalAddress } from '../support/db';
import { bounded } from './support';

jest.setTimeout(300_000);

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'action-wedged-nul.history.json');
const rows = async <T>(q: string) => ((await stack.db.db.execute(q)) as unknown as { rows: T[] }).rows;

let stack: ApiStack;
let native: NativeConnection;
let oldWorker: Worker;
let oldRun: Promise<void>;

beforeAll(async () => {
  stack = await new ApiStack({ worker: false }).start();
  native = await NativeConnection.connect({ address: testTemporalAddress() });
  const real = createActivities({
    db: stack.db.db,
    mailer: createMailer('smtp://127.0.0.1:9', 'Board <board@api.test>'),
    config: { publicUrl: 'http://api.test', boardChairEmail: 'chair@board.test', mailFrom: 'Board <board@api.test>' },
  });
  // The pre-fix projection wrote text as it was, so Postgres refused a NUL on every attempt;
  // storableText asks today's projection for exactly that (and its refusal is retried by the old proxy).
  const asBeforeTheFix = {
    ...real,
    projectActionEvent: (e: ActionEvent) => real.projectActionEvent({ ...e, storableText: true }),
  };
  // A worker whose projection retries for ever never drains: stopped like a process is, after a grace time.
  oldWorker = await Worker.create({
    connection: native,
    namespace: 'default',
    taskQueue: stack.taskQueue,
    activities: asBeforeTheFix,
    workflowBundle: await bundle(require.resolve('./pre-fix-workflows')),
    shutdownGraceTime: '1s',
    shutdownForceTime: '3s',
  });
  oldRun = oldWorker.run().catch(() => undefined);
}, 240_000);
afterAll(async () => {
  if (oldWorker.getState() === 'RUNNING') oldWorker.shutdown();
  await oldRun;
  await stack?.stop();
  await native?.close();
});

it('an action wedged by a NUL on the old code completes its Update on the new worker, NUL stored as U+FFFD, and stays usable', async () => {
  const f = await fixture(stack, 'in_progress');
  const [owner] = await rows<{ id: string; agency_id: string }>(
    `select id, agency_id from users where email = 'owner@api.test'`,
  );
  const actor: Actor = { userId: owner.id, role: 'agency', agencyId: owner.agency_id };
  const handle = stack.client.workflow.getHandle(`action-${f.actionId}`);

  // The old code accepts it (its edge and validators did not refuse NUL); the request never completes.
  await expect(
    submitEvidence(
      { db: stack.db.db, client: stack.client, taskQueue: stack.taskQueue, updateTimeoutMs: 5000 },
      actor,
      f.actionId,
      { statement: 'before\u0000after' },
    ),
  ).rejects.toThrow(/still being recorded/);
  // Wedged: the workflow believes under_review, the row stays in_progress, attempt after attempt.
  await until(
    'the workflow holding the evidence',
    async () => (await handle.query(stateQuery)).stage === 'under_review',
    30_000,
  );
  await new Promise((r) => setTimeout(r, 12_000));
  expect((await rows<{ status: string }>(`select status from actions where id = '${f.actionId}'`))[0].status).toBe(
    'in_progress',
  );
  expect(await rows(`select 1 from evidence where action_id = '${f.actionId}'`)).toHaveLength(0);

  if (process.env.RECORD_FIXTURES === '1') {
    await Harness.prototype.saveHistory.call(undefined as never, `action-${f.actionId}`, path.basename(FIXTURE));
  }

  // The upgrade: the old worker goes, the current one takes the task queue.
  oldWorker.shutdown();
  await oldRun;
  await stack.startWorker();
  await until(
    'the wedged evidence projected',
    async () =>
      (await rows<{ status: string }>(`select status from actions where id = '${f.actionId}'`))[0].status ===
      'under_review',
    120_000,
    1000,
  );
  const [ev] = await rows<{ statement: string }>(`select statement from evidence where action_id = '${f.actionId}'`);
  expect(ev.statement).toBe('before\uFFFDafter');
  const state = await handle.query(stateQuery);
  expect(
    (await rows<{ projected_seq: number }>(`select projected_seq from actions where id = '${f.actionId}'`))[0]
      .projected_seq,
  ).toBe(state.seq);

  const decided = await bounded(
    'decision after recovery',
    stack.post(`/api/v1/actions/${f.actionId}/decision`, 'board').send({ outcome: 'approve', comment: 'Recovered' }),
  );
  expect({ status: decided.status, stage: decided.body.status }).toEqual({ status: 200, stage: 'closed' });
});

it('the recorded wedged history replays on the current code', async () => {
  const history = historyFromJSON(JSON.parse(fs.readFileSync(FIXTURE, 'utf8')));
  await Worker.runReplayHistory({ workflowBundle: await bundle() }, history, 'action-wedged-nul');
});
