/**
 * Issue 22 in Chromium on the real stack: a review with every outcome (implemented, not
 * implemented, cancelled, open with an approved extension). The statement page is ordered by
 * reference with a summary per agency and overall, never calls a cancelled or not-implemented
 * action "Complete", and shows the revised date; the action page keeps the extension's reason and
 * interim measures and its timeline says "Extension approved: due … (was …)"; the dashboard
 * counts each ending apart; the board's mail for the extension request reads as plain English.
 * axe-core on every page; screenshots in test-artifacts/screenshots/.
 */
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import {
  acknowledgeAction,
  cancelAction,
  decideAction,
  decideExtension,
  requestExtension,
  submitEvidence,
} from '../../api/use-cases/actions';
import { createReview } from '../../api/use-cases/reviews';
import { agencies, users } from '../../db/schema';
import { formatDay } from '../../lib/board-time';
import type { Actor } from '../../workflows/types';
import { shot, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

const BOARD = 'business.manager@board.example';
const day = 86_400_000;

let stack: WebStack;
let ctx: BrowserContext;
let page: Page;
let reviewId: string;
const ids: Record<string, string> = {};
let oldDue: string;
let newDue: string;

beforeAll(async () => {
  stack = await startWebStack('webhonest');
  const { db } = stack.db;
  const actorOf = async (email: string): Promise<Actor> => {
    const [u] = await db.select().from(users).where(eq(users.email, email));
    return { userId: u.id, role: u.role, agencyId: u.agencyId, name: u.name };
  };
  const tvp = await actorOf('safeguarding.lead@tvp.example');
  const bht = await actorOf('safeguarding.lead@bht.example');
  const board = await actorOf(BOARD);
  const [bhtAgency] = await db.select().from(agencies).where(eq(agencies.code, 'BHT'));
  expect(bhtAgency).toBeDefined();
  const due = (days: number) => new Date(Date.now() + days * day).toISOString();
  const { review } = await createReview({ db, client: stack.client, taskQueue: stack.taskQueue }, stack.adminActor, {
    reference: 'SCR-HONEST',
    title: 'Serious Case Review: Child H',
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
        text: 'Agencies must hear the child.',
        actions: [
          // Due soonest, but 1.2 and 1.10 must still read after 1.1 on the statement.
          { agencyCode: 'TVP', title: 'Train officers to hear the child', dueDate: due(40) },
          { agencyCode: 'TVP', title: 'Audit voice of the child in reports', dueDate: due(10) },
          { agencyCode: 'BHT', title: 'Add the child’s words to health records', dueDate: due(30) },
          { agencyCode: 'BHT', title: 'Run a pilot clinic', dueDate: due(20) },
        ],
      },
    ],
  });
  reviewId = review.id;
  const [a1, a2, a3, a4] = review.recommendations[0].actions;
  Object.assign(ids, { implemented: a1.id, notImplemented: a2.id, extended: a3.id, cancelled: a4.id });
  const deps = { db, client: stack.client, taskQueue: stack.taskQueue };

  await acknowledgeAction(deps, tvp, a1.id);
  await submitEvidence(deps, tvp, a1.id, { statement: 'All officers trained; register attached.' });
  await decideAction(deps, board, a1.id, { outcome: 'approve', comment: 'Thank you' });

  await acknowledgeAction(deps, tvp, a2.id);
  await submitEvidence(deps, tvp, a2.id, { statement: 'We could not fund the audit.' });
  await decideAction(deps, board, a2.id, {
    outcome: 'close_not_implemented',
    comment: 'The audit team was disbanded in the merger.',
  });

  const before = await acknowledgeAction(deps, bht, a3.id);
  oldDue = before.dueDate;
  newDue = new Date(Date.parse(oldDue) + 30 * day).toISOString();
  const { requestId } = await requestExtension(deps, bht, a3.id, {
    newDueDate: newDue,
    reason: 'The records system is being replaced in the spring.',
    interimMeasures: 'Named nurses add the child’s words to the paper notes meanwhile.',
  });
  await decideExtension(deps, board, a3.id, requestId, { outcome: 'approve', comment: 'Agreed for one month.' });

  await cancelAction(deps, board, a4.id, { reason: 'Superseded by the national pilot.' });

  ctx = await stack.browser.newContext({ viewport: { width: 1200, height: 900 } });
  page = await signIn(stack, ctx, BOARD);
});

afterAll(async () => {
  await ctx?.close();
  await stack?.stop();
});

it('the statement: by reference, a summary per agency and overall, each ending in words, the revised date', async () => {
  await page.goto(`${stack.baseUrl}/reviews/${reviewId}/statement`);
  await page.getByRole('heading', { name: 'Summary' }).waitFor();
  const text = await page.locator('main').innerText();
  expect(text).not.toMatch(/\bComplete\b/);
  expect(text).toContain('4 actions across 2 agencies: 1 implemented, 1 not implemented, 1 cancelled, 1 open.');
  const summaryRows = await page.locator('table.summary tbody tr').allInnerTexts();
  expect(summaryRows.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
    'Thames Valley Police 2 1 1 0 0',
    expect.stringMatching(/^.+ 2 0 0 1 1$/),
    'All agencies 4 1 1 1 1',
  ]);
  const refs = await page.locator('table.statement td[data-label="Ref."]').allInnerTexts();
  expect(refs).toEqual(['1.1', '1.2', '1.3', '1.4']);
  const row = (id: string) => page.locator(`tr[data-action-id="${id}"]`);
  await expect(row(ids.implemented).innerText()).resolves.toContain('Implemented');
  await expect(row(ids.notImplemented).innerText()).resolves.toContain('Not implemented');
  await expect(row(ids.notImplemented).innerText()).resolves.toContain('disbanded in the merger');
  await expect(row(ids.cancelled).innerText()).resolves.toContain('Cancelled');
  await expect(row(ids.cancelled).innerText()).resolves.toContain('Superseded by the national pilot.');
  await expect(row(ids.cancelled).innerText()).resolves.not.toContain('No accepted statement yet');
  await expect(row(ids.extended).innerText()).resolves.toContain(`(revised from ${formatDay(oldDue)})`);
  await expect(row(ids.extended).innerText()).resolves.toContain('paper notes meanwhile');
  await shot(page, 'issue22-statement-every-outcome');
});

it('the action page keeps the extension on record; the timeline says what moved', async () => {
  await page.goto(`${stack.baseUrl}/actions/${ids.extended}`);
  await page.getByRole('heading', { name: 'Requests for more time' }).waitFor();
  const text = await page.locator('main').innerText();
  expect(text).toContain(`Extension approved: due ${formatDay(newDue)} (was ${formatDay(oldDue)})`);
  expect(text).toContain(`Extension requested: to ${formatDay(newDue)} (due ${formatDay(oldDue)})`);
  expect(text).toContain('Named nurses add the child’s words to the paper notes meanwhile.');
  expect(text).toContain('Agreed for one month.');
  expect(text).not.toMatch(/rejected|approved: implemented/);
  await shot(page, 'issue22-action-extension-record');

  await page.goto(`${stack.baseUrl}/actions/${ids.cancelled}`);
  await expect(page.locator('dl.facts').innerText()).resolves.toMatch(/RAG\s+–?\s*Cancelled/);
  await shot(page, 'issue22-action-cancelled');
});

it('the dashboard counts each ending apart', async () => {
  await page.goto(`${stack.baseUrl}/dashboard`);
  const cards = (await page.locator('ul.cards').innerText()).replace(/\s+/g, ' ');
  expect(cards).toContain('1 Implemented');
  expect(cards).toContain('1 Closed as not implemented');
  expect(cards).toContain('1 Cancelled');
  await shot(page, 'issue22-dashboard-results');
  // Developer tools are for admins only.
  const nav = await page.getByRole('navigation', { name: 'Main' }).innerText();
  expect(nav).not.toMatch(/Temporal UI|Mail inbox/);

  // Each tile and each count leads to the list it counts.
  await page
    .getByRole('link', { name: /Cancelled/ })
    .first()
    .click();
  await page.waitForURL(/\/actions\?result=cancelled$/);
  const listed = await page.locator('main table').innerText();
  expect(listed).toContain('SCR-HONEST 1.4');
  expect(listed).not.toContain('SCR-HONEST 1.1');
  expect(await page.getByLabel('How it ended').inputValue()).toBe('cancelled');
  await shot(page, 'issue22-actions-filtered-cancelled');
  await page.goto(`${stack.baseUrl}/dashboard`);
  await page.getByRole('link', { name: '1 Not implemented for TVP' }).click();
  await page.waitForURL(/agency=TVP&result=not_implemented/);
  expect(await page.locator('main table').innerText()).toContain('SCR-HONEST 1.2');
});

it("the board's mail for the extension request, as the inbox shows it", async () => {
  const mail = await stack.catcher.waitFor((m) => m.headers['x-notification-kind'] === 'extension_requested', 20_000);
  expect(mail.to).toContain(BOARD);
  expect(mail.text).toContain('asks to move the due date of action 1.3');
  expect(mail.text).toContain(`from ${formatDay(oldDue)} to ${formatDay(newDue)}`);
  expect(mail.text).not.toMatch(/\d{4}-\d{2}-\d{2}|UTC/);
  await page.goto(`${stack.baseUrl}/mail/${mail.id}`);
  await shot(page, 'issue22-mail-extension-requested');
});
