/**
 * No request waits for ever: with no worker running, an Update cannot complete, and the request
 * answers 503 with Retry-After and a problem naming the action once UPDATE_TIMEOUT_SECONDS have
 * passed (2 s here). The change is not lost: once a worker runs, the same request retried with
 * its Idempotency-Key gets the eventual result, and the change happened once. The web page says
 * the change is still being recorded, and to send it again if it is not shown a minute later.
 */
import { randomUUID } from 'node:crypto';
import { fixture } from '../api/fixtures';
import { ApiStack } from '../api/stack';
import { until } from '../faults/stack';
import { bounded, webSession } from './support';

jest.setTimeout(240_000);

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack({ worker: false, env: { UPDATE_TIMEOUT_SECONDS: '2' } }).start();
}, 180_000);
afterAll(() => stack?.stop());

const rows = async <T>(q: string) => ((await stack.db.db.execute(q)) as unknown as { rows: T[] }).rows;

it('a stopped worker: 503 with Retry-After naming the action in time; the retry with the same key gets the result, applied once', async () => {
  const f = await fixture(stack, 'assigned');
  const f2 = await fixture(stack, 'assigned');
  const key = `bound-${randomUUID()}`;
  const ack = () => stack.post(`/api/v1/actions/${f.actionId}/acknowledge`, 'owner').set('Idempotency-Key', key);

  const t0 = Date.now();
  const slow = await bounded('acknowledge with no worker', ack(), 15_000);
  const took = Date.now() - t0;
  console.log(`503 after ${took} ms with UPDATE_TIMEOUT_SECONDS=2`);
  expect({ status: slow.status, retryAfter: slow.headers['retry-after'], type: slow.headers['content-type'] }).toEqual({
    status: 503,
    retryAfter: '5',
    type: expect.stringMatching(/problem\+json/),
  });
  expect(slow.body.detail).toContain(f.actionId);
  expect(slow.body.detail).toMatch(/still being recorded/);

  const { cookie, csrf } = await webSession(stack, 'owner');
  const page = await bounded(
    'web acknowledge with no worker',
    stack.post(`/actions/${f2.actionId}/acknowledge`, 'none').set('Cookie', cookie).type('form').send({ _csrf: csrf }),
    15_000,
  );
  expect({ status: page.status, retryAfter: page.headers['retry-after'] }).toEqual({ status: 503, retryAfter: '5' });
  expect(page.text).toMatch(/still being recorded/);

  await stack.startWorker();
  const done = await until(
    'the retried request answered with the result',
    async () => {
      const r = await bounded('retried acknowledge', ack(), 15_000);
      return r.status === 200 ? r : null;
    },
    120_000,
    1000,
  );
  expect(done.body.status).toBe('in_progress');
  const acks = await rows<{ n: number }>(
    `select count(*)::int as n from audit_events where action_id = '${f.actionId}' and type = 'acknowledged'`,
  );
  expect(acks[0].n).toBe(1);
  // The web form's change: an Update Temporal had only admitted (no worker accepted it) is held in
  // the server's memory, not its history, so it usually goes through once a worker runs but may be
  // dropped under load. The page says so: reload, and if the change is not shown, send it again.
  // Either way it is made exactly once.
  const projected = async () =>
    (await rows<{ status: string }>(`select status from actions where id = '${f2.actionId}'`))[0].status ===
    'in_progress';
  const appliedByItself = await until('the web acknowledgement projected', projected, 30_000).catch(() => false);
  if (!appliedByItself) {
    const again = await stack
      .post(`/actions/${f2.actionId}/acknowledge`, 'none')
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: csrf });
    expect(again.status).toBe(303);
    expect(await projected()).toBe(true);
  }
  console.log(`web acknowledgement applied ${appliedByItself ? 'by itself' : 'when sent again'}`);
  const webAcks = await rows<{ n: number }>(
    `select count(*)::int as n from audit_events where action_id = '${f2.actionId}' and type = 'acknowledged'`,
  );
  expect(webAcks[0].n).toBe(1);
});
