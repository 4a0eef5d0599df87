/**
 * The web pages end to end in Debian's Chromium: the real app (createApp) on a real Postgres,
 * the run's Temporal dev server with a worker on its own task queue, and a real SMTP server
 * (MailCatcher) that the sign-in links and notifications go through (harness in helpers.ts).
 */
import type { BrowserContext, Page } from 'playwright-core';
import { eq } from 'drizzle-orm';
import { createReview } from '../../api/use-cases/reviews';
import { actions, agencies } from '../../db/schema';
import { lastSignInLink, shot, signIn as signInAs, startWebStack, type WebStack } from './helpers';

jest.setTimeout(240_000);

const AGENCY = 'lead@bscb.example';
const BOARD = 'business.manager@board.example';

let stack: WebStack;
let db: WebStack['db'];
let baseUrl: string;
let browser: WebStack['browser'];
let ids: { bscb1: string; bscb2: string; tvp: string };

const signIn = (context: BrowserContext, email: string, landing = '/'): Promise<Page> =>
  signInAs(stack, context, email, {
    landing,
    shots:
      email === AGENCY
        ? { inbox: '00-mail-inbox', message: '00-mail-sign-in-message', confirm: '00-sign-in-confirm' }
        : undefined,
  });

beforeAll(async () => {
  stack = await startWebStack('web');
  ({ db, baseUrl, browser } = stack);
  const day = 86_400_000;
  const { review } = await createReview(
    { db: db.db, client: stack.client, taskQueue: stack.taskQueue },
    stack.adminActor,
    {
      reference: 'SCR-BABY-M',
      title: 'Serious Case Review: Baby M',
      publishedOn: '2017-03-01',
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
          text: 'The board should seek assurance that agencies share information about unborn babies.',
          actions: [
            {
              agencyCode: 'BSCB',
              title: 'Audit pre-birth information sharing',
              successMeasure: 'Audit report to the board',
              dueDate: new Date(Date.now() + 60 * day).toISOString(),
            },
            {
              agencyCode: 'TVP',
              title: 'Brief officers on pre-birth referrals',
              dueDate: new Date(Date.now() + 45 * day).toISOString(),
            },
            {
              agencyCode: 'BHT',
              title: 'Midwives record the father’s details <b>at booking</b>',
              dueDate: new Date(Date.now() + 5 * day).toISOString(),
            },
          ],
        },
        {
          number: '2',
          text: 'Multi-agency training on the impact of parental mental health.',
          actions: [
            {
              agencyCode: 'BSCB',
              title: 'Commission multi-agency training',
              dueDate: new Date(Date.now() + 90 * day).toISOString(),
            },
            {
              agencyCode: 'BCC',
              title: 'Update the pre-birth assessment guidance',
              dueDate: new Date(Date.now() + 30 * day).toISOString(),
            },
          ],
        },
      ],
    },
  );
  const byTitle = (t: string) => review.recommendations.flatMap((r) => r.actions).find((a) => a.title === t)!.id;
  ids = {
    bscb1: byTitle('Audit pre-birth information sharing'),
    bscb2: byTitle('Commission multi-agency training'),
    tvp: byTitle('Brief officers on pre-birth referrals'),
  };
});

afterAll(async () => {
  await stack?.stop();
});

test('agency and board run an action from assignment to implemented in the browser', async () => {
  const agencyCtx = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const boardCtx = await browser.newContext({ viewport: { width: 1200, height: 900 } });

  const signinPage = await agencyCtx.newPage();
  await signinPage.goto(`${baseUrl}/signin`);
  await shot(signinPage, '01-sign-in');
  await signinPage.close();

  // Agency: sign in through the link in the mail, acknowledge, upload evidence.
  const agency = await signIn(agencyCtx, AGENCY);
  await agency.getByRole('heading', { name: 'My actions' }).waitFor();
  const rows = agency.locator('table tbody tr');
  expect(await rows.count()).toBe(2);
  expect(await agency.locator('table').first().innerText()).toContain('Acknowledge the action');
  await shot(agency, '02-agency-my-actions');

  await agency.getByRole('link', { name: 'SCR-BABY-M 1.1' }).click();
  await agency.getByRole('heading', { name: /SCR-BABY-M 1\.1: Audit pre-birth information sharing/ }).waitFor();
  await shot(agency, '03-agency-action-assigned');
  await agency.getByRole('button', { name: 'Acknowledge this action' }).click();
  await agency.getByText('Acknowledged. The board can see').waitFor();

  await agency
    .getByLabel('Progress statement')
    .fill('We audited 40 pre-birth referrals; 38 were shared with the GP within 5 days.');
  await agency.getByLabel('Links (optional)').fill('https://bscb.example/audit-2017');
  await agency.getByLabel('Files (optional)').setInputFiles({
    name: 'audit-report.pdf',
    mimeType: 'application/pdf',
    buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
  });
  await agency.getByRole('button', { name: 'Send evidence to the board' }).click();
  await agency.getByText('Evidence sent. The board will review it.').waitFor();
  expect(await agency.locator('dl.facts').innerText()).toContain('Evidence with the board');
  await shot(agency, '04-agency-action-evidence-sent');

  // Board: the evidence and its file are on the sign-off list; ask for changes.
  const board = await signIn(boardCtx, BOARD);
  await board.getByRole('heading', { name: 'Awaiting sign-off' }).waitFor();
  await board.getByText('We audited 40 pre-birth referrals').waitFor();
  const fileLink = board.getByRole('link', { name: 'audit-report.pdf', exact: true });
  const fileResponse = await board.request.get(new URL((await fileLink.getAttribute('href'))!, baseUrl).toString());
  expect(fileResponse.status()).toBe(200);
  expect((await fileResponse.body()).toString()).toContain('%PDF-1.4');
  await shot(board, '05-board-awaiting-sign-off');

  await board.getByRole('link', { name: 'SCR-BABY-M 1.1: Audit pre-birth information sharing' }).click();
  await board.getByLabel(/Request changes/).check();
  await board.getByLabel('Comment').fill('Please include the two referrals that were not shared and what was done.');
  await shot(board, '06-board-decide');
  await board.getByRole('button', { name: 'Record decision' }).click();
  await board.getByText('Decision recorded.').waitFor();

  // Agency: sees the board's comment and resubmits.
  await agency.reload();
  await agency.getByText('The board asked for changes:').waitFor();
  expect(await agency.getByRole('note').innerText()).toContain('two referrals that were not shared');
  await shot(agency, '07-agency-changes-requested');
  await agency
    .getByLabel('Progress statement')
    .fill(
      'Audit of 40 referrals: 38 shared within 5 days; the 2 late ones were reviewed with the teams and the checklist changed.',
    );
  await agency.getByRole('button', { name: 'Send evidence to the board' }).click();
  await agency.getByText('Evidence sent. The board will review it.').waitFor();

  // Board: approves.
  await board.reload();
  await board.getByLabel(/Approve: implemented/).check();
  await board.getByRole('button', { name: 'Record decision' }).click();
  // Issue 22: approving finishes the action, so a confirmation page asks first.
  await board.getByRole('heading', { name: 'Approve the evidence and close action 1.1?' }).waitFor();
  await board.getByRole('button', { name: 'Approve and close action 1.1' }).click();
  await board.getByText('Decision recorded.').waitFor();
  expect(await board.locator('dl.facts').innerText()).toContain('Closed: implemented');
  await shot(board, '08-board-action-closed-timeline');
  const timeline = await board.locator('ol.timeline').innerText();
  const order = [
    'Assigned to the agency',
    'Acknowledged',
    'Evidence submitted',
    'Changes requested',
    'Approved: closed as implemented',
  ];
  let at = -1;
  for (const step of order) {
    const next = timeline.indexOf(step, at + 1);
    expect(next).toBeGreaterThan(at);
    at = next;
  }

  // The published statement shows it as implemented.
  await board.getByRole('link', { name: 'Reviews' }).click();
  await board.getByRole('link', { name: 'Progress statement for SCR-BABY-M' }).click();
  const bscb = board.locator('section', {
    has: board.getByRole('heading', { name: 'Buckinghamshire Safeguarding Children Board' }),
  });
  const row = bscb.locator('tr', { hasText: 'Audit pre-birth information sharing' });
  expect(await row.innerText()).toContain('Implemented');
  expect(await row.innerText()).toContain('the checklist changed');
  // User content is escaped, not interpreted.
  expect(await board.content()).toContain('&lt;b&gt;at booking&lt;/b&gt;');
  await shot(board, '09-board-statement');
  await board.emulateMedia({ media: 'print' });
  await shot(board, '10-board-statement-print');
  await board.emulateMedia({ media: 'screen' });

  await board.getByRole('link', { name: 'Dashboard' }).click();
  await board.locator('svg[role=img]').first().waitFor();
  expect(await board.locator('svg.linked-chart desc').textContent()).toContain(
    'Buckinghamshire Safeguarding Children Board: 0 red, 0 amber, 1 green, 1 implemented, 0 not implemented, 0 cancelled',
  );
  await shot(board, '11-board-dashboard');

  // An extension: the agency asks, the board approves.
  await agency.goto(`${baseUrl}/actions/${ids.bscb2}`);
  await agency.getByText('Ask for more time').click();
  // Issue 22: the GOV.UK date input, then the check step.
  await agency.getByLabel('Day').fill('31');
  await agency.getByLabel('Month').fill('1');
  await agency.getByLabel('Year').fill('2031');
  await agency.getByLabel('Reason for the delay').fill('The training provider cancelled.');
  await agency.getByLabel('Interim measures').fill('Team briefings on parental mental health until the training runs.');
  await agency.getByRole('button', { name: 'Continue to check the request' }).click();
  await agency.getByRole('heading', { name: /^Move from .* to 31 January 2031: .* later\?$/ }).waitFor();
  await agency.getByRole('button', { name: 'Yes, send the request to the board' }).click();
  await agency.getByText('Extension requested.').waitFor();
  await board.goto(`${baseUrl}/`);
  await board.getByRole('link', { name: 'SCR-BABY-M 2.1' }).click();
  await board.getByLabel('Approve the new date').check();
  await board.getByRole('button', { name: 'Record extension decision' }).click();
  await board.getByText('Extension decision recorded.').waitFor();
  expect(await board.locator('dl.facts').innerText()).toContain('31 January 2031');

  // Narrow screens.
  await agency.setViewportSize({ width: 375, height: 800 });
  await agency.goto(`${baseUrl}/`);
  await shot(agency, '12-agency-my-actions-narrow');
  await agency.goto(`${baseUrl}/actions/${ids.bscb1}`);
  await shot(agency, '13-agency-action-closed-narrow');

  await agencyCtx.close();
  await boardCtx.close();
});

test("an agency user cannot open another agency's action, and a form without its CSRF token is refused", async () => {
  const ctx = await browser.newContext();
  // A link from a notification mail, followed before signing in, is where sign-in lands.
  const deep = await ctx.newPage();
  await deep.goto(`${baseUrl}/actions/${ids.tvp}`);
  expect(deep.url()).toBe(`${baseUrl}/signin`);
  await deep.close();
  const agency = await signIn(ctx, 'safeguarding.lead@tvp.example', `/actions/${ids.tvp}`);
  const other = await agency.goto(`${baseUrl}/actions/${ids.bscb1}`);
  expect(other?.status()).toBe(404);
  await agency.getByRole('heading', { name: 'Page not found' }).waitFor();
  await shot(agency, '14-agency-other-agency-404');
  const file = await agency.goto(`${baseUrl}/actions/${ids.bscb1}/files/00000000-0000-0000-0000-000000000000`);
  expect(file?.status()).toBe(404);

  const own = await agency.goto(`${baseUrl}/actions/${ids.tvp}`);
  expect(own?.status()).toBe(200);
  // The same form as the page's, but without the hidden token: refused, nothing changes.
  const noToken = await agency.request.post(`${baseUrl}/actions/${ids.tvp}/acknowledge`, { form: {}, maxRedirects: 0 });
  expect(noToken.status()).toBe(403);
  const wrongToken = await agency.request.post(`${baseUrl}/actions/${ids.tvp}/acknowledge`, {
    form: { _csrf: 'not-the-token' },
    maxRedirects: 0,
  });
  expect(wrongToken.status()).toBe(403);
  await agency
    .locator('form[action$="/acknowledge"] input[name=_csrf]')
    .evaluate((el) => (el as unknown as { remove(): void }).remove());
  await agency.getByRole('button', { name: 'Acknowledge this action' }).click();
  await agency.getByRole('heading', { name: 'This form was refused' }).waitFor();
  await shot(agency, '15-csrf-refused');
  const [row] = await db.db.select({ status: actions.status }).from(actions).where(eq(actions.id, ids.tvp));
  expect(row.status).toBe('assigned');

  // A stale form (acknowledging twice) is refused by the workflow and the reason is shown: 409.
  await agency.goto(`${baseUrl}/actions/${ids.tvp}`);
  const token = await agency.locator('form[action$="/acknowledge"] input[name=_csrf]').getAttribute('value');
  await agency.getByRole('button', { name: 'Acknowledge this action' }).click();
  await agency.getByText('Acknowledged. The board can see').waitFor();
  const again = await agency.request.post(`${baseUrl}/actions/${ids.tvp}/acknowledge`, {
    form: { _csrf: token! },
    maxRedirects: 0,
  });
  expect(again.status()).toBe(409);
  expect(await again.text()).toContain('There is a problem');

  // An unknown address gets the same page as a known one (no account enumeration).
  const anon = await ctx.newPage();
  await ctx.clearCookies();
  await anon.goto(`${baseUrl}/signin`);
  await anon.getByLabel('E-mail address').fill('nobody@nowhere.example');
  await anon.getByRole('button', { name: 'Send me a sign-in link' }).click();
  await anon.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  expect(stack.catcher.list().some((m) => m.to.includes('nobody@nowhere.example'))).toBe(false);

  // A used link does not sign in twice.
  const link = lastSignInLink(stack, 'safeguarding.lead@tvp.example');
  const reused = await anon.goto(link);
  expect(reused?.status()).toBe(400);
  const [agencyRow] = await db.db.select().from(agencies).where(eq(agencies.code, 'TVP'));
  expect(agencyRow).toBeDefined();
  await ctx.close();
});
