/**
 * Issue 20's pages in Chromium on the real stack, each checked with axe-core: the chair's
 * escalation queue and a challenge sent from it, an inspector reading an action (no forms shown)
 * and the queue, and the board reading the inspectors' access log.
 */
import { eq } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { createReview } from '../../api/use-cases/reviews';
import { dueOn } from '../../lib/board-time';
import { escalations, inspectorReads, users } from '../../db/schema';
import { shot, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

const CHAIR = 'chair@board.example';
const INSPECTOR = 'inspector@jtai.example';
const BOARD = 'business.manager@board.example';

let stack: WebStack;
let actionId: string;

beforeAll(async () => {
  stack = await startWebStack('webchair');
  const { db } = stack.db;
  await db.insert(users).values({ name: 'Independent Chair', email: CHAIR, role: 'chair' });
  const { review } = await createReview({ db, client: stack.client, taskQueue: stack.taskQueue }, stack.adminActor, {
    reference: 'SCR-CHAIR',
    title: 'Review the chair follows',
    policy: {
      acknowledgeWithin: 'PT1S',
      remindBefore: [],
      overdueReminderEvery: 'P30D',
      escalateAfterOverdue: ['P30D'],
      stallAfter: 'P30D',
      boardDecisionWithin: 'P30D',
    },
    recommendations: [
      {
        number: '1',
        text: 'Agencies acknowledge promptly',
        actions: [
          { agencyCode: 'TVP', title: 'Name a lead', dueDate: new Date(Date.now() + 60 * 86_400_000).toISOString() },
        ],
      },
    ],
  });
  actionId = review.recommendations[0].actions[0].id;
  for (let i = 0; ; i++) {
    const [e] = await db.select().from(escalations).where(eq(escalations.actionId, actionId));
    if (e) break;
    if (i > 150) throw new Error('no escalation');
    await new Promise((r) => setTimeout(r, 200));
  }
});
afterAll(() => stack?.stop());

it('the chair sees the queue and sends a challenge from it', async () => {
  const ctx = await stack.browser.newContext();
  const page: Page = await signIn(stack, ctx, CHAIR);
  await page.getByRole('link', { name: 'Escalations' }).click();
  await page.getByRole('heading', { name: 'Escalations' }).waitFor();
  await shot(page, 'chair-queue');
  await page.getByText('Record a step on SCR-CHAIR 1.1').click();
  await shot(page, 'chair-queue-forms');
  await page.getByLabel('Challenge').fill('Who leads this for the police?');
  await page.getByLabel('Send it to').selectOption('senior');
  await page.getByRole('button', { name: 'Send the challenge' }).click();
  await page.getByRole('status').waitFor();
  await page.getByText('Who leads this for the police?').waitFor();
  await shot(page, 'chair-queue-after-challenge');
  await stack.catcher.waitFor((m) => m.headers['x-notification-kind'] === 'chair_challenge', 30_000);
  await ctx.close();
});

it('a refused step comes back open, with the problem beside its field and the error summary linking to it', async () => {
  const ctx = await stack.browser.newContext();
  const page: Page = await signIn(stack, ctx, CHAIR);
  await page.goto(`${stack.baseUrl}/escalations`);
  const [open] = await stack.db.db.select().from(escalations).where(eq(escalations.actionId, actionId));
  await page.getByText('Record a step on SCR-CHAIR 1.1').click();
  // Only spaces: the browser's `required` lets it through, the API's rule does not.
  await page.getByLabel("The agency's response").fill('   ');
  await page.getByRole('button', { name: 'Record the response' }).click();
  const field = page.locator(`#re-text-${open.id}`);
  await field.waitFor();
  expect(await field.getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator(`#re-text-${open.id}-error`).textContent()).toMatch(/write the response/);
  expect(await field.isVisible()).toBe(true);
  const summaryLink = page.locator(`a[href="#re-text-${open.id}"]`);
  expect(await summaryLink.count()).toBe(1);
  await shot(page, 'chair-queue-step-refused');
  await ctx.close();
});

it('"Raise it again on" is three boxes: an impossible day is refused beside them and kept, a real one re-times', async () => {
  const ctx = await stack.browser.newContext();
  const page: Page = await signIn(stack, ctx, CHAIR);
  await page.goto(`${stack.baseUrl}/escalations`);
  const [open] = await stack.db.db.select().from(escalations).where(eq(escalations.actionId, actionId));
  const box = (p: string) => page.locator(`#rt-until-${open.id}-${p}`);
  await page.getByText('Record a step on SCR-CHAIR 1.1').click();
  expect(await page.locator(`main input[type=date]`).count()).toBe(0);
  await box('day').fill('31');
  await box('month').fill('2');
  await box('year').fill('2031');
  await page.getByRole('button', { name: 'Re-time the escalation' }).click();
  await page.locator(`#rt-until-${open.id}-error`).waitFor();
  expect(await page.locator(`#rt-until-${open.id}-error`).innerText()).toContain(
    'The day to raise it again must be a real date',
  );
  expect(await box('day').getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator(`a[href="#rt-until-${open.id}-day"]`).count()).toBe(1);
  expect([await box('day').inputValue(), await box('month').inputValue(), await box('year').inputValue()]).toEqual([
    '31',
    '2',
    '2031',
  ]);
  const [still] = await stack.db.db.select().from(escalations).where(eq(escalations.id, open.id));
  expect(still.retimedUntil).toBeNull();
  await shot(page, 'chair-queue-retime-refused');

  await box('day').fill('3');
  await box('month').fill('3');
  await page.getByRole('button', { name: 'Re-time the escalation' }).click();
  await page.getByRole('status').waitFor();
  const [retimed] = await stack.db.db.select().from(escalations).where(eq(escalations.id, open.id));
  expect(retimed.retimedUntil && dueOn(retimed.retimedUntil)).toBe('2031-03-03');
  await ctx.close();
});

it('an inspector reads an action without forms, and the board reads the access log', async () => {
  const ctx = await stack.browser.newContext();
  const page = await signIn(stack, ctx, INSPECTOR);
  await page.goto(`${stack.baseUrl}/actions/${actionId}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  expect(await page.locator('main form').count()).toBe(0);
  await shot(page, 'inspector-action');
  await page.goto(`${stack.baseUrl}/escalations`);
  await shot(page, 'inspector-queue');
  const [inspector] = await stack.db.db.select().from(users).where(eq(users.email, INSPECTOR));
  const logged = await stack.db.db.select().from(inspectorReads).where(eq(inspectorReads.userId, inspector.id));
  expect(logged.map((r) => r.path)).toEqual(expect.arrayContaining([`/actions/${actionId}`, '/escalations']));
  await ctx.close();

  const boardCtx = await stack.browser.newContext();
  const board = await signIn(stack, boardCtx, BOARD);
  await board.getByRole('link', { name: 'Inspector access' }).click();
  await board.getByRole('heading', { name: 'Inspector access log' }).waitFor();
  await board.getByText(`/actions/${actionId}`).first().waitFor();
  await shot(board, 'inspector-access-log');
  await boardCtx.close();
});
