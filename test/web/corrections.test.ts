/**
 * Issue 22 item 9: the board's corrections in Chromium on the real stack, with axe-core on every
 * new page and a screenshot of each: a due date typed in day/month/year boxes (an empty one shown
 * as an error beside the field), wording, a move to another agency through its check page, an
 * action added to a recommendation, a review withdrawn through its check page; and the old
 * agency's page of its own evidence on the moved action.
 */
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { acknowledgeAction, decideAction, submitEvidence } from '../../api/use-cases/actions';
import { createReview } from '../../api/use-cases/reviews';
import { actions, agencies, auditEvents, reviews, users } from '../../db/schema';
import { formatDay } from '../../lib/board-time';
import type { Actor } from '../../workflows/types';
import { shot, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

const BOARD = 'business.manager@board.example';
const BHT = 'safeguarding.lead@bht.example';
const day = 86_400_000;

let stack: WebStack;
let baseUrl: string;
let ctx: BrowserContext;
let board: Page;
let reviewId: string;
let moveId: string;
let dateId: string;

beforeAll(async () => {
  stack = await startWebStack('webcorr');
  baseUrl = stack.baseUrl;
  const { db } = stack.db;
  const { review } = await createReview({ db, client: stack.client, taskQueue: stack.taskQueue }, stack.adminActor, {
    reference: 'CSPR-CHILD-R',
    title: 'Child Safeguarding Practice Review: Child R',
    policy: {
      acknowledgeWithin: 'P30D',
      remindBefore: ['P7D'],
      overdueReminderEvery: 'P30D',
      escalateAfterOverdue: ['P30D'],
      stallAfter: 'P30D',
      boardDecisionWithin: 'P30D',
    },
    recommendations: [
      {
        number: '1',
        text: 'Agencies should share information at discharge.',
        actions: [
          {
            agencyCode: 'BHT',
            title: 'Set up the MASH refferal route',
            dueDate: new Date(Date.now() + 20 * day).toISOString(),
          },
          {
            agencyCode: 'TVP',
            title: 'Brief the response officers',
            dueDate: new Date(Date.now() + 30 * day).toISOString(),
          },
        ],
      },
    ],
  });
  reviewId = review.id;
  [moveId, dateId] = review.recommendations[0].actions.map((a) => a.id);

  // BHT sends evidence; the board asks for changes: it is with BHT again, and BHT's evidence is on record.
  const [bht] = await db.select().from(agencies).where(eq(agencies.code, 'BHT'));
  const [lead] = await db.select().from(users).where(eq(users.email, BHT));
  const [member] = await db.select().from(users).where(eq(users.email, BOARD));
  const deps = { db, client: stack.client, taskQueue: stack.taskQueue };
  const bhtActor: Actor = { userId: lead.id, role: 'agency', agencyId: bht.id, name: lead.name };
  await acknowledgeAction(deps, bhtActor, moveId);
  await submitEvidence(deps, bhtActor, moveId, { statement: 'We drafted the route with the hospital discharge team.' });
  await decideAction(deps, { userId: member.id, role: 'board', agencyId: null, name: member.name }, moveId, {
    outcome: 'request_changes',
    comment: 'This belongs with the council',
  });
  ctx = await stack.browser.newContext({ viewport: { width: 1100, height: 900 } });
  board = await signIn(stack, ctx, BOARD);
});

afterAll(async () => {
  await ctx?.close();
  await stack?.stop();
});

test('the due date: typed as day, month and year, refused when empty, corrected with the old date kept', async () => {
  await board.goto(`${baseUrl}/actions/${dateId}`);
  await board.getByRole('link', { name: /Correct the due date, the wording or the agency/ }).click();
  await board.getByRole('heading', { name: 'Correct action CSPR-CHILD-R 1.2' }).waitFor();
  await shot(board, 'corrections-action');

  await board.getByLabel('Why the date was wrong').fill('The plan agreed the end of the quarter');
  await board.getByRole('button', { name: 'Correct the due date' }).click();
  await board.getByText('Enter the new due date').first().waitFor();
  await shot(board, 'corrections-due-date-error');
  expect(await board.getByLabel('Day').getAttribute('aria-invalid')).toBe('true');

  const target = new Date(Date.now() + 75 * day);
  // Keyboard only: into the day box, then Tab through month and year.
  await board.getByLabel('Day').focus();
  await board.keyboard.type(String(target.getUTCDate()));
  await board.keyboard.press('Tab');
  await board.keyboard.type(String(target.getUTCMonth() + 1));
  await board.keyboard.press('Tab');
  await board.keyboard.type(String(target.getUTCFullYear()));
  await board.getByRole('button', { name: 'Correct the due date' }).click();
  await board.getByText('Due date corrected.').waitFor();
  const iso = target.toISOString().slice(0, 10);
  await board.getByText(`Due date corrected by the board: due ${formatDay(iso)}`).waitFor();
  await shot(board, 'corrections-due-date-done');
  const [row] = await stack.db.db.select().from(actions).where(eq(actions.id, dateId));
  expect(formatDay(row.dueDate)).toBe(formatDay(iso));
  expect(row.extensionCount).toBe(0);
});

test('the wording: saved, with the words before and after in the timeline', async () => {
  await board.goto(`${baseUrl}/actions/${moveId}/correct`);
  await board.getByLabel('Title').fill('Set up the MASH referral route');
  await board.getByLabel('Why the wording changed (optional)').fill('Spelling');
  await board.getByRole('button', { name: 'Save the wording' }).click();
  await board.getByText('Wording saved.').waitFor();
  await board.getByRole('heading', { name: /1\.1: Set up the MASH referral route/ }).waitFor();
  await board.getByText('Set up the MASH refferal route').first().waitFor();
});

test('moving the action to another agency goes through a check page; the old agency keeps its own evidence', async () => {
  await board.goto(`${baseUrl}/actions/${moveId}/correct`);
  await board.getByLabel(/Children's Social Care \(BCC\)/).check();
  await board.getByRole('button', { name: 'Continue' }).click();
  await board.getByRole('heading', { name: /Move action 1\.1 to Buckinghamshire County Council/ }).waitFor();
  await shot(board, 'corrections-move-check');
  await board.getByRole('button', { name: 'Move action 1.1 to BCC' }).click();
  await board.getByText('Action moved.').waitFor();
  await board.getByText('Moved to another agency: from BHT to BCC').waitFor();
  await stack.catcher.waitFor(
    (m) => m.to.includes('safeguarding.lead@bcc.example') && m.headers['x-action-ref'] === 'CSPR-CHILD-R 1.1',
  );

  const bhtCtx = await stack.browser.newContext({ viewport: { width: 1000, height: 800 } });
  try {
    const bht = await signIn(stack, bhtCtx, BHT);
    const gone = await bht.goto(`${baseUrl}/actions/${moveId}`);
    expect(gone?.status()).toBe(404);
    await bht.goto(`${baseUrl}/`);
    await bht.getByRole('link', { name: 'Evidence you sent on actions the board moved to another agency' }).click();
    await bht.getByText('We drafted the route with the hospital discharge team.').waitFor();
    await bht.getByText(/Now with Buckinghamshire County Council/).waitFor();
    await shot(bht, 'corrections-moved-evidence');
  } finally {
    await bhtCtx.close();
  }
});

test('adding an action to a recommendation, then withdrawing the review through its check page', async () => {
  await board.goto(`${baseUrl}/reviews/${reviewId}`);
  await board.getByRole('link', { name: 'Correct, add an action or withdraw this review' }).click();
  await board.getByRole('heading', { name: 'Correct the CSPR-CHILD-R review' }).waitFor();
  await board.getByText('Add an action to recommendation 1').click();
  await shot(board, 'corrections-review');
  const due = new Date(Date.now() + 50 * day);
  await board.getByLabel('Lead agency').selectOption('CCG');
  await board.getByLabel('Action', { exact: true }).fill('Brief GP practices on discharge information');
  await board.locator(`input[name$="-day"][name^="due-"]`).fill(String(due.getUTCDate()));
  await board.locator(`input[name$="-month"][name^="due-"]`).fill(String(due.getUTCMonth() + 1));
  await board.locator(`input[name$="-year"][name^="due-"]`).fill(String(due.getUTCFullYear()));
  await board.getByRole('button', { name: 'Add the action and tell the agency' }).click();
  await board.getByText('Action added.').waitFor();
  await board.getByText('Brief GP practices on discharge information').waitFor();
  await stack.catcher.waitFor(
    (m) => m.to.includes('designated.nurse@ccg.example') && m.headers['x-action-ref'] === 'CSPR-CHILD-R 1.3',
  );

  await board.getByRole('link', { name: 'Correct, add an action or withdraw this review' }).click();
  await board.getByRole('button', { name: 'Continue' }).click();
  await board.getByText('Give the reason for withdrawing the review').first().waitFor();
  await shot(board, 'corrections-withdraw-error');
  await board.getByLabel('Reason for withdrawing').fill('Entered twice: the review is CSPR-CHILD-R2');
  await board.getByRole('button', { name: 'Continue' }).click();
  await board.getByRole('heading', { name: 'Withdraw the CSPR-CHILD-R review?' }).waitFor();
  await shot(board, 'corrections-withdraw-check');
  await board.getByRole('button', { name: 'Withdraw CSPR-CHILD-R and cancel 3 actions' }).click();
  await board.getByText('Review withdrawn.').waitFor();
  await board.getByText('Withdrawn by the board').waitFor();
  await shot(board, 'corrections-withdrawn');
  const [r] = await stack.db.db.select().from(reviews).where(eq(reviews.id, reviewId));
  expect(r.status).toBe('withdrawn');
  const withdrawn = await stack.db.db.select().from(auditEvents).where(eq(auditEvents.reviewId, reviewId));
  expect(withdrawn.find((e) => e.type === 'review_withdrawn')?.payload).toMatchObject({
    reason: 'Entered twice: the review is CSPR-CHILD-R2',
  });
});
