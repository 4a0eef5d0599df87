/**
 * Faults no retry can cure, injected as check constraints on the real Postgres: a projection
 * refused for good fails its Update with a clear 422 and leaves the action as it was (the
 * workflow's state and the row agree, a clean request goes through); a mail that can never be
 * stored is recorded as failed with the reason and does not hold up the action's next mail.
 */
import { randomUUID } from 'node:crypto';
import { stateQuery } from '../../workflows/messages';
import { fixture } from '../api/fixtures';
import { ApiStack, QUIET_POLICY, inDays } from '../api/stack';
import { until } from '../faults/stack';
import { bounded } from './support';

jest.setTimeout(240_000);

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
  await stack.db.db.execute(`alter table evidence add constraint refuses_poison check (statement <> 'POISON')`);
  await stack.db.db.execute(
    `alter table notifications add constraint refuses_poison_mail check (not (kind = 'assignment' and subject like '%POISON-MAIL%'))`,
  );
}, 180_000);
afterAll(() => stack?.stop());

const rows = async <T>(q: string) => ((await stack.db.db.execute(q)) as unknown as { rows: T[] }).rows;

it('a projection Postgres refuses for good: 422 naming the refusal, the action unchanged and still usable', async () => {
  const f = await fixture(stack, 'in_progress');
  const handle = stack.client.workflow.getHandle(`action-${f.actionId}`);
  const before = await handle.query(stateQuery);

  const refused = await bounded(
    'evidence the database refuses',
    stack.post(`/api/v1/actions/${f.actionId}/evidence`, 'owner').send({ statement: 'POISON' }),
  );
  expect({ status: refused.status, type: refused.headers['content-type'] }).toEqual({
    status: 422,
    type: expect.stringMatching(/problem\+json/),
  });
  expect(refused.body.detail).toMatch(/could not be recorded.*23514/);

  const after = await handle.query(stateQuery);
  expect({ stage: after.stage, seq: after.seq }).toEqual({ stage: 'in_progress', seq: before.seq });
  const [row] = await rows<{ status: string; projected_seq: number }>(
    `select status, projected_seq from actions where id = '${f.actionId}'`,
  );
  expect(row).toEqual({ status: 'in_progress', projected_seq: after.seq });
  expect(await rows(`select 1 from evidence where action_id = '${f.actionId}'`)).toHaveLength(0);

  const ok = await bounded(
    'clean evidence',
    stack.post(`/api/v1/actions/${f.actionId}/evidence`, 'owner').send({ statement: 'Policy rewritten' }),
  );
  expect({ status: ok.status, stage: ok.body.status }).toEqual({ status: 200, stage: 'under_review' });
  const decided = await bounded(
    'decision',
    stack.post(`/api/v1/actions/${f.actionId}/decision`, 'board').send({ outcome: 'approve', comment: 'Good' }),
  );
  expect({ status: decided.status, stage: decided.body.status }).toEqual({ status: 200, stage: 'closed' });
  const audit = await rows<{ seq: string }>(
    `select split_part(event_key, ':', 2) as seq from audit_events where action_id = '${f.actionId}' order by id`,
  );
  expect(audit.map((a) => Number(a.seq))).toEqual([1, 2, 3, 4]);
});

it('a mail that can never be stored: recorded failed with the reason, never retried, and the next mail still goes', async () => {
  const res = await stack.post('/api/v1/reviews', 'board').send({
    reference: `PM-${randomUUID().slice(0, 8)}`,
    title: 'Poison mail',
    policy: QUIET_POLICY,
    recommendations: [
      {
        number: '1',
        text: 'Share',
        actions: [{ agencyCode: 'BHT', title: 'POISON-MAIL action', dueDate: inDays(60) }],
      },
    ],
  });
  expect(res.status).toBe(201);
  const actionId = res.body.recommendations[0].actions[0].id as string;
  const failed = await until(
    'the assignment mail recorded as failed',
    async () =>
      (
        await rows<{ status: string; last_error: string; attempts: number }>(
          `select status, last_error, attempts from notifications where action_id = '${actionId}' and kind = 'assignment'`,
        )
      )[0],
    60_000,
  );
  expect(failed).toMatchObject({
    status: 'failed',
    last_error: expect.stringMatching(/could not be stored.*refuses_poison_mail|could not be stored.*23514/),
  });

  expect((await bounded('acknowledge', stack.post(`/api/v1/actions/${actionId}/acknowledge`, 'owner'))).status).toBe(
    200,
  );
  expect(
    (await bounded('evidence', stack.post(`/api/v1/actions/${actionId}/evidence`, 'owner').send({ statement: 'Done' })))
      .status,
  ).toBe(200);
  await until(
    'the evidence mail sent after the failed one',
    async () =>
      (
        await rows<{ status: string }>(
          `select status from notifications where action_id = '${actionId}' and kind = 'evidence_submitted'`,
        )
      )[0]?.status === 'sent',
    60_000,
  );
  const [still] = await rows<{ status: string; attempts: number }>(
    `select status, attempts from notifications where action_id = '${actionId}' and kind = 'assignment'`,
  );
  expect(still).toEqual({ status: 'failed', attempts: 0 });
  const metrics = await stack.get('/metrics', 'admin');
  expect(metrics.text).toMatch(/actionplan_mails\{status="failed"\} [1-9]/);
});
