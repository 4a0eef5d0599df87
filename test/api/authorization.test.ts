import { eq } from 'drizzle-orm';
import request from 'supertest';
import { ROUTES } from '../../api/routes';
import { users } from '../../db/schema';
import { fixture, type Fixture, type Stage } from './fixtures';
import { ROUTE_CASES } from './route-table';
import { ApiStack, CALLERS } from './stack';

let stack: ApiStack;
const shared = new Map<Stage, Fixture>();

beforeAll(async () => {
  stack = await new ApiStack().start();
}, 120_000);
afterAll(() => stack?.stop());

/** A state-changing call that should succeed gets an action of its own; a refused one may share (it changes nothing). */
async function target(stage: Stage | undefined, succeeds: boolean): Promise<Fixture> {
  const s = stage ?? 'with_attachment';
  if (succeeds && stage) return fixture(stack, s);
  if (!shared.has(s)) shared.set(s, await fixture(stack, s));
  return shared.get(s)!;
}

describe('authorization matrix', () => {
  const cases = ROUTE_CASES.flatMap((c) =>
    CALLERS.map((caller) => [`${c.method.toUpperCase()} ${c.path}`, caller, c.expect[caller], c] as const),
  );
  it.each(cases)('%s as %s → %i', async (_name, caller, expected, c) => {
    const f = await target(c.stage, expected < 300);
    const prepared = c.setup ? await c.setup(stack, caller) : {};
    const url = prepared.url ?? (c.url ? c.url(f) : c.path);
    let req =
      c.method === 'get'
        ? stack.get(url, caller)
        : c.method === 'delete'
          ? stack.delete(url, caller)
          : c.method === 'put'
            ? stack.put(url, caller)
            : stack.post(url, caller);
    if (prepared.token) req = req.set('Authorization', `Bearer ${prepared.token}`);
    if (c.send) req = c.send(req, f);
    const res = await req;
    expect({ status: res.status, body: res.status === expected ? undefined : res.body }).toEqual({
      status: expected,
      body: undefined,
    });
    if (expected >= 400) expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  });
});

describe('the route table, the app and the OpenAPI document agree', () => {
  const key = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
  it('every tested route is served, and every served route is tested', () => {
    expect(ROUTE_CASES.map((c) => key(c.method, c.path)).sort()).toEqual(
      ROUTES.map((r) => key(r.method, r.path)).sort(),
    );
  });
  it('every route is in /openapi.json and the document has nothing else', async () => {
    const doc = (await stack.get('/openapi.json', 'none')).body as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => key(m, p.replace(/\{(\w+)\}/g, ':$1'))),
    );
    expect(documented.sort()).toEqual(ROUTE_CASES.map((c) => key(c.method, c.path)).sort());
  });
  it('/docs lists every operation', async () => {
    const html = (await stack.get('/docs', 'none')).text;
    for (const r of ROUTES) expect(html).toContain(`id="op-${r.operationId}"`);
  });
});

describe('bad tokens', () => {
  it('are counted per address across API processes (429 with Retry-After), and a valid token is never refused', async () => {
    const limited = await new ApiStack({ worker: false, authRateLimit: { max: 20, windowMs: 60_000 } }).start();
    const secondProcess = limited.makeApp();
    const bad = { Authorization: 'Bearer not-a-real-token' };
    try {
      // Ten bad tokens at each of two API processes: the shared count reaches the limit.
      for (let i = 0; i < 10; i++) expect((await limited.get('/api/v1/me', 'bad')).status).toBe(401);
      for (let i = 0; i < 10; i++) expect((await request(secondProcess).get('/api/v1/me').set(bad)).status).toBe(401);
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++)
        statuses.push(
          (await (i % 2 ? request(secondProcess).get('/api/v1/me').set(bad) : limited.get('/api/v1/me', 'bad'))).status,
        );
      expect(statuses).toEqual([429, 429, 429, 429, 429]);
      const res = await limited.get('/api/v1/me', 'bad');
      expect(res.status).toBe(429);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      // Twenty-six bad tokens from this address, then valid ones, at either process: accepted.
      expect((await limited.get('/api/v1/me', 'admin')).status).toBe(200);
      expect((await request(secondProcess).get('/api/v1/me').set(limited.auth('owner'))).status).toBe(200);
      expect((await limited.get('/healthz', 'none')).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('separation of duties', () => {
  it('the administrator may not act for an agency or decide, so cannot approve work alone', async () => {
    const f = await fixture(stack, 'in_progress');
    const ack = await fixture(stack, 'assigned');
    expect((await stack.post(`/api/v1/actions/${ack.actionId}/acknowledge`, 'admin')).status).toBe(403);
    expect(
      (await stack.post(`/api/v1/actions/${f.actionId}/evidence`, 'admin').send({ statement: 'Done, trust me' }))
        .status,
    ).toBe(403);
    expect(
      (await stack.post(`/api/v1/actions/${f.actionId}/evidence`, 'owner').send({ statement: 'Policy updated' }))
        .status,
    ).toBe(200);
    const approve = await stack
      .post(`/api/v1/actions/${f.actionId}/decision`, 'admin')
      .send({ outcome: 'approve', comment: 'Fine' });
    expect(approve.status).toBe(403);
    expect((await stack.get(`/api/v1/actions/${f.actionId}`, 'board')).body.status).toBe('under_review');
  });

  it('whoever submitted the evidence may not decide on it, even after becoming a board member', async () => {
    const made = await stack
      .post('/api/v1/users', 'admin')
      .send({ name: 'Changing Roles', email: `roles-${Date.now()}@api.test`, role: 'agency', agencyCode: 'BHT' });
    expect(made.status).toBe(201);
    const as = (r: import('supertest').Test) => r.set({ Authorization: `Bearer ${made.body.token}` });
    const f = await fixture(stack, 'in_progress');
    expect(
      (
        await as(request(stack.app).post(`/api/v1/actions/${f.actionId}/evidence`)).send({
          statement: 'Policy updated',
        })
      ).status,
    ).toBe(200);
    await stack.db.db.update(users).set({ role: 'board', agencyId: null }).where(eq(users.id, made.body.user.id));
    const res = await as(request(stack.app).post(`/api/v1/actions/${f.actionId}/decision`)).send({
      outcome: 'approve',
      comment: 'Looks good to me',
    });
    expect({ status: res.status, detail: res.body.detail }).toEqual({
      status: 403,
      detail: expect.stringMatching(/submitted this evidence/),
    });
  });

  it('a board member from the owning agency may not cancel its action nor decide its extension (conflict of interest)', async () => {
    const f = await fixture(stack, 'extension_pending');
    expect(
      (await stack.post(`/api/v1/actions/${f.actionId}/cancel`, 'boardOwner').send({ reason: 'Overdue, closing it' }))
        .status,
    ).toBe(403);
    expect(
      (
        await stack
          .post(`/api/v1/actions/${f.actionId}/extension-requests/${f.extensionId}/decision`, 'boardOwner')
          .send({ outcome: 'approve' })
      ).status,
    ).toBe(403);
    expect((await stack.get(`/api/v1/actions/${f.actionId}`, 'board')).body.status).toBe('in_progress');
  });
});
