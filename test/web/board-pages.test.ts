/**
 * The board's pages in Chromium on the real stack: sign-in through a confirm button (a mail
 * scanner's GET does not use the link) and its rate limits, importing a review from a file (bad
 * rows shown by row and column, nothing created; a good file lands on the review page), the
 * review page, all actions with filters, and cancelling an action with a reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, count, eq, like } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { acknowledgeAction, submitEvidence } from '../../api/use-cases/actions';
import { createReview } from '../../api/use-cases/reviews';
import { actions, agencies, auditEvents, reviews, users } from '../../db/schema';
import type { Actor } from '../../workflows/types';
import { lastSignInLink, shot, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

const BOARD = 'business.manager@board.example';
const TVP = 'safeguarding.lead@tvp.example';
const BSCB_BOARD = 'board.member@bscb.example';
const day = 86_400_000;

let stack: WebStack;
let baseUrl: string;
let boardCtx: BrowserContext;
let board: Page;
let reviewId: string;
/** A review in which TVP has no action. */
let reviewWithoutTvpId: string;
let ids: { bscb: string; tvp: string; bht: string; bcc: string; ccg: string };

beforeAll(async () => {
  stack = await startWebStack('webboard');
  baseUrl = stack.baseUrl;
  const { db } = stack.db;
  const [bscb] = await db.select().from(agencies).where(eq(agencies.code, 'BSCB'));
  // A board member who works for an agency: may not decide on that agency's actions.
  await db.insert(users).values({ name: 'BSCB Board Member', email: BSCB_BOARD, role: 'board', agencyId: bscb.id });
  await db.insert(users).values({ name: 'Rate Limited', email: 'limited@board.example', role: 'board' });
  const { review } = await createReview({ db, client: stack.client, taskQueue: stack.taskQueue }, stack.adminActor, {
    reference: 'SCR-CHILD-P',
    title: 'Serious Case Review: Child P',
    publishedOn: '2018-06-01',
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
        text: 'Agencies must escalate concerns about <script>neglect</script> promptly.',
        actions: [
          {
            agencyCode: 'BSCB',
            title: 'Refresh the escalation policy',
            dueDate: new Date(Date.now() + 30 * day).toISOString(),
          },
          {
            agencyCode: 'TVP',
            title: 'Train response officers on neglect',
            dueDate: new Date(Date.now() + 20 * day).toISOString(),
          },
          {
            agencyCode: 'BHT',
            title: 'Audit midwifery neglect referrals',
            dueDate: new Date(Date.now() - 3 * day).toISOString(),
          },
        ],
      },
      {
        number: '2',
        text: 'Thresholds should be understood by every agency.',
        actions: [
          {
            agencyCode: 'BCC',
            title: 'Publish the revised thresholds document',
            dueDate: new Date(Date.now() + 60 * day).toISOString(),
          },
          {
            agencyCode: 'CCG',
            title: 'Brief GP safeguarding leads on thresholds',
            dueDate: new Date(Date.now() + 40 * day).toISOString(),
          },
        ],
      },
    ],
  });
  reviewId = review.id;
  const withoutTvp = await createReview({ db, client: stack.client, taskQueue: stack.taskQueue }, stack.adminActor, {
    reference: 'SCR-CHILD-Q',
    title: 'Serious Case Review: Child Q',
    recommendations: [
      {
        number: '1',
        text: 'Health visitors should see every child in the household.',
        actions: [
          { agencyCode: 'BHT', title: 'Audit home visits', dueDate: new Date(Date.now() + 90 * day).toISOString() },
        ],
      },
    ],
  });
  reviewWithoutTvpId = withoutTvp.review.id;
  const byTitle = (t: string) =>
    review.recommendations.flatMap((r) => r.actions).find((a) => a.title.startsWith(t))!.id;
  ids = {
    bscb: byTitle('Refresh'),
    tvp: byTitle('Train'),
    bht: byTitle('Audit midwifery'),
    bcc: byTitle('Publish'),
    ccg: byTitle('Brief GP'),
  };

  // The BSCB action has evidence waiting for the board.
  const [lead] = await db.select().from(users).where(eq(users.email, 'lead@bscb.example'));
  const agencyActor: Actor = { userId: lead.id, role: 'agency', agencyId: bscb.id, name: lead.name };
  const deps = { db, client: stack.client, taskQueue: stack.taskQueue };
  await acknowledgeAction(deps, agencyActor, ids.bscb);
  await submitEvidence(deps, agencyActor, ids.bscb, {
    statement: 'The escalation policy was refreshed and published in May.',
  });
});

afterAll(async () => {
  await boardCtx?.close();
  await stack?.stop();
});

/** The CSRF token of the sign-in form, for posting it the way the page does. */
async function signInFormToken(page: Page): Promise<string> {
  await page.goto(`${baseUrl}/signin`);
  return (await page.locator('form[action="/signin"] input[name=_csrf]').getAttribute('value'))!;
}

const mailsTo = (email: string) =>
  stack.catcher.list().filter((m) => m.to.includes(email) && m.headers['x-notification-kind'] === 'sign_in').length;

test('a sign-in link is used only by its confirm button, and link requests are rate-limited', async () => {
  // A mail scanner fetching the link does not sign anyone in and does not use the link up.
  const scanner = await stack.browser.newContext();
  const ctx = await stack.browser.newContext({ viewport: { width: 1000, height: 700 } });
  const page = await ctx.newPage();
  const token = await signInFormToken(page);
  const sent = await page.request.post(`${baseUrl}/signin`, { form: { _csrf: token, email: TVP } });
  expect(await sent.text()).toContain('Check your e-mail');
  // The page does not wait for the mail: a worker sends it from the outbox.
  await stack.catcher.waitFor((m) => m.to.includes(TVP) && m.headers['x-notification-kind'] === 'sign_in', 15_000);
  const link = lastSignInLink(stack, TVP);
  // The link is bound to the browser that asked: elsewhere it says so, and cannot be used.
  const prefetch = await scanner.request.get(link);
  expect(prefetch.status()).toBe(400);
  expect(await prefetch.text()).toContain('Open the link in the browser where you asked for it');
  expect((await scanner.request.post(link, { form: { _csrf: 'x' }, maxRedirects: 0 })).status()).toBe(403);
  expect((await scanner.request.get(`${baseUrl}/`, { maxRedirects: 0 })).status()).toBe(303);
  await scanner.close();
  // In the browser that asked, a GET (as a scanner there would make) shows only the confirm button.
  const confirmOnly = await page.request.get(link);
  expect(confirmOnly.status()).toBe(200);
  expect(await confirmOnly.text()).toContain('>Sign in</button>');

  await page.goto(link);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await shot(page, '20-sign-in-confirm');
  // The confirm form without its token is refused, and the link still works afterwards.
  const forged = await page.request.post(link, { form: {}, maxRedirects: 0 });
  expect(forged.status()).toBe(403);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'My actions' }).waitFor();
  // Used: the link now says so, on GET and on POST.
  expect((await page.request.get(link)).status()).toBe(400);
  await ctx.close();

  // Per e-mail: five link requests in the window, then the same answer but no mail.
  const limiter = await stack.browser.newContext();
  const lp = await limiter.newPage();
  const t2 = await signInFormToken(lp);
  const email = 'designated.nurse@ccg.example';
  const before = mailsTo(email);
  for (let i = 0; i < 7; i++) {
    const r = await lp.request.post(`${baseUrl}/signin`, {
      form: { _csrf: t2, email },
      headers: { 'X-Forwarded-For': `198.51.100.${i + 1}` },
    });
    expect(r.status()).toBe(200);
    expect(await r.text()).toContain('Check your e-mail');
  }
  await stack.catcher.waitFor(() => mailsTo(email) - before >= 5, 15_000);
  await new Promise((r) => setTimeout(r, 500));
  expect(mailsTo(email) - before).toBe(5);
  // A stranger can exhaust the per-e-mail limit, but not for a browser holding that person's session.
  await lp.goto(lastSignInLink(stack, email));
  await lp.getByRole('button', { name: 'Sign in', exact: true }).click();
  await lp.getByRole('heading', { name: 'My actions' }).waitFor();
  await lp.goto(`${baseUrl}/signout`);
  const sessionCsrf = (await lp.locator('input[name=_csrf]').first().getAttribute('value'))!;
  const again = await lp.request.post(`${baseUrl}/signin`, { form: { _csrf: sessionCsrf, email } });
  expect(await again.text()).toContain('Check your e-mail');
  await stack.catcher.waitFor(() => mailsTo(email) - before >= 6, 15_000);
  await lp.request.post(`${baseUrl}/signout`, { form: { _csrf: sessionCsrf }, maxRedirects: 0 });

  // Per client address: 30 requests (any addresses), then nothing more is sent from it.
  const from = { 'X-Forwarded-For': '203.0.113.7' };
  for (let i = 0; i < 30; i++)
    await lp.request.post(`${baseUrl}/signin`, {
      form: { _csrf: t2, email: `nobody${i}@nowhere.example` },
      headers: from,
    });
  const limited = await lp.request.post(`${baseUrl}/signin`, {
    form: { _csrf: t2, email: 'limited@board.example' },
    headers: from,
  });
  expect(await limited.text()).toContain('Check your e-mail');
  // Another address is not affected.
  await lp.request.post(`${baseUrl}/signin`, {
    form: { _csrf: t2, email: 'limited@board.example' },
    headers: { 'X-Forwarded-For': '203.0.113.8' },
  });
  await stack.catcher.waitFor((m) => m.to.includes('limited@board.example'), 15_000);
  await new Promise((r) => setTimeout(r, 500));
  expect(mailsTo('limited@board.example')).toBe(1);
  await limiter.close();
});

test('importing a review: a bad file shows each problem by row and column and creates nothing; a good one lands on the review', async () => {
  boardCtx = await stack.browser.newContext({ viewport: { width: 1200, height: 900 } });
  board = await signIn(stack, boardCtx, BOARD);
  await board.getByRole('link', { name: 'Reviews', exact: true }).click();
  await board.getByRole('link', { name: 'Import a review' }).click();
  await board.getByRole('heading', { name: 'Import a review' }).waitFor();
  const template = await board.request.get(
    new URL(
      (await board.getByRole('link', { name: /Download an example action plan/ }).getAttribute('href'))!,
      baseUrl,
    ).toString(),
  );
  expect(template.status()).toBe(200);
  expect(template.headers()['content-type']).toContain('text/csv');
  expect(await template.text()).toContain(
    'Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date',
  );

  const reviewsBefore = (await stack.db.db.select({ n: count() }).from(reviews))[0].n;
  const actionsBefore = (await stack.db.db.select({ n: count() }).from(actions))[0].n;
  const bad = [
    'Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date',
    '1,Share information early,Audit information sharing,BSCB,Audit report,2027-03-31',
    '1,,Brief officers,XYZ,Briefing delivered,2027-03-31',
    '2,Training on <b>neglect</b>,,BCC,,31/02/2027',
    // Issue 22: a date already past would be overdue, and escalated, the moment it was imported.
    '3,Plan for babies,Publish the pre-birth guidance,BCC,Guidance published,01/01/2020',
  ].join('\n');
  await board.getByLabel('Reference').fill('SCR-WEB-IMPORT');
  await board.getByLabel('Title').fill('Imported from the web');
  await board
    .getByLabel('Action plan file (.csv or .xlsx)')
    .setInputFiles({ name: 'plan.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
  await board.getByRole('button', { name: 'Continue' }).click();
  await board.getByRole('heading', { name: /Nothing was imported: 4 problems/ }).waitFor();
  const errorRows = await board.locator('table.import-errors tbody tr').allInnerTexts();
  const flat = errorRows.map((r) => r.replace(/\s+/g, ' '));
  expect(flat.some((r) => r.startsWith('3 Lead agency code') && r.includes('XYZ'))).toBe(true);
  expect(flat.some((r) => r.startsWith('4 Action'))).toBe(true);
  expect(flat.some((r) => r.startsWith('4 Target date'))).toBe(true);
  expect(flat.some((r) => r.startsWith('5 Target date') && r.includes('01/01/2020 is in the past'))).toBe(true);
  // The form keeps what was typed.
  expect(await board.getByLabel('Reference').inputValue()).toBe('SCR-WEB-IMPORT');
  await shot(board, '21-board-import-errors');
  expect((await stack.db.db.select({ n: count() }).from(reviews))[0].n).toBe(reviewsBefore);
  expect((await stack.db.db.select({ n: count() }).from(actions))[0].n).toBe(actionsBefore);

  // Not a spreadsheet: refused with the reason, nothing created.
  await board
    .getByLabel('Action plan file (.csv or .xlsx)')
    .setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
  await board.getByRole('button', { name: 'Continue' }).click();
  await board.getByText('Send the action plan as .csv or .xlsx').waitFor();

  // The example file imports, and the review page lists its actions.
  const csv = fs.readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'scr-baby-m-action-plan.csv'));
  const rowsInFile = csv.toString('utf8').trim().split('\n').length - 1;
  await board.getByLabel('Reference').fill('SCR-BABY-M-WEB');
  await board.getByLabel('Title').fill('Serious Case Review: Baby M (imported)');
  // Issue 22: the publication date is three boxes; an impossible day is refused beside them and kept.
  const published = (p: string) => board.locator(`#publishedOn-${p}`);
  const publishedTyped = async () => [
    await published('day').inputValue(),
    await published('month').inputValue(),
    await published('year').inputValue(),
  ];
  expect(await board.locator('main input[type=date]').count()).toBe(0);
  await published('day').fill('29');
  await published('month').fill('2');
  await published('year').fill('2017');
  await board
    .getByLabel('Action plan file (.csv or .xlsx)')
    .setInputFiles({ name: 'scr-baby-m-action-plan.csv', mimeType: 'text/csv', buffer: csv });
  await board.getByRole('button', { name: 'Continue' }).click();
  await board.locator('#publishedOn-error').waitFor();
  expect(await board.locator('#publishedOn-error').innerText()).toContain('The publication date must be a real date');
  expect(await board.locator('a[href="#publishedOn-day"]').count()).toBe(1);
  expect(await published('day').getAttribute('aria-invalid')).toBe('true');
  expect(await publishedTyped()).toEqual(['29', '2', '2017']);
  expect(await board.getByLabel('Reference').inputValue()).toBe('SCR-BABY-M-WEB');
  await shot(board, '21a-board-import-date-refused');
  await published('day').fill('1');
  await published('month').fill('3');
  await board
    .getByLabel('Action plan file (.csv or .xlsx)')
    .setInputFiles({ name: 'scr-baby-m-action-plan.csv', mimeType: 'text/csv', buffer: csv });
  await board.getByRole('button', { name: 'Continue' }).click();
  // Issue 22: check before importing. Nothing exists yet; the page says what will be created and who is mailed.
  await board.waitForURL(/\/reviews\/new\/check\/[0-9a-f-]{36}$/);
  await board.getByRole('heading', { name: 'Check before importing' }).waitFor();
  expect(
    (await stack.db.db.select({ n: count() }).from(reviews).where(eq(reviews.reference, 'SCR-BABY-M-WEB')))[0].n,
  ).toBe(0);
  const planRows = csv
    .toString('utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
  const codesInFile = [...new Set(planRows.map((cells) => cells.at(-3)))];
  const perAgency = (await board.locator('main table tbody tr').allInnerTexts()).map((r) => r.replace(/\s+/g, ' '));
  expect(perAgency).toHaveLength(codesInFile.length);
  const bscbRows = planRows.filter((cells) => cells.at(-3) === 'BSCB').length;
  const bscbLead = (await stack.db.db.select().from(agencies).where(eq(agencies.code, 'BSCB')))[0].leadEmail;
  expect(perAgency.find((r) => r.includes('(BSCB)'))).toMatch(new RegExp(`^.*\\(BSCB\\) ${bscbRows}: 1\\.1, 1\\.2`));
  expect(perAgency.find((r) => r.includes('(BSCB)'))).toContain(bscbLead.toLowerCase());
  expect(await board.getByText('Earliest due date').count()).toBe(1);
  await shot(board, '21b-board-import-check');
  // Back keeps what was typed (the file is chosen again); forward again with the same file.
  await board.getByRole('link', { name: 'Go back and change the file or the details' }).click();
  expect(await board.getByLabel('Reference').inputValue()).toBe('SCR-BABY-M-WEB');
  expect(await publishedTyped()).toEqual(['1', '3', '2017']);
  await board
    .getByLabel('Action plan file (.csv or .xlsx)')
    .setInputFiles({ name: 'scr-baby-m-action-plan.csv', mimeType: 'text/csv', buffer: csv });
  await board.getByRole('button', { name: 'Continue' }).click();
  await board
    .getByRole('button', { name: `Import ${rowsInFile} actions and send ${codesInFile.length} mails` })
    .click();
  await board.waitForURL(/\/reviews\/[0-9a-f-]{36}$/);
  await board.getByText('Review imported.').waitFor();
  await board.getByRole('heading', { name: 'SCR-BABY-M-WEB: Serious Case Review: Baby M (imported)' }).waitFor();
  expect(await board.locator('main table tbody tr').count()).toBe(rowsInFile);
  const [imported] = await stack.db.db.select().from(reviews).where(eq(reviews.reference, 'SCR-BABY-M-WEB'));
  expect(imported.publishedOn).toBe('2017-03-01');
  expect(board.url()).toBe(`${baseUrl}/reviews/${imported.id}`);
  expect((await stack.db.db.select({ n: count() }).from(actions).where(eq(actions.reviewId, imported.id)))[0].n).toBe(
    rowsInFile,
  );
  await shot(board, '22-board-review-imported');
  // One mail per agency for the whole import, with a calendar entry per action (not one mail per action).
  const importMails = () =>
    stack.catcher
      .list()
      .filter(
        (m) =>
          m.headers['x-notification-kind'] === 'assignment' &&
          (m.headers['x-action-ref'] ?? '').startsWith('SCR-BABY-M-WEB '),
      );
  const calendars = () => importMails().flatMap((m) => m.attachments.filter((a) => a.filename.endsWith('.ics')));
  for (const until = Date.now() + 30_000; calendars().length < rowsInFile && Date.now() < until;)
    await new Promise((r) => setTimeout(r, 200));
  expect(importMails()).toHaveLength(codesInFile.length);
  expect(calendars()).toHaveLength(rowsInFile);
  // Each action links to its page.
  await board.getByRole('link', { name: '1.1', exact: true }).click();
  await board.getByRole('heading', { name: /^SCR-BABY-M-WEB 1\.1:/ }).waitFor();
});

test('the review page and the all-actions page, with filters, for the board and (scoped) for an agency', async () => {
  await board.goto(`${baseUrl}/reviews`);
  await board.getByRole('link', { name: 'SCR-CHILD-P', exact: true }).click();
  await board.getByRole('heading', { name: 'SCR-CHILD-P: Serious Case Review: Child P' }).waitFor();
  const rec1 = board.locator('section', { has: board.getByRole('heading', { name: /Recommendation 1/ }) });
  expect(await rec1.locator('tbody tr').count()).toBe(3);
  const overdueRow = (await rec1.locator('tr', { hasText: 'Audit midwifery neglect referrals' }).innerText()).replace(
    /\s+/g,
    ' ',
  );
  expect(overdueRow).toContain('BHT');
  expect(overdueRow).toContain('Overdue');
  expect(overdueRow).toMatch(/Red|Amber|Green/);
  expect(await board.content()).toContain('&lt;script&gt;neglect&lt;/script&gt;');
  await shot(board, '23-board-review-page');
  await rec1.getByRole('link', { name: '1.2', exact: true }).click();
  await board.getByRole('heading', { name: 'SCR-CHILD-P 1.2: Train response officers on neglect' }).waitFor();

  // All actions: filter by agency through the form.
  await board.getByRole('link', { name: 'All actions' }).first().click();
  await board.getByRole('heading', { name: 'All actions' }).waitFor();
  await board.getByLabel('Review', { exact: true }).selectOption({ label: 'SCR-CHILD-P' });
  await board.getByLabel('Agency', { exact: true }).selectOption('TVP');
  await board.getByRole('button', { name: 'Show actions' }).click();
  await board.waitForURL(/agency=TVP/);
  const tvpRows = await board.locator('main table tbody tr').allInnerTexts();
  expect(tvpRows).toHaveLength(1);
  expect(tvpRows[0]).toContain('Train response officers on neglect');
  expect(await board.getByLabel('Agency', { exact: true }).inputValue()).toBe('TVP');

  // Overdue only.
  await board.goto(`${baseUrl}/actions?review=${reviewId}&overdue=true`);
  const overdue = await board.locator('main table tbody tr').allInnerTexts();
  expect(overdue).toHaveLength(1);
  expect(overdue[0]).toContain('Audit midwifery neglect referrals');
  expect(await board.getByLabel('Overdue only').isChecked()).toBe(true);
  await shot(board, '24-board-all-actions-overdue');

  // Stage and RAG: every row shown matches.
  await board.goto(`${baseUrl}/actions?stage=under_review`);
  const underReview = await board.locator('main table tbody tr').allInnerTexts();
  expect(underReview.length).toBeGreaterThan(0);
  for (const r of underReview) expect(r).toContain('Evidence with the board');
  await board.goto(`${baseUrl}/actions?rag=green&review=${reviewId}`);
  for (const r of await board.locator('main table tbody tr td[data-label=RAG]').allInnerTexts())
    expect(r).toContain('Green');

  // Paged: 2 a page over the whole set; the pager keeps the filters.
  await board.goto(`${baseUrl}/actions?review=${reviewId}&pageSize=2`);
  await board.getByText('Page 1 of 3').waitFor();
  expect(await board.locator('main table tbody tr').count()).toBe(2);
  await board.getByRole('link', { name: 'Next page' }).click();
  await board.getByText('Page 2 of 3').waitFor();
  expect(board.url()).toContain(`review=${reviewId}`);
  expect(board.url()).toContain('pageSize=2');

  // Bad values are a clear 400 page, not a 500.
  for (const q of [
    'rag=purple',
    'stage=done',
    'page=abc',
    'overdue=maybe',
    'review=123',
    'agency=%3Cb%3E',
    'rag=red&rag=green',
  ]) {
    const r = await board.goto(`${baseUrl}/actions?${q}`);
    expect(r?.status()).toBe(400);
    await board.getByRole('heading', { name: 'These filters cannot be used' }).waitFor();
  }
  expect(await board.content()).toContain('given more than once');
  await board.goto(`${baseUrl}/actions?rag=purple`);
  await shot(board, '25-board-all-actions-bad-filter');

  // Narrow screen.
  await board.setViewportSize({ width: 375, height: 800 });
  await board.goto(`${baseUrl}/actions?review=${reviewId}`);
  await shot(board, '26-board-all-actions-narrow');
  await board.goto(`${baseUrl}/reviews/${reviewId}`);
  await shot(board, '27-board-review-narrow');
  await board.setViewportSize({ width: 1200, height: 900 });

  // An agency sees only its own actions, on the review page and on /actions; no import.
  const agencyCtx = await stack.browser.newContext();
  const agency = await signIn(stack, agencyCtx, TVP);
  await agency.goto(`${baseUrl}/reviews/${reviewId}`);
  const own = await agency.locator('main table tbody tr').allInnerTexts();
  expect(own).toHaveLength(1);
  expect(own[0]).toContain('Train response officers on neglect');
  await agency.goto(`${baseUrl}/actions?agency=BHT`);
  expect(await agency.locator('main table tbody tr').count()).toBe(0);
  await agency.getByText('No actions match these filters.').waitFor();
  // The imported Baby M plan gives TVP the three actions of recommendation 8: TVP sees that review, and only those rows.
  const [imported] = await stack.db.db.select().from(reviews).where(eq(reviews.reference, 'SCR-BABY-M-WEB'));
  expect(imported.publishedOn).toBe('2017-03-01');
  const importedForTvp = await agency.goto(`${baseUrl}/reviews/${imported.id}`);
  expect(importedForTvp?.status()).toBe(200);
  expect((await agency.locator('main table tbody tr').allInnerTexts()).map((r) => r.split(/\s+/)[0])).toEqual([
    '8.1',
    '8.2',
    '8.3',
  ]);
  // A review in which TVP has no action does not exist for TVP.
  const notForTvp = await agency.goto(`${baseUrl}/reviews/${reviewWithoutTvpId}`);
  expect(notForTvp?.status()).toBe(404);
  expect((await board.goto(`${baseUrl}/reviews/${reviewWithoutTvpId}`))?.status()).toBe(200);
  const importPage = await agency.goto(`${baseUrl}/reviews/new`);
  expect(importPage?.status()).toBe(403);
  await agencyCtx.close();
});

test('the board sees the forms that apply, and cancels an action with a reason', async () => {
  // Assigned: no decision or extension form, but cancel.
  await board.goto(`${baseUrl}/actions/${ids.bcc}`);
  await board.getByRole('heading', { name: /SCR-CHILD-P 2\.1/ }).waitFor();
  expect(await board.getByRole('heading', { name: 'Decide on the evidence' }).count()).toBe(0);
  expect(await board.getByRole('heading', { name: 'Extension request' }).count()).toBe(0);
  expect(await board.getByText('Cancel this action').count()).toBe(1);
  // Evidence waiting: the decision form.
  await board.goto(`${baseUrl}/actions/${ids.bscb}`);
  await board.getByRole('heading', { name: 'Decide on the evidence' }).waitFor();

  // A board member from the owning agency sees why there is no decision form.
  const conflictedCtx = await stack.browser.newContext();
  const conflicted = await signIn(stack, conflictedCtx, BSCB_BOARD);
  await conflicted.goto(`${baseUrl}/actions/${ids.bscb}`);
  await conflicted.getByText('so another board member decides on it').waitFor();
  expect(await conflicted.getByRole('heading', { name: 'Decide on the evidence' }).count()).toBe(0);
  await conflictedCtx.close();

  // Cancel: a blank reason is refused by the server too (the browser's `required` aside).
  await board.goto(`${baseUrl}/actions/${ids.ccg}`);
  const csrf = await board.locator('form[action$="/cancel"] input[name=_csrf]').getAttribute('value');
  const blank = await board.request.post(`${baseUrl}/actions/${ids.ccg}/cancel`, {
    form: { _csrf: csrf!, reason: '   ' },
    maxRedirects: 0,
  });
  expect(blank.status()).toBe(400);
  expect(await blank.text()).toContain('Give the reason for cancelling');
  expect(
    (await stack.db.db.select({ status: actions.status }).from(actions).where(eq(actions.id, ids.ccg)))[0].status,
  ).toBe('assigned');

  await board.getByText('Cancel this action').click();
  await board
    .getByLabel('Reason for cancelling')
    .fill('Superseded by the CCG merger: <GP briefings> move to the ICB plan.');
  await shot(board, '28-board-cancel-form');
  await board.getByRole('button', { name: 'Continue to cancel' }).click();
  // Issue 22: nothing changes until the board confirms on a page of its own.
  await board.getByRole('button', { name: /^Cancel action .* permanently$/ }).waitFor();
  expect(
    (await stack.db.db.select({ status: actions.status }).from(actions).where(eq(actions.id, ids.ccg)))[0].status,
  ).toBe('assigned');
  await board.getByRole('button', { name: /^Cancel action .* permanently$/ }).click();
  await board.getByText('Action cancelled.').waitFor();
  const facts = await board.locator('dl.facts').innerText();
  expect(facts).toContain('Cancelled');
  expect(facts).toContain('Superseded by the CCG merger: <GP briefings> move to the ICB plan.');
  expect(await board.locator('ol.timeline').innerText()).toContain('Cancelled');
  expect(await board.getByText('Cancel this action').count()).toBe(0);
  await shot(board, '29-board-action-cancelled');
  const [row] = await stack.db.db.select({ status: actions.status }).from(actions).where(eq(actions.id, ids.ccg));
  expect(row.status).toBe('cancelled');
  const audit = await stack.db.db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.actionId, ids.ccg), like(auditEvents.type, 'cancel%')));
  expect(audit).toHaveLength(1);

  // An agency cannot cancel, even its own action.
  const agencyCtx = await stack.browser.newContext();
  const agency = await signIn(stack, agencyCtx, TVP);
  await agency.goto(`${baseUrl}/actions/${ids.tvp}`);
  expect(await agency.getByText('Cancel this action').count()).toBe(0);
  const token = await agency.locator('input[name=_csrf]').first().getAttribute('value');
  const refused = await agency.request.post(`${baseUrl}/actions/${ids.tvp}/cancel`, {
    form: { _csrf: token!, reason: 'not wanted' },
    maxRedirects: 0,
  });
  expect(refused.status()).toBe(403);
  expect(
    (await stack.db.db.select({ status: actions.status }).from(actions).where(eq(actions.id, ids.tvp)))[0].status,
  ).not.toBe('cancelled');
  await agencyCtx.close();
});
