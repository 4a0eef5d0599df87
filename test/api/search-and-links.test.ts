/**
 * Issue 22 on the real stack: GET /api/v1/actions?q= searches the reference, the title and the
 * statements (validated, within the caller's scope), and evidence links are normalised by the one
 * rule the forms share: `https://` added when left out, any other scheme refused with the field
 * named and nothing written.
 */
import { and, eq, sql } from 'drizzle-orm';
import { actions, evidence } from '../../db/schema';
import { until } from '../lifecycle/harness';
import { ApiStack, QUIET_POLICY, exampleReviewBody } from './stack';

let stack: ApiStack;
let reviewId: string;
let bhtAction: { id: string; reference: string; title: string };

beforeAll(async () => {
  stack = await new ApiStack().start();
  const created = await stack
    .post('/api/v1/reviews', 'board')
    .send({ ...exampleReviewBody('SCR-SEARCH'), policy: QUIET_POLICY });
  expect(created.status).toBe(201);
  reviewId = created.body.id;
  const all = created.body.recommendations.flatMap(
    (r: { actions: { id: string; reference: string; title: string; agencyCode: string }[] }) => r.actions,
  );
  bhtAction = all.find((a: { title: string }) => a.title.startsWith('Review the Trust policy on communication'));
  expect(bhtAction).toBeDefined();
  await until(
    async () =>
      (
        (await stack.db.db.execute(sql`select count(*)::int as n from actions where projected_seq < 1`)) as unknown as {
          rows: { n: number }[];
        }
      ).rows[0].n === 0,
    30_000,
    100,
  );
  expect((await stack.post(`/api/v1/actions/${bhtAction.id}/acknowledge`, 'owner').send({})).status).toBe(200);
}, 120_000);
afterAll(() => stack?.stop());

const evidenceCount = async () =>
  (await stack.db.db.select().from(evidence).where(eq(evidence.actionId, bhtAction.id))).length;

it('a link typed without https:// is stored with it; a link of another scheme is refused, naming the field, and nothing is written', async () => {
  for (const bad of [
    'javascript:alert(1)',
    'mailto:lead@bht.example',
    'file:///etc/passwd',
    'not a link',
    'intranet',
  ]) {
    const res = await stack
      .post(`/api/v1/actions/${bhtAction.id}/evidence`, 'owner')
      .send({ statement: 'Policy rewritten and briefed to ward staff.', links: ['https://bht.example/ok', bad] });
    expect([bad, res.status]).toEqual([bad, 400]);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'body.links.1', message: expect.stringMatching(/web address/) }),
      ]),
    );
  }
  expect(await evidenceCount()).toBe(0);
  const [row] = await stack.db.db.select({ status: actions.status }).from(actions).where(eq(actions.id, bhtAction.id));
  expect(row.status).toBe('in_progress');

  const ok = await stack.post(`/api/v1/actions/${bhtAction.id}/evidence`, 'owner').send({
    statement: 'Discharge policy rewritten; ward staff briefed on the safeguarding checklist.',
    links: ['www.bht.example/discharge-policy', '  http://intranet.bht.example/briefing  ', 'bht.example:8443/minutes'],
  });
  expect(ok.status).toBe(200);
  const detail = await stack.get(`/api/v1/actions/${bhtAction.id}`, 'owner');
  expect(detail.body.evidence.at(-1).links).toEqual([
    'https://www.bht.example/discharge-policy',
    'http://intranet.bht.example/briefing',
    'https://bht.example:8443/minutes',
  ]);
  const stored = await stack.db.db
    .select({ links: evidence.links })
    .from(evidence)
    .where(and(eq(evidence.actionId, bhtAction.id)));
  expect(stored.map((e) => e.links)).toEqual([detail.body.evidence.at(-1).links]);
}, 60_000);

it('GET /actions?q= finds by reference, title and statement words, within the caller’s scope', async () => {
  const search = async (q: string, caller: 'board' | 'owner' | 'other' = 'board') => {
    const res = await stack.get(`/api/v1/actions?review=${reviewId}&pageSize=200&q=${encodeURIComponent(q)}`, caller);
    expect([q, res.status]).toEqual([q, 200]);
    return res.body as { items: { id: string; reference: string; title: string }[]; total: number };
  };
  // A title word, in any case.
  const byTitle = await search('NON-ACCIDENTAL');
  expect(byTitle.items.map((a) => a.title)).toEqual([
    'Review the procedure for requesting images to assist early identification of possible non-accidental injuries in children',
  ]);
  // A word only the evidence statement holds (the action's own words do not have it).
  expect(bhtAction.title).not.toMatch(/checklist/i);
  const byStatement = await search('checklist');
  expect(byStatement.items.map((a) => a.id)).toEqual([bhtAction.id]);
  // Every word must match somewhere: title word + statement word.
  expect((await search('discharged checklist')).items.map((a) => a.id)).toEqual([bhtAction.id]);
  expect((await search('discharged zebra')).total).toBe(0);
  // The reference, alone and with the review's.
  expect((await search(`SCR-SEARCH ${bhtAction.reference}`)).items.map((a) => a.id)).toContain(bhtAction.id);
  // % and _ are matched as typed, not as wildcards.
  expect((await search('%')).total).toBe(0);
  expect((await search('_')).total).toBe(0);
  // Scope: another agency finds nothing of BHT's, even by its statement; the owner does.
  expect((await search('checklist', 'other')).total).toBe(0);
  expect((await search('checklist', 'owner')).items.map((a) => a.id)).toEqual([bhtAction.id]);
}, 60_000);

it('a bad q is a 400 naming q', async () => {
  for (const q of ['', '   ', 'x'.repeat(201), Array.from({ length: 11 }, (_, i) => `w${i}`).join(' ')]) {
    const res = await stack.get(`/api/v1/actions?q=${encodeURIComponent(q)}`, 'board');
    expect([q.slice(0, 20), res.status]).toEqual([q.slice(0, 20), 400]);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('query.q');
  }
  const twice = await stack.get('/api/v1/actions?q=a&q=b', 'board');
  expect(twice.status).toBe(400);
});
