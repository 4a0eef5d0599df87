/**
 * Issue 22, items 7 and 8 in Chromium: approving, closing as not implemented and cancelling ask
 * first on a page of their own (nothing changes until confirmed; "Change my answer" keeps what was
 * typed), the board reopens a cancelled action with a reason, the agency withdraws evidence and a
 * request for more time, the evidence comes before the decision form, and after a decision the
 * next action awaiting sign-off is offered. axe-core on every new page; screenshots of each.
 */
import { eq } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { acknowledgeAction, requestExtension, submitEvidence } from '../../api/use-cases/actions';
import { createReview } from '../../api/use-cases/reviews';
import { actions, agencies, users } from '../../db/schema';
import type { Actor } from '../../workflows/types';
import { shot, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

const BOARD = 'business.manager@board.example';
const TVP = 'safeguarding.lead@tvp.example';
const day = 86_400_000;

let stack: WebStack;
let baseUrl: string;
let boardCtx: BrowserContext;
let board: Page;
/** approve: evidence waiting; close: evidence waiting; cancel: in progress; withdraw: evidence waiting. */
let ids: { approve: string; cancel: string; close: string; withdraw: string };
let agencyActor: Actor;

const statusOf = async (id: string) =>
  (await stack.db.db.select({ status: actions.status }).from(actions).where(eq(actions.id, id)))[0].status;

beforeAll(async () => {
  stack = await startWebStack('webconfirm');
  baseUrl = stack.baseUrl;
  const { db } = stack.db;
  const deps = { db, client: stack.client, taskQueue: stack.taskQueue };
  const { review } = await createReview(deps, stack.adminActor, {
    reference: 'SCR-CHILD-R',
    title: 'Serious Case Review: Child R',
    publishedOn: '2026-06-01',
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
        text: 'Agencies share information about unborn children at risk.',
        actions: [
          {
            agencyCode: 'TVP',
            title: 'Audit pre-birth referrals',
            dueDate: new Date(Date.now() + 40 * day).toISOString(),
          },
          {
            agencyCode: 'TVP',
            title: 'Brief response officers',
            dueDate: new Date(Date.now() + 50 * day).toISOString(),
          },
          {
            agencyCode: 'TVP',
            title: 'Update the police protocol',
            dueDate: new Date(Date.now() + 60 * day).toISOString(),
          },
          {
            agencyCode: 'TVP',
            title: 'Train the control room',
            dueDate: new Date(Date.now() + 70 * day).toISOString(),
          },
        ],
      },
    ],
  });
  const [a, b, c, d] = review.recommendations[0].actions.map((x) => x.id);
  ids = { approve: a, cancel: b, close: c, withdraw: d };
  const [tvp] = await db.select().from(agencies).where(eq(agencies.code, 'TVP'));
  const [lead] = await db.select().from(users).where(eq(users.email, TVP));
  agencyActor = { userId: lead.id, role: 'agency', agencyId: tvp.id, name: lead.name };
  for (const id of [a, b, c, d]) await acknowledgeAction(deps, agencyActor, id);
  for (const [id, statement] of [
    [a, 'All 40 referrals audited; 38 shared within five days.'],
    [c, 'The protocol was drafted but not adopted.'],
    [d, 'Draft training plan, to be corrected.'],
  ] as const)
    await submitEvidence(deps, agencyActor, id, { statement });
  boardCtx = await stack.browser.newContext();
  board = await signIn(stack, boardCtx, BOARD);
});
afterAll(async () => {
  await boardCtx?.close();
  await stack?.stop();
});

it('the evidence comes before the decision form; approving asks first, and the next action awaiting sign-off is offered', async () => {
  await board.goto(`${baseUrl}/actions/${ids.approve}`);
  const evidence = board.getByRole('heading', { name: 'Evidence', exact: true });
  const decide = board.getByRole('heading', { name: 'Decide on the evidence' });
  expect((await evidence.boundingBox())!.y).toBeLessThan((await decide.boundingBox())!.y);
  // GOV.UK-size radios beside their labels: the radio and its label share a line.
  const radio = board.locator('#outcome-approve');
  const label = board.locator('label[for=outcome-approve]');
  const [r, l] = [(await radio.boundingBox())!, (await label.boundingBox())!];
  expect(r.width).toBeGreaterThanOrEqual(32);
  expect(l.x).toBeGreaterThan(r.x + r.width - 1);
  expect(Math.abs(l.y - r.y)).toBeLessThan(r.height);
  await shot(board, 'i22-31-board-signoff-evidence-first');

  await board.getByLabel(/Approve: implemented/).check();
  await board.getByLabel('Comment').fill('Good audit: thank you.');
  await board.getByRole('button', { name: 'Record decision' }).click();
  await board.getByRole('heading', { name: 'Approve the evidence and close action 1.1?' }).waitFor();
  expect(await statusOf(ids.approve)).toBe('under_review');
  await shot(board, 'i22-32-board-confirm-approve');

  // "Change my answer": the form comes back as typed; nothing changed.
  await board.getByRole('button', { name: 'Change my answer' }).click();
  await decide.waitFor();
  expect(await board.locator('#outcome-approve').isChecked()).toBe(true);
  expect(await board.getByLabel('Comment').inputValue()).toBe('Good audit: thank you.');
  expect(await statusOf(ids.approve)).toBe('under_review');

  await board.getByRole('button', { name: 'Record decision' }).click();
  await board.getByRole('button', { name: 'Approve and close action 1.1' }).click();
  await board.getByText('Decision recorded.').waitFor();
  expect(await statusOf(ids.approve)).toBe('closed');
  const next = board.getByRole('link', { name: /^Next awaiting sign-off: SCR-CHILD-R 1\.[34]$/ });
  await next.waitFor();
  await shot(board, 'i22-33-board-next-awaiting-sign-off');
  await next.click();
  await board.getByRole('heading', { name: 'Decide on the evidence' }).waitFor();
});

it('closing as not implemented asks first, with the reason shown', async () => {
  await board.goto(`${baseUrl}/actions/${ids.close}`);
  await board.getByLabel(/Close as not implemented/).check();
  await board.getByLabel('Comment').fill('The protocol was never adopted by the force.');
  await board.getByRole('button', { name: 'Record decision' }).click();
  await board.getByRole('heading', { name: 'Close action 1.3?' }).waitFor();
  expect(await board.locator('dl.confirm').innerText()).toContain('The protocol was never adopted by the force.');
  expect(await statusOf(ids.close)).toBe('under_review');
  await shot(board, 'i22-34-board-confirm-close-not-implemented');
  await board.getByRole('button', { name: 'Close action 1.3 as not implemented' }).click();
  await board.getByText('Decision recorded.').waitFor();
  expect(await statusOf(ids.close)).toBe('closed');
});

it('cancelling asks "Cancel action 1.2 permanently"; the board then reopens it with a reason', async () => {
  await board.goto(`${baseUrl}/actions/${ids.cancel}`);
  await board.getByText('Cancel this action').click();
  await board.getByLabel('Reason for cancelling').fill('Duplicates action 1.1.');
  await board.getByRole('button', { name: 'Continue to cancel' }).click();
  await board.getByRole('heading', { name: 'Cancel action 1.2?' }).waitFor();
  expect(await statusOf(ids.cancel)).toBe('in_progress');
  await shot(board, 'i22-35-board-confirm-cancel');
  // The confirming form carries the CSRF token and the reason typed.
  expect(await board.locator('form.confirm-form input[name=_csrf]').count()).toBe(1);
  expect(await board.locator('form.confirm-form input[name=reason]').inputValue()).toBe('Duplicates action 1.1.');
  await board.getByRole('button', { name: 'Cancel action 1.2 permanently' }).click();
  await board.getByText('Action cancelled.').waitFor();
  expect(await statusOf(ids.cancel)).toBe('cancelled');

  // Reopen: a blank reason is refused beside its field, nothing changes.
  await board.getByText('Reopen this action').click();
  const csrf = await board.locator('form[action$="/reopen"] input[name=_csrf]').getAttribute('value');
  const blank = await board.request.post(`${baseUrl}/actions/${ids.cancel}/reopen`, {
    form: { _csrf: csrf!, reason: '  ' },
    maxRedirects: 0,
  });
  expect(blank.status()).toBe(400);
  expect(await blank.text()).toContain('Give the reason for reopening');
  expect(await statusOf(ids.cancel)).toBe('cancelled');

  await board.getByLabel('Reason for reopening').fill('It is not a duplicate: 1.1 covers referrals only.');
  // Issue 22: the optional new due date is three boxes; an impossible day is refused beside them,
  // in the summary, and what was typed is kept.
  const box = (p: string) => board.locator(`#newDueDate-${p}`);
  expect(await board.locator('main input[type=date]').count()).toBe(0);
  await box('day').fill('30');
  await box('month').fill('2');
  await box('year').fill('2031');
  await shot(board, 'i22-36-board-reopen-form');
  await board.getByRole('button', { name: 'Reopen action 1.2' }).click();
  await board.locator('#newDueDate-error').waitFor();
  expect(await board.locator('#newDueDate-error').innerText()).toContain('The new due date must be a real date');
  expect(await board.locator('a[href="#newDueDate-day"]').count()).toBe(1);
  expect(await box('day').getAttribute('aria-invalid')).toBe('true');
  expect(await board.getByLabel('Reason for reopening').inputValue()).toBe(
    'It is not a duplicate: 1.1 covers referrals only.',
  );
  expect([await box('day').inputValue(), await box('month').inputValue(), await box('year').inputValue()]).toEqual([
    '30',
    '2',
    '2031',
  ]);
  expect(await statusOf(ids.cancel)).toBe('cancelled');
  await shot(board, 'i22-36b-board-reopen-refused');
  await box('day').fill('3');
  await box('month').fill('3');
  await board.getByRole('button', { name: 'Reopen action 1.2' }).click();
  await board.getByText('Action reopened.').waitFor();
  expect(await statusOf(ids.cancel)).toBe('in_progress');
  const timeline = await board.locator('ol.timeline').innerText();
  expect(timeline).toContain('Reopened by the board (was cancelled): now due 3 March 2031');
  expect(timeline).toContain('It is not a duplicate: 1.1 covers referrals only.');
  expect(await board.getByText('Cancel this action').count()).toBe(1);
  await shot(board, 'i22-37-board-action-reopened');
});

it('the agency withdraws evidence the board has not decided on, and a request for more time', async () => {
  const ctx = await stack.browser.newContext();
  const agency = await signIn(stack, ctx, TVP);
  await agency.goto(`${baseUrl}/actions/${ids.withdraw}`);
  await agency.getByRole('heading', { name: 'Your evidence is with the board' }).waitFor();
  await shot(agency, 'i22-38-agency-withdraw-evidence');
  await agency.getByRole('button', { name: 'Withdraw the evidence' }).click();
  await agency.getByText('Evidence withdrawn.').waitFor();
  expect(await statusOf(ids.withdraw)).toBe('in_progress');
  expect(await agency.locator('.evidence').first().innerText()).toContain('Withdrawn by the agency');

  const deps = { db: stack.db.db, client: stack.client, taskQueue: stack.taskQueue };
  await requestExtension(deps, agencyActor, ids.withdraw, {
    newDueDate: new Date(Date.now() + 100 * day).toISOString(),
    reason: 'The trainer left',
    interimMeasures: 'Supervisors brief each shift',
  });
  await agency.reload();
  await agency.getByRole('heading', { name: 'Your request for more time' }).waitFor();
  await shot(agency, 'i22-39-agency-withdraw-extension');
  await agency.getByRole('button', { name: 'Withdraw the request for more time' }).click();
  await agency.getByText('Request for more time withdrawn.').waitFor();
  expect(await agency.locator('ol.timeline').innerText()).toContain('Request for more time withdrawn by the agency');
  await shot(agency, 'i22-40-agency-extension-withdrawn');
  await ctx.close();
});
