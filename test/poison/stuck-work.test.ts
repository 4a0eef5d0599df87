/**
 * Stuck work is visible before a user reports it: a projection that fails with an error no code
 * knows (a trigger raising P0001, which is retried like a transient fault) wedges one action.
 * The failures are counted by activity and reason in /metrics; once the action has been behind
 * its workflow for more than a minute (the failure's start moved back a minute here, rather
 * than waiting) the projections-behind gauge counts it and `npm run doctor` names the action,
 * the workflow's stage and the error, and exits 1. Once the fault is removed the retry lands by
 * itself: the gauge is 0 again and the doctor exits 0.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { stateQuery } from '../../workflows/messages';
import { startHeartbeat, type Heartbeat } from '../../lib/worker-heartbeat';
import { createLogger } from '../../lib/logger';
import { fixture } from '../api/fixtures';
import { ApiStack } from '../api/stack';
import { ROOT, TSX, until } from '../faults/stack';
import { testTemporalAddress } from '../support/db';
import { bounded } from './support';

jest.setTimeout(300_000);

const run = promisify(execFile);
let stack: ApiStack;
let heartbeat: Heartbeat;
beforeAll(async () => {
  stack = await new ApiStack({ env: { UPDATE_TIMEOUT_SECONDS: '10' } }).start();
  // The stack's worker does not beat by itself (npm run worker does): beat for it, as the doctor checks workers too.
  heartbeat = await startHeartbeat({
    db: stack.db.db,
    taskQueue: stack.taskQueue,
    polling: () => true,
    logger: createLogger({ logLevel: 'silent' }),
  });
  await stack.db.db.execute(`
    create function refuse_wedge() returns trigger language plpgsql as $$
    begin
      if new.statement = 'WEDGE' then
        raise exception 'evidence store offline for maintenance' using errcode = 'P0001';
      end if;
      return new;
    end $$;
    create trigger wedge_evidence before insert on evidence for each row execute function refuse_wedge();`);
}, 180_000);
afterAll(async () => {
  // A failed run must not leave the worker retrying for ever while it shuts down.
  await stack?.db.db.execute(`drop trigger if exists wedge_evidence on evidence`);
  await heartbeat?.stop();
  await stack?.stop();
});

const rows = async <T>(q: string) => ((await stack.db.db.execute(q)) as unknown as { rows: T[] }).rows;

const doctor = () =>
  run(TSX, [path.join(ROOT, 'scripts', 'doctor.ts')], {
    cwd: ROOT,
    timeout: 120_000,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: stack.db.url,
      TEMPORAL_ADDRESS: testTemporalAddress(),
      TEMPORAL_TASK_QUEUE: stack.taskQueue,
      BOARD_CHAIR_EMAIL: 'chair@board.test',
      LOG_LEVEL: 'silent',
    },
  }).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

const metric = async (line: RegExp) => {
  const m = await stack.get('/metrics', 'admin');
  expect(m.status).toBe(200);
  const found = line.exec(m.text);
  return found ? Number(found[1]) : null;
};

it('a wedged projection: counted by type and reason, then behind for a minute, named by the doctor with its error; cured, all clear', async () => {
  const healthy = await doctor();
  expect({ code: healthy.code, out: healthy.out }).toEqual({
    code: 0,
    out: expect.stringMatching(/Nothing wrong found/),
  });

  const f = await fixture(stack, 'in_progress');
  const res = await bounded(
    'evidence the projection cannot write',
    stack.post(`/api/v1/actions/${f.actionId}/evidence`, 'owner').send({ statement: 'WEDGE' }),
  );
  expect(res.status).toBe(503);

  // The worker records the failing projection (retried: P0001 is no fault the code knows).
  await until(
    'the failing projection recorded twice',
    async () =>
      (
        await rows<{ attempts: number }>(`select attempts from projection_failures where action_id = '${f.actionId}'`)
      )[0]?.attempts >= 2,
    60_000,
  );
  const failures = await metric(
    /^actionplan_activity_failures_total\{activity_type="projectActionEvent",reason="P0001"\} (\d+)$/m,
  );
  expect(failures).toBeGreaterThanOrEqual(2);
  // Failing for less than a minute: retries usually cure that, so it is not counted as behind yet.
  expect(await metric(/^actionplan_projections_behind (\d+)$/m)).toBe(0);
  expect((await doctor()).code).toBe(0);

  await stack.db.db.execute(
    `update projection_failures set first_failed_at = now() - interval '2 minutes' where action_id = '${f.actionId}'`,
  );
  expect(await metric(/^actionplan_projections_behind (\d+)$/m)).toBe(1);
  const [row] = await rows<{ status: string; projected_seq: number; reference: string; review_reference: string }>(
    `select status, projected_seq, reference, review_reference from actions where id = '${f.actionId}'`,
  );
  expect(row.status).toBe('in_progress');
  const sick = await doctor();
  console.log(sick.out);
  expect(sick.code).toBe(1);
  expect(sick.out).toContain(
    `action ${row.review_reference} ${row.reference} (BHT, id ${f.actionId}) is behind its workflow`,
  );
  expect(sick.out).toContain('the pages show "in_progress"');
  expect(sick.out).toMatch(/reason P0001:\n\s+evidence store offline for maintenance\n/);
  // The error without the query's parameters: a person's statement is not copied into the failure record.
  expect(sick.out).not.toContain('WEDGE');
  expect(sick.out).toMatch(/What to do: this failure is not one the code knows/);
  expect(sick.out).toMatch(/1 problem\(s\) found/);

  // The cure: the fault goes, the retry lands by itself, nothing is restarted.
  await stack.db.db.execute(`drop trigger wedge_evidence on evidence`);
  await until(
    'the projection lands once the fault is gone',
    async () =>
      (await rows<{ status: string }>(`select status from actions where id = '${f.actionId}'`))[0]?.status ===
      'under_review',
    120_000,
  );
  const state = await stack.client.workflow.getHandle(`action-${f.actionId}`).query(stateQuery);
  const [after] = await rows<{ projected_seq: number }>(`select projected_seq from actions where id = '${f.actionId}'`);
  expect({ stage: state.stage, seq: state.seq }).toEqual({ stage: 'under_review', seq: after.projected_seq });
  expect(await metric(/^actionplan_projections_behind (\d+)$/m)).toBe(0);
  expect(await rows(`select 1 from projection_failures where action_id = '${f.actionId}'`)).toHaveLength(0);
  const cured = await doctor();
  expect({ code: cured.code, out: cured.out }).toEqual({
    code: 0,
    out: expect.stringMatching(/no action is behind[\s\S]*projectActionEvent P0001 ×\d+[\s\S]*Nothing wrong found/),
  });
});
