/**
 * Issue 22 item 9: the board's corrections end to end, through the API against a real Temporal
 * server, Postgres and an SMTP server: a due date corrected (timers planned again, not slippage),
 * wording corrected (before and after audited), an action moved to another agency (the new lead
 * mailed, the old agency keeping only its own evidence), an action added, a review withdrawn (one
 * mail per agency).
 */
import { randomUUID } from 'node:crypto';
import type { CaughtMail } from '../../lib/mail-catcher';
import { PDF } from './fixtures';
import { ApiStack, QUIET_POLICY, inDays } from './stack';

let stack: ApiStack;

beforeAll(async () => {
  stack = await new ApiStack().start();
}, 120_000);
afterAll(() => stack?.stop());

const DAY = 86_400_000;
/** Reminders a week before the due date, and no other clock within the test's reach. */
const POLICY = { ...QUIET_POLICY, acknowledgeWithin: 'P90D', stallAfter: 'P90D', remindBefore: ['P7D'] };

async function review(actions: { agencyCode: string; title: string; dueDate: string }[], number = '1') {
  const reference = `COR-${randomUUID().slice(0, 8)}`;
  const res = await stack.post('/api/v1/reviews', 'board').send({
    reference,
    title: 'Corrections review',
    policy: POLICY,
    recommendations: [{ number, text: 'Share information', actions }],
  });
  expect(res.status).toBe(201);
  return {
    reference,
    reviewId: res.body.id as string,
    recommendationId: res.body.recommendations[0].id as string,
    actionIds: (res.body.recommendations[0].actions as { id: string }[]).map((a) => a.id),
  };
}

const history = async (actionId: string) =>
  (await stack.get(`/api/v1/actions/${actionId}/history`, 'admin')).body as {
    type: string;
    payload: Record<string, unknown>;
  }[];

async function refusedWithoutWrites(make: () => import('supertest').Test, status: number, field?: string) {
  const before = await stack.counts();
  const res = await make();
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  if (field) expect(JSON.stringify(res.body.errors ?? res.body.detail)).toContain(field);
  expect(await stack.counts()).toEqual(before);
  return res;
}

const mailsFor = (reference: string, to?: string) =>
  stack.catcher
    .list()
    .filter(
      (m: CaughtMail) => (m.headers['x-action-ref'] ?? '').startsWith(`${reference} `) && (!to || m.to.includes(to)),
    );

describe('correcting a due date', () => {
  it('plans every timer again from the new date, is not an extension, and keeps the date it replaced', async () => {
    const r = await review([{ agencyCode: 'BHT', title: 'Update the discharge policy', dueDate: inDays(20) }]);
    const id = r.actionIds[0];
    // The assignment is projected by the new workflow's first task: wait for it.
    let before = (await stack.get(`/api/v1/actions/${id}`, 'board')).body;
    for (let i = 0; i < 100 && before.nextTimerAt === null; i++) {
      await new Promise((done) => setTimeout(done, 200));
      before = (await stack.get(`/api/v1/actions/${id}`, 'board')).body;
    }
    expect(before.nextTimerAt).toBe(new Date(Date.parse(before.dueDate) - 7 * DAY).toISOString());

    const res = await stack
      .post(`/api/v1/actions/${id}/due-date`, 'board')
      .send({ dueDate: inDays(60), reason: 'The plan agreed 60 days, the form said 20' });
    expect(res.status).toBe(200);
    expect(res.body.dueOn).toBe(inDays(60));
    // The reminder a week before moved with the date.
    expect(res.body.nextTimerAt).toBe(new Date(Date.parse(res.body.dueDate) - 7 * DAY).toISOString());
    // Not slippage, not an extension.
    expect(res.body).toMatchObject({ extensionCount: 0, daysSlipped: 0 });

    const corrected = (await history(id)).find((e) => e.type === 'due_date_corrected');
    expect(corrected?.payload).toMatchObject({
      from: before.dueDate,
      to: res.body.dueDate,
      reason: 'The plan agreed 60 days, the form said 20',
      actorRole: 'board',
    });
  });

  it('after an extension, a correction leaves the slippage as the extension made it', async () => {
    const r = await review([{ agencyCode: 'BHT', title: 'Train the ward staff', dueDate: inDays(30) }]);
    const id = r.actionIds[0];
    const x = await stack
      .post(`/api/v1/actions/${id}/extension-requests`, 'owner')
      .send({ newDueDate: inDays(40), reason: 'Staff shortage', interimMeasures: 'Weekly manager review' });
    expect(x.status).toBe(201);
    expect(
      (
        await stack
          .post(`/api/v1/actions/${id}/extension-requests/${x.body.requestId}/decision`, 'board')
          .send({ outcome: 'approve' })
      ).status,
    ).toBe(200);
    const extended = (await stack.get(`/api/v1/actions/${id}`, 'board')).body;
    expect(extended).toMatchObject({ extensionCount: 1, daysSlipped: 10 });

    const res = await stack
      .post(`/api/v1/actions/${id}/due-date`, 'admin')
      .send({ dueDate: inDays(50), reason: 'Typo' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ dueOn: inDays(50), extensionCount: 1, daysSlipped: 10 });
  });

  it('refuses a past date, the same date, no reason, and a finished action, writing nothing', async () => {
    const r = await review([{ agencyCode: 'BHT', title: 'Audit referrals', dueDate: inDays(30) }]);
    const id = r.actionIds[0];
    const url = `/api/v1/actions/${id}/due-date`;
    await refusedWithoutWrites(
      () => stack.post(url, 'board').send({ dueDate: '2020-01-01', reason: 'x' }),
      400,
      'dueDate',
    );
    await refusedWithoutWrites(() => stack.post(url, 'board').send({ dueDate: 'soon', reason: 'x' }), 400, 'dueDate');
    await refusedWithoutWrites(() => stack.post(url, 'board').send({ dueDate: inDays(40) }), 400, 'reason');
    await refusedWithoutWrites(() => stack.post(url, 'board').send({ dueDate: inDays(30), reason: 'same' }), 400);
    await refusedWithoutWrites(
      () => stack.post(url, 'board').send({ dueDate: inDays(40), reason: 'x', extra: 1 }),
      400,
    );
    expect((await stack.post(`/api/v1/actions/${id}/cancel`, 'board').send({ reason: 'Superseded' })).status).toBe(200);
    await refusedWithoutWrites(() => stack.post(url, 'board').send({ dueDate: inDays(40), reason: 'x' }), 409);
  });
});

describe('correcting wording', () => {
  it("keeps the action's and the recommendation's words before and after in the audit trail", async () => {
    const r = await review([{ agencyCode: 'BHT', title: 'Updte the policy', dueDate: inDays(30) }]);
    const id = r.actionIds[0];
    const res = await stack
      .post(`/api/v1/actions/${id}/wording`, 'board')
      .send({ title: 'Update the policy', successMeasure: 'Policy published on the intranet', reason: 'Spelling' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ title: 'Update the policy', successMeasure: 'Policy published on the intranet' });
    const event = (await history(id)).find((e) => e.type === 'wording_corrected');
    expect(event?.payload).toMatchObject({
      changes: {
        title: { before: 'Updte the policy', after: 'Update the policy' },
        successMeasure: { before: null, after: 'Policy published on the intranet' },
      },
      reason: 'Spelling',
    });
    // The description was not sent, so it is not among the changes.
    expect(Object.keys(event!.payload.changes as object)).toEqual(['title', 'successMeasure']);

    const rec = await stack
      .post(`/api/v1/recommendations/${r.recommendationId}/wording`, 'board')
      .send({ text: 'Share information at discharge' });
    expect(rec.status).toBe(200);
    const detail = (await stack.get(`/api/v1/reviews/${r.reviewId}`, 'board')).body;
    expect(detail.recommendations[0].text).toBe('Share information at discharge');
  });

  it('refuses a blank title, nothing to change, and an agency, writing nothing', async () => {
    const r = await review([{ agencyCode: 'BHT', title: 'Keep this', dueDate: inDays(30) }]);
    const url = `/api/v1/actions/${r.actionIds[0]}/wording`;
    await refusedWithoutWrites(() => stack.post(url, 'board').send({ title: '   ' }), 400, 'title');
    await refusedWithoutWrites(() => stack.post(url, 'board').send({}), 400, 'title');
    await refusedWithoutWrites(() => stack.post(url, 'board').send({ title: 'Keep this' }), 400, 'title');
    await refusedWithoutWrites(() => stack.post(url, 'owner').send({ title: 'Mine now' }), 403);
    await refusedWithoutWrites(
      () => stack.post(`/api/v1/recommendations/${r.recommendationId}/wording`, 'board').send({ text: '' }),
      400,
      'text',
    );
  });
});

describe('moving an action to another agency', () => {
  it('mails the new lead; the old agency loses the action but keeps its own evidence and files', async () => {
    const r = await review([{ agencyCode: 'BHT', title: 'Set up the MASH referral route', dueDate: inDays(30) }]);
    const id = r.actionIds[0];
    expect((await stack.post(`/api/v1/actions/${id}/acknowledge`, 'owner')).status).toBe(200);
    const sent = await stack
      .post(`/api/v1/actions/${id}/evidence`, 'owner')
      .field('statement', 'Route drafted with the hospital')
      .attach('files', PDF, { filename: 'route.pdf', contentType: 'application/pdf' });
    expect(sent.status).toBe(200);
    // Under review it cannot move: the board decides first.
    await refusedWithoutWrites(
      () => stack.post(`/api/v1/actions/${id}/reassign`, 'board').send({ agencyCode: 'BCC' }),
      409,
    );
    expect(
      (
        await stack
          .post(`/api/v1/actions/${id}/decision`, 'board')
          .send({ outcome: 'request_changes', comment: 'This is the council’s' })
      ).status,
    ).toBe(200);
    const fileId = (await stack.get(`/api/v1/actions/${id}`, 'owner')).body.evidence[0].attachments[0].id as string;

    await refusedWithoutWrites(
      () => stack.post(`/api/v1/actions/${id}/reassign`, 'board').send({ agencyCode: 'NOPE' }),
      400,
      'agencyCode',
    );
    await refusedWithoutWrites(
      () => stack.post(`/api/v1/actions/${id}/reassign`, 'board').send({ agencyCode: 'BHT' }),
      400,
    );

    const moved = await stack.post(`/api/v1/actions/${id}/reassign`, 'board').send({ agencyCode: 'BCC' });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ agencyCode: 'BCC', status: 'assigned' });
    const mail = await stack.catcher.waitFor(
      (m) =>
        m.to.includes('safeguarding.lead@bcc.example') &&
        m.headers['x-notification-kind'] === 'assignment' &&
        (m.headers['x-action-ref'] ?? '') === `${r.reference} 1.1`,
    );
    expect(mail.subject).toContain('1.1');

    // The old agency: the action reads as unknown, its own evidence and file do not.
    expect((await stack.get(`/api/v1/actions/${id}`, 'owner')).status).toBe(404);
    const mine = (await stack.get('/api/v1/me/moved-evidence', 'owner')).body as {
      actionId: string;
      nowWith: string;
      evidence: { statement: string; attachments: { id: string }[] }[];
    }[];
    const entry = mine.find((a) => a.actionId === id);
    expect(entry).toMatchObject({
      evidence: [{ statement: 'Route drafted with the hospital', attachments: [{ id: fileId }] }],
    });
    expect(entry!.nowWith).toMatch(/Children's Social Care/);
    const file = await stack.get(`/api/v1/actions/${id}/attachments/${fileId}`, 'owner');
    expect(file.status).toBe(200);
    // Another agency learns nothing; nor does the new one see the old one's list.
    expect((await stack.get(`/api/v1/actions/${id}/attachments/${fileId}`, 'other')).status).toBe(404);
    expect(
      ((await stack.get('/api/v1/me/moved-evidence', 'other')).body as { actionId: string }[]).some(
        (a) => a.actionId === id,
      ),
    ).toBe(false);
  });
});

describe('adding an action to a recommendation', () => {
  it('starts its workflow with the next reference and mails the agency; a bad agency writes nothing', async () => {
    const r = await review([{ agencyCode: 'BHT', title: 'First', dueDate: inDays(30) }], '4');
    const url = `/api/v1/recommendations/${r.recommendationId}/actions`;
    await refusedWithoutWrites(
      () => stack.post(url, 'board').send({ agencyCode: 'NOPE', title: 'x', dueDate: inDays(30) }),
      400,
      'agencyCode',
    );
    await refusedWithoutWrites(
      () => stack.post(url, 'board').send({ agencyCode: 'BCC', title: '', dueDate: inDays(30) }),
      400,
      'title',
    );
    await refusedWithoutWrites(
      () => stack.post(url, 'owner').send({ agencyCode: 'BCC', title: 'x', dueDate: inDays(30) }),
      403,
    );
    const res = await stack
      .post(url, 'board')
      .send({ agencyCode: 'BCC', title: 'Brief the teams', dueDate: inDays(45) });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ reference: '4.2', agencyCode: 'BCC', status: 'assigned', dueOn: inDays(45) });
    await stack.catcher.waitFor(
      (m) =>
        m.to.includes('safeguarding.lead@bcc.example') && (m.headers['x-action-ref'] ?? '') === `${r.reference} 4.2`,
    );
  });
});

describe('withdrawing a review', () => {
  it('cancels every open action with the reason and tells each agency once', async () => {
    const r = await review([
      { agencyCode: 'BHT', title: 'One', dueDate: inDays(30) },
      { agencyCode: 'BHT', title: 'Two', dueDate: inDays(31) },
      { agencyCode: 'BCC', title: 'Three', dueDate: inDays(32) },
    ]);
    await refusedWithoutWrites(
      () => stack.post(`/api/v1/reviews/${r.reviewId}/withdraw`, 'board').send({ reason: ' ' }),
      400,
      'reason',
    );
    await refusedWithoutWrites(
      () => stack.post(`/api/v1/reviews/${r.reviewId}/withdraw`, 'owner').send({ reason: 'x' }),
      403,
    );
    const res = await stack.post(`/api/v1/reviews/${r.reviewId}/withdraw`, 'board').send({ reason: 'Entered twice' });
    expect(res.status).toBe(200);
    expect(res.body.agenciesTold.sort()).toEqual(['BCC', 'BHT']);
    expect(res.body.cancelled).toHaveLength(3);

    const bht = await stack.catcher.waitFor(
      (m) =>
        m.to.includes('safeguarding.lead@bht.example') &&
        /withdrawn/i.test(m.subject) &&
        (m.headers['x-action-ref'] ?? '').startsWith(`${r.reference} `),
    );
    expect(bht.text).toContain('1.1, 1.2');
    expect(bht.text).toContain('Entered twice');
    await stack.catcher.waitFor(
      (m) =>
        m.to.includes('safeguarding.lead@bcc.example') &&
        /withdrawn/i.test(m.subject) &&
        (m.headers['x-action-ref'] ?? '').startsWith(`${r.reference} `),
    );

    // Every action cancelled with the reason; the recommendation completes and the review stays withdrawn.
    for (const id of r.actionIds) {
      const a = (await stack.get(`/api/v1/actions/${id}`, 'board')).body;
      expect(a.status).toBe('cancelled');
      expect((await history(id)).find((e) => e.type === 'cancelled')?.payload).toMatchObject({
        reason: 'Entered twice',
        withdrawn: true,
      });
    }
    for (let i = 0; i < 100; i++) {
      const detail = (await stack.get(`/api/v1/reviews/${r.reviewId}`, 'board')).body;
      if (detail.recommendations[0].status !== 'open') break;
      await new Promise((done) => setTimeout(done, 200));
    }
    const detail = (await stack.get(`/api/v1/reviews/${r.reviewId}`, 'board')).body;
    expect(detail.recommendations[0].status).not.toBe('open');
    expect(detail.status).toBe('withdrawn');
    // Once each: the settled outbox holds one mail per agency lead for this review, no per-action cancellation.
    await stack.counts();
    expect(
      mailsFor(r.reference, 'safeguarding.lead@bht.example').filter(
        (m) => m.headers['x-notification-kind'] === 'decision',
      ),
    ).toHaveLength(1);
    expect(
      mailsFor(r.reference, 'safeguarding.lead@bcc.example').filter(
        (m) => m.headers['x-notification-kind'] === 'decision',
      ),
    ).toHaveLength(1);

    await refusedWithoutWrites(
      () => stack.post(`/api/v1/reviews/${r.reviewId}/withdraw`, 'board').send({ reason: 'Again' }),
      409,
    );
    await refusedWithoutWrites(
      () =>
        stack
          .post(`/api/v1/recommendations/${r.recommendationId}/actions`, 'board')
          .send({ agencyCode: 'BHT', title: 'Too late', dueDate: inDays(30) }),
      409,
    );
  });
});
