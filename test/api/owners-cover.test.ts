/**
 * Issue 18 through the API: naming an action's owner, cover while away and mail preferences,
 * and every bad input the issue lists refused with the field named and nothing written.
 */
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { and, eq } from 'drizzle-orm';
import { hashToken } from '../../api/http/auth';
import { ownerMailWorkflowId, setActionOwner } from '../../api/use-cases/set-owner';
import { actions, auditEvents, covers, users } from '../../db/schema';
import { testTemporalAddress } from '../support/db';
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

describe('the new owner’s mail when starting it fails', () => {
  it('the change is kept, and the same request again starts the mail it is owed, once', async () => {
    const g = await fixture(stack, 'assigned');
    const lead = { userId: people.lead.id, role: 'agency' as const, agencyId: stack.agencyIds.BHT, name: 'Jo Lead' };
    // Temporal out of reach for this one request: a client whose connection is already closed.
    const broken = new Client({ connection: await Connection.connect({ address: testTemporalAddress() }) });
    await broken.connection.close();
    const deps = { db: stack.db.db, client: broken, taskQueue: stack.taskQueue };
    await expect(setActionOwner(deps, lead, g.actionId, people.colleague.id)).rejects.toThrow();
    expect(await ownerOf(g.actionId)).toBe(people.colleague.id);
    const [change, ...more] = await stack.db.db
      .select({ eventKey: auditEvents.eventKey })
      .from(auditEvents)
      .where(and(eq(auditEvents.actionId, g.actionId), eq(auditEvents.type, 'owner_changed')));
    expect(more).toEqual([]);
    const eventKey = change.eventKey;
    // Nothing was started for it.
    await expect(stack.client.workflow.getHandle(ownerMailWorkflowId(eventKey)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    const toSam = () =>
      stack.catcher
        .list()
        .filter(
          (m) =>
            m.to.join() === 'sam.patel@bht.test' &&
            m.headers['x-notification-kind'] === 'assignment' &&
            m.text.includes('Sam Patel (named owner)') &&
            m.html.includes(g.actionId),
        );
    expect(toSam()).toEqual([]);

    // The client retries (the API answered 503): the owner is unchanged, the mail is started now.
    const again = () =>
      stack.post(`/api/v1/actions/${g.actionId}/owner`, 'none').set(as('lead')).send({ ownerId: people.colleague.id });
    expect((await again()).status).toBe(200);
    for (let i = 0; toSam().length === 0; i++) {
      if (i > 150) throw new Error('no mail to the new owner after the retry');
      await new Promise((r) => setTimeout(r, 200));
    }
    const run = await stack.client.workflow.getHandle(ownerMailWorkflowId(eventKey)).describe();
    // And once more: the same change's mail is neither started again nor sent again.
    expect((await again()).status).toBe(200);
    const after = await stack.client.workflow.getHandle(ownerMailWorkflowId(eventKey)).describe();
    expect(after.runId).toBe(run.runId);
    await stack.client.workflow.getHandle(ownerMailWorkflowId(eventKey)).result();
    expect(toSam()).toHaveLength(1);
    const changes = (await stack.get(`/api/v1/actions/${g.actionId}/history`)).body.filter(
      (e: { type: string }) => e.type === 'owner_changed',
    );
    expect(changes).toHaveLength(1);
  }, 60_000);
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

describe('ending a cover early', () => {
  const waitMail = async (pred: (m: import('../../lib/mail-catcher').CaughtMail) => boolean) => {
    for (let i = 0; ; i++) {
      const found = stack.catcher.list().filter(pred);
      if (found.length) return found;
      if (i > 150) throw new Error('mail not received');
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('mail goes to the deputy while it runs and back to the person once they end it; the deputy may not end it', async () => {
    const ann = await person('Ann Away', 'ann.away@bht.test', 'BHT');
    const dee = await person('Dee Deputy', 'dee.deputy@bht.test', 'BHT');
    const g = await fixture(stack, 'under_review');
    expect((await stack.post(`/api/v1/actions/${g.actionId}/owner`, 'board').send({ ownerId: ann.id })).status).toBe(
      200,
    );
    const made = await stack
      .post('/api/v1/me/cover', 'none')
      .set({ Authorization: `Bearer ${ann.token}` })
      .send({ deputyId: dee.id, from: today(), to: addDays(today(), 5) });
    expect(made.status).toBe(201);

    const decisionTo = (who: string) => (m: import('../../lib/mail-catcher').CaughtMail) =>
      m.headers['x-notification-kind'] === 'decision' && m.html.includes(g.actionId) && m.to.includes(who);
    await stack.post(`/api/v1/actions/${g.actionId}/decision`, 'board').send({
      outcome: 'request_changes',
      comment: 'Add the audit results',
    });
    const first = await waitMail(decisionTo('dee.deputy@bht.test'));
    expect(first[0].rcpt).not.toContain('ann.away@bht.test');

    const end = (token: string) =>
      stack.delete(`/api/v1/me/cover/${made.body.id}`, 'none').set({ Authorization: `Bearer ${token}` });
    // The deputy may not end it; another agency does not learn it exists.
    expect((await end(dee.token)).status).toBe(403);
    expect((await end(people.tvp.token)).status).toBe(404);
    const ended = await end(ann.token);
    expect(ended.status).toBe(204);
    // Once is enough: a second end is a conflict, and nothing more is written.
    const again = await end(ann.token);
    expect({ status: again.status, path: again.body.errors?.[0]?.path }).toEqual({ status: 409, path: 'id' });
    const prefs = await stack.get('/api/v1/me/preferences', 'none').set({ Authorization: `Bearer ${ann.token}` });
    expect(prefs.body.covers).toEqual([]);
    const audited = await stack.db.db
      .select({ payload: auditEvents.payload })
      .from(auditEvents)
      .where(eq(auditEvents.type, 'cover_ended'));
    expect(audited.map((e) => (e.payload as { coverId: string }).coverId)).toContain(made.body.id);

    // The next mail for Ann's action goes to Ann, the deputy no longer told.
    await stack.post(`/api/v1/actions/${g.actionId}/evidence`, 'owner').send({ statement: 'Audit attached' });
    await stack.post(`/api/v1/actions/${g.actionId}/decision`, 'board').send({
      outcome: 'request_changes',
      comment: 'The audit is for the wrong year',
    });
    const second = await waitMail(decisionTo('ann.away@bht.test'));
    expect(second[0].rcpt).not.toContain('dee.deputy@bht.test');
    expect(stack.catcher.list().filter(decisionTo('dee.deputy@bht.test'))).toHaveLength(1);
  }, 90_000);

  it('a cover that began days ago keeps the days it covered and ends yesterday', async () => {
    const away = await person('Back Early', 'back.early@bht.test', 'BHT');
    const [c] = await stack.db.db
      .insert(covers)
      .values({
        userId: away.id,
        deputyId: people.colleague.id,
        startsOn: addDays(today(), -3),
        endsOn: addDays(today(), 3),
        setBy: away.id,
      })
      .returning();
    const end = () => stack.delete(`/api/v1/me/cover/${c.id}`, 'none').set({ Authorization: `Bearer ${away.token}` });
    expect((await end()).status).toBe(204);
    const [row] = await stack.db.db.select().from(covers).where(eq(covers.id, c.id));
    expect({ from: row.startsOn, to: row.endsOn }).toEqual({ from: addDays(today(), -3), to: addDays(today(), -1) });
    expect((await end()).status).toBe(409);
  });

  it("an agency's lead sees the cover they set for a member and ends it", async () => {
    const away = await person('Off Unexpectedly', 'off.unexpectedly@bht.test', 'BHT');
    const set = await stack
      .post('/api/v1/me/cover', 'none')
      .set(as('lead'))
      .send({ userId: away.id, deputyId: people.colleague.id, from: addDays(today(), 20), to: addDays(today(), 22) });
    expect(set.status).toBe(201);
    const leadView = await stack.get('/api/v1/me/preferences', 'none').set(as('lead'));
    expect(leadView.body.covers.map((c: { id: string }) => c.id)).toContain(set.body.id);
    expect((await stack.delete(`/api/v1/me/cover/${set.body.id}`, 'none').set(as('lead'))).status).toBe(204);
    const awayView = await stack.get('/api/v1/me/preferences', 'none').set({ Authorization: `Bearer ${away.token}` });
    expect(awayView.body.covers).toEqual([]);
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
