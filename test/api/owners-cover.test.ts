/**
 * Issue 18 through the API: naming an action's owner, cover while away and mail preferences,
 * and every bad input the issue lists refused with the field named and nothing written.
 */
import { eq } from 'drizzle-orm';
import { hashToken } from '../../api/http/auth';
import { actions, users } from '../../db/schema';
import { addDays } from '../../workflows/calendar';
import { fixture, type Fixture } from './fixtures';
import { ApiStack, EXAMPLE_AGENCIES } from './stack';

let stack: ApiStack;
let f: Fixture; // an assigned BHT action
/** BHT's lead (the agency's lead address), two members, one deactivated member, a TVP user. */
const people: Record<'lead' | 'member' | 'colleague' | 'gone' | 'tvp', { id: string; token: string }> = {} as never;
const today = () => new Date().toISOString().slice(0, 10);

async function person(name: string, email: string, agency: 'BHT' | 'TVP') {
  const token = `t-${Math.random().toString(36).slice(2)}`;
  const [u] = await stack.db.db
    .insert(users)
    .values({ name, email, role: 'agency', agencyId: stack.agencyIds[agency], tokenHash: hashToken(token) })
    .returning({ id: users.id });
  return { id: u.id, token };
}

beforeAll(async () => {
  stack = await new ApiStack().start();
  f = await fixture(stack, 'assigned');
  const bht = EXAMPLE_AGENCIES.find((a) => a.code === 'BHT')!;
  people.lead = await person('Jo Lead', bht.leadEmail, 'BHT');
  people.member = await person('Jo Owner', 'jo.owner@bht.test', 'BHT');
  people.colleague = await person('Sam Patel', 'sam.patel@bht.test', 'BHT');
  people.gone = await person('Left Already', 'left@bht.test', 'BHT');
  await stack.db.db.update(users).set({ deactivatedAt: new Date() }).where(eq(users.id, people.gone.id));
  people.tvp = await person('Tom Police', 'tom@tvp.test', 'TVP');
}, 120_000);
afterAll(() => stack?.stop());

const as = (who: keyof typeof people) => ({ Authorization: `Bearer ${people[who].token}` });
const ownerOf = async (id: string) =>
  (await stack.db.db.select({ o: actions.ownerId }).from(actions).where(eq(actions.id, id)))[0].o;

async function refused(make: () => import('supertest').Test, status: number, field: string) {
  const before = { counts: await stack.counts(), owner: await ownerOf(f.actionId) };
  const res = await make();
  expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
    status,
    type: expect.stringMatching(/^application\/problem\+json/),
  });
  expect((res.body.errors as { path: string }[]).map((e) => e.path).join(' ')).toContain(field);
  expect({ counts: await stack.counts(), owner: await ownerOf(f.actionId) }).toEqual(before);
}

describe('named owner', () => {
  it("the agency's lead names an owner: shown on the action, in the owner's list, and audited", async () => {
    const res = await stack
      .post(`/api/v1/actions/${f.actionId}/owner`, 'none')
      .set(as('lead'))
      .send({ ownerId: people.member.id });
    expect(res.status).toBe(200);
    expect(res.body.owner).toEqual({ id: people.member.id, name: 'Jo Owner', email: 'jo.owner@bht.test' });

    const mine = await stack.get('/api/v1/actions?owner=me', 'none').set(as('member'));
    expect(mine.body.items.map((a: { id: string }) => a.id)).toEqual([f.actionId]);
    const theirs = await stack.get('/api/v1/actions?owner=me', 'none').set(as('colleague'));
    expect(theirs.body.items).toEqual([]);

    const history = await stack.get(`/api/v1/actions/${f.actionId}/history`);
    expect(history.body.find((e: { type: string }) => e.type === 'owner_changed')?.payload).toMatchObject({
      to: people.member.id,
    });
  });

  it('a member who is not the lead may not name one (403), and nothing changes', async () => {
    const before = await ownerOf(f.actionId);
    const res = await stack
      .post(`/api/v1/actions/${f.actionId}/owner`, 'none')
      .set(as('colleague'))
      .send({ ownerId: people.colleague.id });
    expect(res.status).toBe(403);
    expect(await ownerOf(f.actionId)).toBe(before);
  });

  it('an owner from another agency → 400 naming ownerId', () =>
    refused(
      () => stack.post(`/api/v1/actions/${f.actionId}/owner`, 'board').send({ ownerId: people.tvp.id }),
      400,
      'ownerId',
    ));
  it('a deactivated owner → 400 naming ownerId', () =>
    refused(
      () => stack.post(`/api/v1/actions/${f.actionId}/owner`, 'board').send({ ownerId: people.gone.id }),
      400,
      'ownerId',
    ));
  it('an unknown owner → 400 naming ownerId', () =>
    refused(
      () =>
        stack
          .post(`/api/v1/actions/${f.actionId}/owner`, 'board')
          .send({ ownerId: '00000000-0000-4000-8000-000000000000' }),
      400,
      'ownerId',
    ));
});

describe('cover', () => {
  const cover = (who: keyof typeof people, body: Record<string, unknown>) =>
    stack.post('/api/v1/me/cover', 'none').set(as(who)).send(body);

  it('bad cover is refused with the field named, nothing written', async () => {
    const base = { deputyId: people.colleague.id, from: today(), to: addDays(today(), 3) };
    await refused(() => cover('member', { ...base, deputyId: people.tvp.id }), 400, 'deputyId');
    await refused(() => cover('member', { ...base, deputyId: people.member.id }), 400, 'deputyId');
    await refused(() => cover('member', { ...base, deputyId: people.gone.id }), 400, 'deputyId');
    await refused(() => cover('member', { ...base, from: addDays(today(), 3), to: today() }), 400, 'to');
    // Someone else's cover: only their lead.
    const res = await cover('colleague', { ...base, deputyId: people.lead.id, userId: people.member.id });
    expect(res.status).toBe(403);
  });

  it('a cover is set, shown in both people’s preferences, and an overlapping one is a 409', async () => {
    const base = { deputyId: people.colleague.id, from: today(), to: addDays(today(), 3) };
    const made = await cover('member', base);
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ user: { name: 'Jo Owner' }, deputy: { name: 'Sam Patel' }, copyMe: false });
    const deputyView = await stack.get('/api/v1/me/preferences', 'none').set(as('colleague'));
    expect(deputyView.body.covers.map((c: { id: string }) => c.id)).toEqual([made.body.id]);

    await refused(() => cover('member', { ...base, from: addDays(today(), 2), to: addDays(today(), 9) }), 409, 'from');
    // The lead may set cover for a member who is off unexpectedly (after this one, no overlap).
    const byLead = await cover('lead', {
      ...base,
      userId: people.member.id,
      from: addDays(today(), 10),
      to: addDays(today(), 12),
    });
    expect(byLead.status).toBe(201);
  });
});

describe('mail preferences', () => {
  it('default immediate; a digestible kind can move to the digest', async () => {
    const before = await stack.get('/api/v1/me/preferences', 'none').set(as('member'));
    expect(before.body.delivery).toEqual({
      reminder: 'immediate',
      overdue: 'immediate',
      evidence_submitted: 'immediate',
      recommendation_complete: 'immediate',
    });
    expect(before.body.alwaysImmediate).toEqual(
      expect.arrayContaining(['assignment', 'escalation', 'decision', 'sign_in']),
    );
    const put = await stack
      .put('/api/v1/me/preferences', 'none')
      .set(as('member'))
      .send({ delivery: { reminder: 'digest' } });
    expect(put.status).toBe(200);
    expect(put.body.delivery).toMatchObject({ reminder: 'digest', overdue: 'immediate' });
  });

  it.each(['assignment', 'escalation', 'decision', 'sign_in', 'gossip'])(
    'a preference for %s is refused, naming it, nothing written',
    (kind) =>
      refused(
        () =>
          stack
            .put('/api/v1/me/preferences', 'none')
            .set(as('member'))
            .send({ delivery: { [kind]: 'digest' } }),
        400,
        `delivery.${kind}`,
      ),
  );

  it("the admin's default applies to people who have not chosen", async () => {
    const set = await stack.put('/api/v1/mail-defaults').send({ overdue: 'digest' });
    expect(set.status).toBe(200);
    const prefs = await stack.get('/api/v1/me/preferences', 'none').set(as('colleague'));
    expect(prefs.body.delivery).toMatchObject({ overdue: 'digest', reminder: 'immediate' });
    await stack.put('/api/v1/mail-defaults').send({ overdue: 'immediate' });
  });
});
