/**
 * GET /api/v1/actions on the real stack: every insert path fills the action's copy of the review
 * reference, and the page cache never shows a page older than the last committed write (each
 * write is visible on the very next request).
 */
import { sql } from 'drizzle-orm';
import { addAction } from '../../api/use-cases/actions';
import { until } from '../lifecycle/harness';
import { ApiStack, QUIET_POLICY, exampleReviewBody } from './stack';

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 120_000);
afterAll(() => stack?.stop());

type Item = {
  id: string;
  reference: string;
  reviewReference: string;
  status: string;
  title: string;
  agencyName: string;
  dueDate: string;
};

const rows = async <T>(q: ReturnType<typeof sql>) => ((await stack.db.db.execute(q)) as unknown as { rows: T[] }).rows;

it('every insert path (createReview through POST /reviews and the import, addAction) copies the review reference onto the action', async () => {
  const created = await stack
    .post('/api/v1/reviews', 'board')
    .send({ ...exampleReviewBody('SCR-LIST-1'), policy: QUIET_POLICY });
  expect(created.status).toBe(201);
  const csv =
    'Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date\n1,Share records,Audit record sharing,BHT,Audit done,2031-01-31\n';
  const imported = await stack
    .post('/api/v1/reviews/import', 'board')
    .field('reference', 'SCR-LIST-2')
    .field('title', 'Imported')
    .attach('file', Buffer.from(csv), { filename: 'plan.csv', contentType: 'text/csv' });
  expect(imported.status).toBe(201);
  const rec = created.body.recommendations[0];
  const admin = { userId: 'system', role: 'admin' as const, agencyId: null, name: 'admin' };
  await addAction({ db: stack.db.db, client: stack.client, taskQueue: stack.taskQueue }, admin, rec.id, {
    agencyCode: 'TVP',
    title: 'Added later',
    dueDate: '2031-02-28',
  });

  const mismatched = await rows<{ n: number }>(
    sql`select count(*)::int as n from actions a join reviews r on r.id = a.review_id where a.review_reference is distinct from r.reference`,
  );
  expect(mismatched[0].n).toBe(0);
  const byReview = await rows<{ review_reference: string; n: number }>(
    sql`select review_reference, count(*)::int as n from actions group by review_reference order by review_reference`,
  );
  expect(byReview.map((r) => r.review_reference)).toEqual(['SCR-LIST-1', 'SCR-LIST-2']);
  expect(byReview[1].n).toBe(1);
  expect(byReview[0].n).toBe(created.body.recommendations.flatMap((r: { actions: unknown[] }) => r.actions).length + 1);
}, 120_000);

it('a write is visible on the very next request: projection, direct row changes, new actions, agency names', async () => {
  const list = async (query = '', caller: 'admin' | 'owner' = 'admin') => {
    const res = await stack.get(`/api/v1/actions?pageSize=200${query}`, caller);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return res.body as { items: Item[]; total: number; page: number; pageSize: number };
  };
  // The new actions' workflows project their assignments in the background; wait until they all
  // have, so that nothing is written between the two reads below.
  await until(
    async () =>
      (await rows<{ n: number }>(sql`select count(*)::int as n from actions where projected_seq < 1`))[0].n === 0,
    30_000,
    100,
  );
  const before = await list();
  expect(await list()).toEqual(before); // served again, unchanged
  const target = before.items.find(
    (a) => a.status === 'assigned' && a.reviewReference === 'SCR-LIST-1' && a.agencyName && a.reference === '6.1',
  )!;
  expect(target).toBeDefined();
  await stack.catcher.waitFor(
    (m) => m.headers['x-action-ref'] === 'SCR-LIST-1 6.1' && m.headers['x-notification-kind'] === 'assignment',
    30_000,
  );

  // Through the workflow: the POST returns once the projection is committed.
  const ack = await stack.post(`/api/v1/actions/${target.id}/acknowledge`, 'owner');
  expect(ack.status).toBe(200);
  expect((await list()).items.find((a) => a.id === target.id)!.status).toBe('in_progress');
  expect((await list('&status=in_progress')).items.map((a) => a.id)).toContain(target.id);
  expect((await list('', 'owner')).items.find((a) => a.id === target.id)!.status).toBe('in_progress');

  // Direct writes to each table the page shows.
  await stack.db.db.execute(sql`update actions set title = 'Retitled' where id = ${target.id}`);
  expect((await list()).items.find((a) => a.id === target.id)!.title).toBe('Retitled');
  await stack.db.db.execute(sql`update agencies set name = 'Renamed Trust' where code = 'BHT'`);
  expect((await list()).items.find((a) => a.id === target.id)!.agencyName).toBe('Renamed Trust');
  await stack.db.db.execute(sql`update reviews set reference = 'SCR-LIST-1B' where reference = 'SCR-LIST-1'`);
  expect((await list()).items.find((a) => a.id === target.id)!.reviewReference).toBe('SCR-LIST-1B');
  const dueFirst = new Date('2020-01-01T00:00:00.000Z');
  await stack.db.db.execute(sql`update actions set due_date = ${dueFirst} where id = ${target.id}`);
  expect((await list()).items[0]).toMatchObject({ id: target.id, dueDate: dueFirst.toISOString() });

  // A new row, and a removed one, change the total at once.
  const total = (await list()).total;
  await stack.db.db
    .execute(sql`insert into actions (recommendation_id, review_id, agency_id, reference, title, due_date, workflow_id)
    select recommendation_id, review_id, agency_id, '99.1', 'Inserted', due_date, 'wf-inserted' from actions where id = ${target.id}`);
  const after = await list();
  expect(after.total).toBe(total + 1);
  expect(after.items.find((a) => a.reference === '99.1')).toMatchObject({
    reviewReference: 'SCR-LIST-1B',
    title: 'Inserted',
  });
  await stack.db.db.execute(sql`delete from actions where workflow_id = 'wf-inserted'`);
  expect((await list()).total).toBe(total);

  // A write inside a transaction that has not committed is not shown; once committed, it is.
  await stack.db.db.transaction(async (tx) => {
    await tx.execute(sql`update actions set title = 'Pending' where id = ${target.id}`);
    expect((await list()).items.find((a) => a.id === target.id)!.title).toBe('Retitled');
  });
  expect((await list()).items.find((a) => a.id === target.id)!.title).toBe('Pending');
}, 120_000);
