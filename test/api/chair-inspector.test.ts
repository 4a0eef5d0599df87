/**
 * Issue 20 on the real stack (Postgres, the Temporal dev server with a worker, a real SMTP
 * server): the chair's escalation lifecycle, a re-timed escalation raised again at its date and
 * not before, inspectors whose access ends at once at expiry and whose every read is logged, and
 * the bad input of both, refused with nothing written.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { hashToken } from '../../api/http/auth';
import { escalationNotes, escalations, inspectorReads, sessions, users } from '../../db/schema';
import { fixture } from './fixtures';
import { ApiStack, inDays, QUIET_POLICY } from './stack';
import { testTemporalAddress } from '../support/db';
import { saveHistoryFixture } from '../support/history';

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 120_000);
afterAll(() => stack?.stop());

const until = async <T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 60_000) => {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

const escalationRow = async (id: string) =>
  (await stack.db.db.select().from(escalations).where(eq(escalations.id, id)))[0];

describe('the chair', () => {
  it('level-3 escalation → challenge mailed → response → resolved, each in the timeline', async () => {
    // Overdue a second after creation; escalation levels 1, 2, 3 follow within seconds.
    const due = new Date(Date.now() + 2000).toISOString();
    const created = await stack.post('/api/v1/reviews', 'board').send({
      reference: `CH-${randomUUID().slice(0, 8)}`,
      title: 'Chair review',
      policy: { ...QUIET_POLICY, escalateAfterOverdue: ['PT1S', 'PT2S', 'PT3S'] },
      recommendations: [
        { number: '1', text: 'Escalate', actions: [{ agencyCode: 'BHT', title: 'Late work', dueDate: due }] },
      ],
    });
    expect(created.status).toBe(201);
    const actionId = created.body.recommendations[0].actions[0].id as string;
    const level3 = await until('level 3', async () => {
      const list = (await stack.get('/api/v1/escalations', 'chair')).body as {
        id: string;
        level: number;
        action: { id: string };
        notified: string[];
      }[];
      return list.find((e) => e.action.id === actionId && e.level === 3 && e.notified.length > 0);
    });
    expect(level3.notified).toContain('chair@board.test');

    const challenge = await stack
      .post(`/api/v1/escalations/${level3.id}/challenge`, 'chair')
      .send({ text: 'Why is the policy still not written?', to: 'senior' });
    expect(challenge.status).toBe(200);
    expect(challenge.body.notes).toEqual([
      expect.objectContaining({ step: 'challenge', sentTo: 'senior', text: 'Why is the policy still not written?' }),
    ]);
    const mail = await stack.catcher.waitFor(
      (m) =>
        m.headers['x-notification-kind'] === 'chair_challenge' &&
        m.text.includes('Why is the policy still not written?'),
      60_000,
    );
    const bht = (await stack.get('/api/v1/agencies', 'admin')).body.find((a: { code: string }) => a.code === 'BHT');
    expect(mail.to).toEqual([bht.seniorEmail.toLowerCase()]);
    expect(mail.cc).toEqual(['chair@board.test']);

    const response = await stack
      .post(`/api/v1/escalations/${level3.id}/response`, 'chair')
      .send({ text: 'Draft goes to the executive on Friday' });
    expect(response.status).toBe(200);
    expect(response.body.resolvedAt).toBeNull();

    const resolved = await stack
      .post(`/api/v1/escalations/${level3.id}/resolve`, 'chair')
      .send({ comment: 'Satisfied' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ resolution: 'resolved', resolvedAt: expect.any(String) });
    expect(resolved.body.notes.map((n: { step: string }) => n.step)).toEqual(['challenge', 'response', 'resolved']);
    const open = (await stack.get('/api/v1/escalations', 'chair')).body as { id: string }[];
    expect(open.map((e) => e.id)).not.toContain(level3.id);
    // The action's level falls to the highest escalation still open (2).
    expect((await stack.get(`/api/v1/actions/${actionId}`, 'board')).body.escalationLevel).toBe(2);

    // Resolved is final: a second step on it is a state conflict, and nothing is written.
    const again = await stack.post(`/api/v1/escalations/${level3.id}/resolve`, 'chair').send({});
    expect(again.status).toBe(409);

    const history = (await stack.get(`/api/v1/actions/${actionId}/history`, 'board')).body as {
      type: string;
      actor: string | null;
    }[];
    const chairEvents = history.filter((h) => h.type.startsWith('escalation_') && h.type !== 'escalation_raised');
    expect(chairEvents.map((h) => h.type)).toEqual([
      'escalation_challenged',
      'escalation_response_recorded',
      'escalation_resolved',
    ]);
    const [chair] = await stack.db.db.select().from(users).where(eq(users.email, 'chair@api.test'));
    expect(new Set(chairEvents.map((h) => h.actor))).toEqual(new Set([chair.id]));
  }, 120_000);

  it('a re-timed escalation is raised again at the new date and not before', async () => {
    const f = await fixture(stack, 'escalated');
    const first = f.escalationId!;
    const at = new Date(Date.now() + 8000);
    const retimed = await stack
      .post(`/api/v1/escalations/${first}/retime`, 'chair')
      .send({ until: at.toISOString(), comment: 'Until the board meets' });
    expect(retimed.status).toBe(200);
    expect(retimed.body).toMatchObject({ resolution: 'retimed', retimedUntil: at.toISOString() });
    // The action's next timer is the chair's date: the workflow re-planned.
    const live = (await stack.get(`/api/v1/actions/${f.actionId}`, 'board')).body;
    expect(live.escalationLevel).toBe(0);

    const second = await until(
      'the re-timed escalation',
      async () =>
        (
          await stack.db.db
            .select()
            .from(escalations)
            .where(and(eq(escalations.actionId, f.actionId), sql`${escalations.id} <> ${first}`))
        )[0],
      60_000,
    );
    const before = await escalationRow(first);
    expect({ level: second.level, reason: second.reason }).toEqual({ level: before.level, reason: before.reason });
    // Not before: it was raised at or after the chair's date.
    expect(second.raisedAt.getTime()).toBeGreaterThanOrEqual(at.getTime());
    expect(second.resolvedAt).toBeNull();
    if (process.env.RECORD_FIXTURES === '1') {
      // The history the replay test (test/lifecycle/durability.test.ts) keeps honest: patch chair-escalation-steps.
      saveHistoryFixture(testTemporalAddress(), `action-${f.actionId}`, 'action-chair-retimed.history.json');
    }
  }, 120_000);

  it('a re-timed escalation of the impact check is raised again at the new date (patch impact-retimed-escalations)', async () => {
    const res = await stack.post('/api/v1/reviews', 'board').send({
      reference: `FX-${randomUUID().slice(0, 8)}`,
      title: 'Impact escalation review',
      // The impact evidence waits for the board one second before the chair is told.
      policy: { ...QUIET_POLICY, impactCheckAfter: 'P30D', boardDecisionWithin: 'PT1S' },
      recommendations: [
        {
          number: '1',
          text: 'Share information',
          actions: [{ agencyCode: 'BHT', title: 'Audit', dueDate: inDays(60) }],
        },
      ],
    });
    expect(res.status).toBe(201);
    const actionId: string = res.body.recommendations[0].actions[0].id;
    expect((await stack.post(`/api/v1/actions/${actionId}/acknowledge`, 'owner')).status).toBe(200);
    const evidence = await stack.post(`/api/v1/actions/${actionId}/evidence`, 'owner').send({ statement: 'Done' });
    expect(evidence.status).toBe(200);
    expect(
      (await stack.post(`/api/v1/actions/${actionId}/decision`, 'board').send({ outcome: 'approve' })).status,
    ).toBe(200);
    const impact = await stack
      .post(`/api/v1/actions/${actionId}/impact-evidence`, 'owner')
      .send({ statement: 'Audit of 20 cases: thresholds applied in 19', method: 'audit' });
    expect(impact.status).toBe(200);
    const openImpactEscalation = () =>
      until('the impact escalation', async () => {
        const rows = await stack.db.db
          .select()
          .from(escalations)
          .where(and(eq(escalations.actionId, actionId), sql`${escalations.resolvedAt} is null`));
        return rows.find((r) => r.reason === 'awaiting_board');
      });
    const first = await openImpactEscalation();
    const at = new Date(Date.now() + 8000);
    const retimed = await stack
      .post(`/api/v1/escalations/${first.id}/retime`, 'chair')
      .send({ until: at.toISOString(), comment: 'The board meets on Thursday' });
    expect(retimed.status).toBe(200);

    const second = await openImpactEscalation();
    expect(second.id).not.toBe(first.id);
    expect({ level: second.level, reason: second.reason }).toEqual({ level: first.level, reason: first.reason });
    expect(second.raisedAt.getTime()).toBeGreaterThanOrEqual(at.getTime());
    if (process.env.RECORD_FIXTURES === '1')
      saveHistoryFixture(testTemporalAddress(), `action-${actionId}`, 'action-impact-retimed.history.json');
  }, 120_000);

  it('refuses a challenge with no text, a missing addressee, and a re-timing to a past date; nothing is written', async () => {
    const f = await fixture(stack, 'escalated');
    const id = f.escalationId!;
    const before = await stack.counts();
    const cases: [string, object][] = [
      ['challenge', { text: '   ', to: 'lead' }],
      ['challenge', { text: 'No addressee' }],
      ['challenge', { text: 'To the wrong person', to: 'chair' }],
      ['response', { text: '' }],
      ['retime', { until: inDays(-1) }],
      ['retime', { until: new Date(Date.now() - 60_000).toISOString() }],
      ['retime', { until: 'next meeting' }],
    ];
    for (const [step, body] of cases) {
      const res = await stack.post(`/api/v1/escalations/${id}/${step}`, 'chair').send(body);
      expect({ step, body, status: res.status, type: res.headers['content-type'] }).toEqual({
        step,
        body,
        status: 400,
        type: expect.stringMatching(/problem\+json/),
      });
    }
    expect((await stack.post(`/api/v1/escalations/${randomUUID()}/resolve`, 'chair').send({})).status).toBe(404);
    expect(await stack.counts()).toEqual(before);
    expect(await stack.db.db.select().from(escalationNotes).where(eq(escalationNotes.escalationId, id))).toEqual([]);
    expect((await escalationRow(id)).resolvedAt).toBeNull();
  }, 120_000);
});

describe('inspectors', () => {
  const create = (body: object) => stack.post('/api/v1/users', 'admin').send(body);
  const someone = () => ({ name: 'Ofsted Inspector', email: `insp-${randomUUID().slice(0, 8)}@ofsted.test` });

  it('refuse an expiry in the past, over 90 days ahead, or none; nothing is written', async () => {
    const before = await stack.counts();
    for (const body of [
      { ...someone(), role: 'inspector', expiresOn: inDays(-1) },
      { ...someone(), role: 'inspector', expiresOn: inDays(92) },
      { ...someone(), role: 'inspector' },
      { ...someone(), role: 'board', expiresOn: inDays(10) },
      { ...someone(), role: 'inspector', expiresOn: inDays(10), agencyCode: 'BHT' },
    ]) {
      const res = await create(body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect(await stack.counts()).toEqual(before);
  });

  it('read everything, change nothing, have each read logged once, and lose access at once at expiry', async () => {
    const made = await create({ ...someone(), role: 'inspector', expiresOn: inDays(90) });
    expect(made.status).toBe(201);
    expect(made.body.user).toMatchObject({ role: 'inspector', accessExpiresAt: expect.any(String) });
    const as = (r: request.Test) => r.set({ Authorization: `Bearer ${made.body.token}` });
    const userId = made.body.user.id as string;
    const f = await fixture(stack, 'with_attachment');

    const reads = [
      '/api/v1/actions',
      `/api/v1/actions/${f.actionId}`,
      `/api/v1/actions/${f.actionId}/history`,
      `/api/v1/actions/${f.actionId}/attachments/${f.attachmentId}`,
      `/api/v1/reviews/${f.reviewId}/report?format=json`,
      '/api/v1/escalations',
      '/api/v1/dashboard',
    ];
    for (const url of reads)
      expect({ url, status: (await as(request(stack.app).get(url))).status }).toEqual({ url, status: 200 });
    // Writes are refused and not logged as reads.
    for (const [url, body] of [
      [`/api/v1/actions/${f.actionId}/cancel`, { reason: 'Inspector tries' }],
      ['/api/v1/tokens', undefined],
      [`/api/v1/actions/${f.actionId}/decision`, { outcome: 'approve', comment: 'ok' }],
    ] as const) {
      const res = await as(request(stack.app).post(url)).send(body);
      expect({ url, status: res.status }).toEqual({ url, status: 403 });
    }
    // A page read is logged too, and a form from an inspector is refused.
    const sid = randomBytes(32).toString('base64url');
    await stack.db.db.insert(sessions).values({
      idHash: hashToken(sid),
      userId,
      csrfToken: 'c'.repeat(32),
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    const cookie = `ap_session=${sid}`;
    const page = await request(stack.app).get(`/actions/${f.actionId}`).set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<form[^>]+action="\/actions\//);
    const post = await request(stack.app)
      .post(`/actions/${f.actionId}/cancel`)
      .set('Cookie', cookie)
      .type('form')
      .send({ _csrf: 'c'.repeat(32), reason: 'Inspector tries' });
    expect(post.status).toBe(403);

    const logged = await stack.db.db.select().from(inspectorReads).where(eq(inspectorReads.userId, userId));
    expect(logged.map((r) => `${r.via} ${r.path}`)).toEqual([
      ...reads.map((u) => `api ${u}`),
      `page /actions/${f.actionId}`,
    ]);

    // The board reads and exports the log.
    const log = await stack.get(`/api/v1/inspector-reads?inspector=${userId}`, 'board');
    expect(log.status).toBe(200);
    expect(log.body.map((r: { path: string }) => r.path)).toEqual(logged.map((r) => r.path));
    const csv = await stack.get(`/api/v1/inspector-reads?inspector=${userId}&format=csv`, 'board');
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.trim().split('\r\n')).toHaveLength(1 + logged.length);

    // Expiry ends token and session at once.
    await stack.db.db
      .update(users)
      .set({ accessExpiresAt: new Date(Date.now() - 1000) })
      .where(eq(users.id, userId));
    expect((await as(request(stack.app).get('/api/v1/me'))).status).toBe(401);
    const after = await request(stack.app).get(`/actions/${f.actionId}`).set('Cookie', cookie);
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/signin');
    // Refused reads are not reads: the log did not grow.
    expect(await stack.db.db.select().from(inspectorReads).where(eq(inspectorReads.userId, userId))).toHaveLength(
      logged.length,
    );
  }, 120_000);
});
