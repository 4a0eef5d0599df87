/**
 * Issue 22, import: the check before importing (nothing created), target dates before today
 * refused by row and column, and one assignment mail per agency for a whole import, with a
 * calendar entry per action, sent once through the outbox. An action added later still gets its
 * own assignment mail.
 */
import { and, count, eq, inArray, like, not, sql } from 'drizzle-orm';
import { addAction } from '../../api/use-cases/actions';
import { actions, notifications, reviews } from '../../db/schema';
import { ApiStack, EXAMPLE_AGENCIES, QUIET_POLICY, inDays } from './stack';

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
}, 120_000);
afterAll(() => stack?.stop());

const HEADER = 'Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date';
/** Five BHT actions over two recommendations, one TVP action. */
const plan = (bhtDates = [30, 60, 90, 120, 150].map(inDays)) =>
  [
    HEADER,
    `1,Share information early,Audit discharge letters,BHT,Audit reported,${bhtDates[0]}`,
    `1,,Brief ward staff,BHT,Staff briefed,${bhtDates[1]}`,
    `1,,Update the discharge policy,BHT,Policy published,${bhtDates[2]}`,
    `2,Hear the child,Train midwives,BHT,Midwives trained,${bhtDates[3]}`,
    `2,,Audit the training,BHT,Audit reported,${bhtDates[4]}`,
    `2,,Brief response officers,TVP,Officers briefed,${inDays(45)}`,
  ].join('\n');

const send = (path: string, reference: string, csv: string) =>
  stack
    .post(path, 'board')
    .field('reference', reference)
    .field('title', 'Imported plan')
    .field('policy', JSON.stringify(QUIET_POLICY))
    .attach('file', Buffer.from(csv), { filename: 'plan.csv', contentType: 'text/csv' });

const reviewCount = async () => (await stack.db.db.select({ n: count() }).from(reviews))[0].n;
const lead = (code: string) => EXAMPLE_AGENCIES.find((a) => a.code === code)!.leadEmail.toLowerCase();

describe('check before importing', () => {
  it('answers what the import would do, and creates nothing', async () => {
    const before = await reviewCount();
    const res = await send('/api/v1/reviews/import/check', 'IMP-CHECK', plan());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      reference: 'IMP-CHECK',
      recommendations: 2,
      actions: 6,
      firstDueOn: inDays(30),
      lastDueOn: inDays(150),
      mails: 2,
    });
    const bht = res.body.agencies.find((a: { code: string }) => a.code === 'BHT');
    expect(bht).toMatchObject({
      actions: 5,
      references: ['1.1', '1.2', '1.3', '2.1', '2.2'],
      firstDueOn: inDays(30),
      lastDueOn: inDays(150),
    });
    // The lead officer's address and the agency's users.
    expect(bht.mailTo).toEqual(expect.arrayContaining([lead('BHT'), 'owner@api.test']));
    expect(res.body.agencies.find((a: { code: string }) => a.code === 'TVP')).toMatchObject({
      actions: 1,
      references: ['2.3'],
    });
    expect(await reviewCount()).toBe(before);
    expect(
      (await stack.db.db.select({ n: count() }).from(reviews).where(eq(reviews.reference, 'IMP-CHECK')))[0].n,
    ).toBe(0);
  });

  it('refuses target dates before today by row and column, in the check and the import, creating nothing', async () => {
    const before = await reviewCount();
    const past = plan([inDays(30), '01/01/2020', inDays(90), inDays(-1), inDays(150)]);
    for (const path of ['/api/v1/reviews/import/check', '/api/v1/reviews/import']) {
      const res = await send(path, 'IMP-PAST', past);
      expect(res.status).toBe(400);
      const dates = (res.body.errors as { row?: number; column?: string; message: string }[]).filter(
        (e) => e.column === 'Target date',
      );
      expect(dates.map((e) => e.row)).toEqual([3, 5]);
      expect(dates[0].message).toMatch(/^01\/01\/2020 is in the past/);
    }
    // Today itself is allowed.
    const today = await send(
      '/api/v1/reviews/import/check',
      'IMP-TODAY',
      plan([inDays(0), ...[60, 90, 120, 150].map(inDays)]),
    );
    expect(today.status).toBe(200);
    expect(await reviewCount()).toBe(before);
  });

  it('refuses a reference already in use with a 409 naming the field', async () => {
    const created = await send('/api/v1/reviews/import', 'IMP-TAKEN', plan());
    expect(created.status).toBe(201);
    const res = await send('/api/v1/reviews/import/check', 'IMP-TAKEN', plan());
    expect(res.status).toBe(409);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'reference' })]);
  });
});

describe('one mail per agency for a whole import', () => {
  it('an import of five actions for one agency sends its lead exactly one mail with five calendar entries', async () => {
    const res = await send('/api/v1/reviews/import', 'IMP-MAIL', plan());
    expect(res.status).toBe(201);
    const reviewId: string = res.body.id;
    const mine = (ref: string) =>
      stack.catcher
        .list()
        .filter(
          (m) =>
            m.headers['x-notification-kind'] === 'assignment' &&
            (m.headers['x-action-ref'] ?? '').startsWith(`${ref} `),
        );
    const bhtMail = await stack.catcher.waitFor(
      (m) => m.headers['x-action-ref'] === 'IMP-MAIL 1.1, 1.2, 1.3, 2.1, 2.2',
      30_000,
    );
    await stack.catcher.waitFor((m) => m.headers['x-action-ref'] === 'IMP-MAIL 2.3', 30_000);
    // Every action's workflow has recorded its assignment (and so asked for its mail) before we count.
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      const [left] = (
        (await stack.db.db.execute(
          sql`select count(*)::int as n from actions where review_id = ${reviewId} and projected_seq < 1`,
        )) as unknown as { rows: { n: number }[] }
      ).rows;
      if (left.n === 0) break;
    }
    expect(mine('IMP-MAIL')).toHaveLength(2);
    expect(bhtMail.to.map((t) => t.toLowerCase())).toEqual(expect.arrayContaining([lead('BHT'), 'owner@api.test']));
    const calendars = bhtMail.attachments.filter((a) => a.contentType.startsWith('text/calendar'));
    expect(calendars.map((a) => a.filename)).toEqual([1.1, 1.2, 1.3, 2.1, 2.2].map((r) => `due-IMP-MAIL-${r}.ics`));
    expect(calendars.every((a) => /BEGIN:VEVENT[\s\S]*END:VEVENT/.test(a.content))).toBe(true);
    expect(bhtMail.subject).toContain('5 new actions for');
    for (const title of ['Audit discharge letters', 'Brief ward staff', 'Train midwives'])
      expect(bhtMail.text).toContain(title);
    // Plain words: no ISO timestamp and no "UTC".
    expect(bhtMail.text).not.toMatch(/\d{4}-\d{2}-\d{2}T|UTC/);

    // The outbox holds the two summaries, each sent once; no action has a mail of its own.
    const summaries = () =>
      stack.db.db
        .select()
        .from(notifications)
        .where(like(notifications.idempotencyKey, `import-${reviewId}:%`));
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200)))
      if ((await summaries()).every((r) => r.status === 'sent')) break;
    expect((await summaries()).map((r) => r.status)).toEqual(['sent', 'sent']);
    const ids = res.body.recommendations.flatMap((r: { actions: { id: string }[] }) => r.actions.map((a) => a.id));
    const own = await stack.db.db
      .select({ n: count() })
      .from(notifications)
      .where(and(inArray(notifications.actionId, ids), not(like(notifications.idempotencyKey, 'import-%'))));
    expect(own[0].n).toBe(0);
    // Each action's record lists the summary that told its agency.
    const detail = await stack.get(`/api/v1/actions/${ids[3]}`, 'board');
    expect(detail.body.notifications).toEqual([
      expect.objectContaining({ kind: 'assignment', status: 'sent', subject: bhtMail.subject }),
    ]);

    // An action added later is told on its own, as before.
    const admin = { userId: 'system', role: 'admin' as const, agencyId: null, name: 'admin' };
    const rec = res.body.recommendations[0];
    await addAction({ db: stack.db.db, client: stack.client, taskQueue: stack.taskQueue }, admin, rec.id, {
      agencyCode: 'BHT',
      title: 'Added later',
      dueDate: inDays(200),
    });
    const added = await stack.catcher.waitFor((m) => m.headers['x-action-ref'] === 'IMP-MAIL 1.4', 30_000);
    expect(added.attachments.map((a) => a.filename)).toEqual(['due-date.ics']);
    const [row] = await stack.db.db
      .select()
      .from(actions)
      .where(and(eq(actions.reviewId, reviewId), eq(actions.reference, '1.4')));
    expect(row.assignmentMailKey).toBeNull();
  });
});

describe('the summary mail while the mail server is away', () => {
  it('waits, is retried by the one member that sends it, and goes exactly once per agency when the server is back', async () => {
    await stack.catcher.stop();
    const res = await send('/api/v1/reviews/import', 'IMP-DOWN', plan());
    expect(res.status).toBe(201);
    const reviewId: string = res.body.id;
    const summaries = () =>
      stack.db.db
        .select()
        .from(notifications)
        .where(like(notifications.idempotencyKey, `import-${reviewId}:%`));
    // Both summaries stored and their sends retried while the relay is down; nothing stored per action.
    let failing = await summaries();
    for (const until = Date.now() + 60_000; Date.now() < until; await new Promise((r) => setTimeout(r, 300))) {
      failing = await summaries();
      if (failing.length === 2 && failing.every((r) => r.attempts >= 2 && r.status !== 'sent')) break;
    }
    expect(failing.map((r) => ({ status: r.status, retried: r.attempts >= 2 }))).toEqual([
      { status: 'pending', retried: true },
      { status: 'pending', retried: true },
    ]);
    await stack.catcher.start();
    await stack.catcher.waitFor((m) => m.headers['x-action-ref'] === 'IMP-DOWN 1.1, 1.2, 1.3, 2.1, 2.2', 60_000);
    await stack.catcher.waitFor((m) => m.headers['x-action-ref'] === 'IMP-DOWN 2.3', 60_000);
    for (const until = Date.now() + 30_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200)))
      if ((await summaries()).every((r) => r.status === 'sent')) break;
    expect((await summaries()).map((r) => r.status)).toEqual(['sent', 'sent']);
    const ids = res.body.recommendations.flatMap((r: { actions: { id: string }[] }) => r.actions.map((a) => a.id));
    const own = await stack.db.db
      .select({ n: count() })
      .from(notifications)
      .where(and(inArray(notifications.actionId, ids), not(like(notifications.idempotencyKey, 'import-%'))));
    expect(own[0].n).toBe(0);
    const caught = stack.catcher
      .list()
      .filter(
        (m) => m.headers['x-notification-kind'] === 'assignment' && m.headers['x-action-ref']?.startsWith('IMP-DOWN '),
      );
    expect(caught).toHaveLength(2);
  });
});
