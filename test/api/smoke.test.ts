import { ApiStack, QUIET_POLICY, exampleReviewBody } from './stack';

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 120_000);
afterAll(() => stack?.stop());

it('creates the example review and reads it back', async () => {
  const res = await stack.post('/api/v1/reviews', 'board').send({ ...exampleReviewBody(), policy: QUIET_POLICY });
  expect(res.status).toBe(201);
  const id = res.body.id;
  const got = await stack.get(`/api/v1/reviews/${id}`, 'owner');
  expect(got.status).toBe(200);
  expect(
    got.body.recommendations
      .flatMap((r: { actions: unknown[] }) => r.actions)
      .every((a: { agencyCode: string }) => a.agencyCode === 'BHT'),
  ).toBe(true);
  const me = await stack.get('/api/v1/me', 'owner');
  expect(me.body).toMatchObject({ role: 'agency', agencyCode: 'BHT' });
  const doc = await stack.get('/openapi.json', 'none');
  expect(doc.status).toBe(200);
  const docs = await stack.get('/docs', 'none');
  expect(docs.status).toBe(200);
});
