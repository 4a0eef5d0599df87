/**
 * The web pages end to end in Debian's Chromium: the real app (createApp) on a real Postgres,
 * the run's Temporal dev server with a worker on its own task queue, and a real SMTP server
 * (MailCatcher) that the sign-in links and notifications go through.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createActivities } from '../../activities';
import { createApp } from '../../api/app';
import { createReview } from '../../api/use-cases/reviews';
import { actions, agencies, users } from '../../db/schema';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { MailCatcher } from '../../lib/mail-catcher';
import { createMailer } from '../../lib/mailer';
import { seedDemoPeople } from '../../scripts/demo-data';
import { createWorker } from '../../worker/create-worker';
import type { Actor } from '../../workflows/types';
import { createTestDatabase, testTemporalAddress, uniqueTaskQueue, type TestDatabase } from '../support/db';

jest.setTimeout(240_000);

const SHOTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'screenshots');
const AGENCY = 'lead@bscb.example';
const BOARD = 'business.manager@board.example';
const FROM = 'Safeguarding Board <actions@board.test>';

let db: TestDatabase;
let catcher: MailCatcher;
let server: http.Server;
let baseUrl: string;
let client: Client;
let native: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let browser: Browser;
let ids: { bscb1: string; bscb2: string; tvp: string };

async function signIn(context: BrowserContext, email: string, landing = '/'): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${baseUrl}/signin`);
  await page.getByLabel('E-mail address').fill(email);
  const before = catcher.list().length;
  await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  const mail = await catcher.waitFor((m) => m.id > before && m.to.includes(email) && m.headers['x-notification-kind'] === 'sign_in', 15_000);
  // Through the inbox page, as someone trying the embedded mode would.
  await page.getByRole('link', { name: 'Open the mail inbox' }).click();
  if (email === AGENCY) await shot(page, '00-mail-inbox');
  await page.locator(`a[href="/mail/${mail.id}"]`).click();
  if (email === AGENCY) await shot(page, '00-mail-sign-in-message');
  await page.getByRole('link', { name: /\/signin\// }).click();
  await page.waitForURL(`${baseUrl}${landing}`);
  return page;
}

const shot = async (page: Page, name: string) => {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
};

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  db = await createTestDatabase('web');
  catcher = new MailCatcher({ port: 0 });
  await catcher.start();

  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const taskQueue = uniqueTaskQueue('web');
  const config = loadConfig('embedded', {
    PUBLIC_URL: baseUrl,
    SMTP_URL: catcher.url,
    MAIL_FROM: FROM,
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: process.env.WEB_TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'web-test-')),
  });

  native = await NativeConnection.connect({ address: testTemporalAddress() });
  client = new Client({ connection: await Connection.connect({ address: testTemporalAddress() }) });
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
  });
  worker = await createWorker({
    connection: native,
    namespace: 'default',
    taskQueue,
    workflowBundle,
    activities: createActivities({
      db: db.db,
      mailer: createMailer(catcher.url, FROM),
      config: { publicUrl: baseUrl, boardChairEmail: 'chair@board.example', mailFrom: FROM },
    }),
  });
  running = worker.run();

  const app = createApp({
    config,
    db: db.db,
    client,
    logger: createLogger(config, 'web-test'),
    readiness: async () => ({ ready: true, checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } } }),
    mailCatcher: catcher,
  });
  server.on('request', app);

  await seedDemoPeople(db.db);
  const [admin] = await db.db.insert(users).values({ name: 'Admin', email: 'admin@board.example', role: 'admin' }).returning();
  const adminActor: Actor = { userId: admin.id, role: 'admin', agencyId: null, name: 'Admin' };
  const day = 86_400_000;
  const { review } = await createReview({ db: db.db, client, taskQueue }, adminActor, {
    reference: 'SCR-BABY-M',
    title: 'Serious Case Review: Baby M',
    publishedOn: '2017-03-01',
    policy: { acknowledgeWithin: 'P30D', remindBefore: ['P7D'], overdueReminderEvery: 'P30D', escalateAfterOverdue: ['P30D'], stallAfter: 'P30D', boardDecisionWithin: 'P30D' },
    recommendations: [
      {
        number: '1',
        text: 'The board should seek assurance that agencies share information about unborn babies.',
        actions: [
          { agencyCode: 'BSCB', title: 'Audit pre-birth information sharing', successMeasure: 'Audit report to the board', dueDate: new Date(Date.now() + 60 * day).toISOString() },
          { agencyCode: 'TVP', title: 'Brief officers on pre-birth referrals', dueDate: new Date(Date.now() + 45 * day).toISOString() },
          { agencyCode: 'BHT', title: 'Midwives record the father’s details <b>at booking</b>', dueDate: new Date(Date.now() + 5 * day).toISOString() },
        ],
      },
      {
        number: '2',
        text: 'Multi-agency training on the impact of parental mental health.',
        actions: [
          { agencyCode: 'BSCB', title: 'Commission multi-agency training', dueDate: new Date(Date.now() + 90 * day).toISOString() },
          { agencyCode: 'BCC', title: 'Update the pre-birth assessment guidance', dueDate: new Date(Date.now() + 30 * day).toISOString() },
        ],
      },
    ],
  });
  const byTitle = (t: string) => review.recommendations.flatMap((r) => r.actions).find((a) => a.title === t)!.id;
  ids = { bscb1: byTitle('Audit pre-birth information sharing'), bscb2: byTitle('Commission multi-agency training'), tvp: byTitle('Brief officers on pre-birth referrals') };

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeAllConnections();
  if (worker) {
    worker.shutdown();
    await running;
  }
  await client?.connection.close();
  await native?.close();
  await catcher?.stop();
  await db?.drop();
  process.stdout.write(`\nScreenshots of the pages: ${SHOTS}\n`);
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

  await agency.getByLabel('Progress statement').fill('We audited 40 pre-birth referrals; 38 were shared with the GP within 5 days.');
  await agency.getByLabel('Links (optional)').fill('https://bscb.example/audit-2017');
  await agency.getByLabel('Files (optional)').setInputFiles({ name: 'audit-report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n') });
  await agency.getByRole('button', { name: 'Send evidence to the board' }).click();
  await agency.getByText('Evidence sent. The board will review it.').waitFor();
  expect(await agency.locator('dl.facts').innerText()).toContain('Evidence with the board');
  await shot(agency, '04-agency-action-evidence-sent');

  // Board: the evidence and its file are on the sign-off list; ask for changes.
  const board = await signIn(boardCtx, BOARD);
  await board.getByRole('heading', { name: 'Awaiting sign-off' }).waitFor();
  await board.getByText('We audited 40 pre-birth referrals').waitFor();
  const fileLink = board.getByRole('link', { name: 'audit-report.pdf' });
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
  await agency.getByLabel('Progress statement').fill('Audit of 40 referrals: 38 shared within 5 days; the 2 late ones were reviewed with the teams and the checklist changed.');
  await agency.getByRole('button', { name: 'Send evidence to the board' }).click();
  await agency.getByText('Evidence sent. The board will review it.').waitFor();

  // Board: approves.
  await board.reload();
  await board.getByLabel(/Approve: implemented/).check();
  await board.getByRole('button', { name: 'Record decision' }).click();
  await board.getByText('Decision recorded.').waitFor();
  expect(await board.locator('dl.facts').innerText()).toContain('Closed: implemented');
  await shot(board, '08-board-action-closed-timeline');
  const timeline = await board.locator('ol.timeline').innerText();
  const order = ['Assigned to the agency', 'Acknowledged', 'Evidence submitted', 'Board decision (changes requested)', 'Board decision (approved: implemented)'];
  let at = -1;
  for (const step of order) {
    const next = timeline.indexOf(step, at + 1);
    expect(next).toBeGreaterThan(at);
    at = next;
  }

  // The published statement shows it as implemented.
  await board.getByRole('link', { name: 'Reviews' }).click();
  await board.getByRole('link', { name: 'Progress statement for SCR-BABY-M' }).click();
  const bscb = board.locator('section', { has: board.getByRole('heading', { name: 'Buckinghamshire Safeguarding Children Board' }) });
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
  expect(await board.locator('svg[aria-labelledby="rag-title rag-desc"] desc').textContent()).toContain('Buckinghamshire Safeguarding Children Board: 0 red, 0 amber, 1 green, 1 complete');
  await shot(board, '11-board-dashboard');

  // An extension: the agency asks, the board approves.
  await agency.goto(`${baseUrl}/actions/${ids.bscb2}`);
  await agency.getByText('Ask for more time').click();
  await agency.getByLabel('New due date').fill('2031-01-31');
  await agency.getByLabel('Reason for the delay').fill('The training provider cancelled.');
  await agency.getByLabel('Interim measures').fill('Team briefings on parental mental health until the training runs.');
  await agency.getByRole('button', { name: 'Ask the board for an extension' }).click();
  await agency.getByText('Extension requested.').waitFor();
  await board.goto(`${baseUrl}/`);
  await board.getByRole('link', { name: 'SCR-BABY-M 2.1' }).click();
  await board.getByLabel('Approve the new date').check();
  await board.getByRole('button', { name: 'Record extension decision' }).click();
  await board.getByText('Extension decision recorded.').waitFor();
  expect(await board.locator('dl.facts').innerText()).toContain('31 Jan 2031');

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
  const wrongToken = await agency.request.post(`${baseUrl}/actions/${ids.tvp}/acknowledge`, { form: { _csrf: 'not-the-token' }, maxRedirects: 0 });
  expect(wrongToken.status()).toBe(403);
  await agency.locator('form[action$="/acknowledge"] input[name=_csrf]').evaluate((el) => (el as unknown as { remove(): void }).remove());
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
  const again = await agency.request.post(`${baseUrl}/actions/${ids.tvp}/acknowledge`, { form: { _csrf: token! }, maxRedirects: 0 });
  expect(again.status()).toBe(409);
  expect(await again.text()).toContain('There is a problem');

  // An unknown address gets the same page as a known one (no account enumeration).
  const anon = await ctx.newPage();
  await ctx.clearCookies();
  await anon.goto(`${baseUrl}/signin`);
  await anon.getByLabel('E-mail address').fill('nobody@nowhere.example');
  await anon.getByRole('button', { name: 'Send me a sign-in link' }).click();
  await anon.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  expect(catcher.list().some((m) => m.to.includes('nobody@nowhere.example'))).toBe(false);

  // A used link does not sign in twice.
  const mail = catcher.list().filter((m) => m.to.includes('safeguarding.lead@tvp.example') && m.headers['x-notification-kind'] === 'sign_in').pop()!;
  const link = /https?:\/\/\S+\/signin\/[A-Za-z0-9_-]+/.exec(mail.text)![0];
  const reused = await anon.goto(link);
  expect(reused?.status()).toBe(400);
  const [agencyRow] = await db.db.select().from(agencies).where(eq(agencies.code, 'TVP'));
  expect(agencyRow).toBeDefined();
  await ctx.close();
});
