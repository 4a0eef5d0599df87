/**
 * The browser tests' harness: the real app (createApp) on a real Postgres, the run's Temporal
 * dev server with a worker on its own task queue, a real SMTP server (MailCatcher) that sign-in
 * links and notifications go through, and Debian's Chromium driven by playwright-core.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type Worker } from '@temporalio/worker';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createActivities } from '../../activities';
import { createApp } from '../../api/app';
import { users } from '../../db/schema';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { MailCatcher } from '../../lib/mail-catcher';
import { createMailer } from '../../lib/mailer';
import { seedDemoPeople } from '../../scripts/demo-data';
import { createWorker } from '../../worker/create-worker';
import type { Actor } from '../../workflows/types';
import { createTestDatabase, testTemporalAddress, uniqueTaskQueue, type TestDatabase } from '../support/db';

export const SHOTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'screenshots');
export const FROM = 'Safeguarding Board <actions@board.test>';

export interface WebStack {
  db: TestDatabase;
  catcher: MailCatcher;
  baseUrl: string;
  client: Client;
  taskQueue: string;
  browser: Browser;
  adminActor: Actor;
  stop(): Promise<void>;
}

/**
 * Starts everything, seeds the demo agencies and people plus an admin; `stop` undoes it all.
 * `env`: more settings, made once the site's address is known (a test's OpenID provider needs it).
 */
export async function startWebStack(
  name: string,
  opts: { env?: (baseUrl: string) => Promise<Record<string, string>> } = {},
): Promise<WebStack> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const db = await createTestDatabase(name);
  const catcher = new MailCatcher({ port: 0 });
  await catcher.start();

  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const taskQueue = uniqueTaskQueue(name);
  const extraEnv = opts.env ? await opts.env(baseUrl) : {};
  const config = loadConfig('embedded', {
    ...extraEnv,
    PUBLIC_URL: baseUrl,
    SMTP_URL: catcher.url,
    MAIL_FROM: FROM,
    TEMPORAL_ADDRESS: testTemporalAddress(),
    TEMPORAL_TASK_QUEUE: taskQueue,
    LOG_LEVEL: process.env.WEB_TEST_LOG_LEVEL ?? 'silent',
    ALLOW_SHORT_POLICIES: '1',
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'web-test-')),
  });

  const native = await NativeConnection.connect({ address: testTemporalAddress() });
  const client = new Client({ connection: await Connection.connect({ address: testTemporalAddress() }) });
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never,
  });
  const worker: Worker = await createWorker({
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
  const running = worker.run();

  const app = createApp({
    config,
    db: db.db,
    client,
    logger: createLogger(config, 'web-test'),
    readiness: async () => ({
      ready: true,
      checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true } },
    }),
    mailCatcher: catcher,
  });
  server.on('request', app);

  await seedDemoPeople(db.db);
  const [admin] = await db.db
    .insert(users)
    .values({ name: 'Admin', email: 'admin@board.example', role: 'admin' })
    .returning();
  const adminActor: Actor = { userId: admin.id, role: 'admin', agencyId: null, name: 'Admin' };

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });

  const stop = async () => {
    await browser.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    worker.shutdown();
    await running;
    await client.connection.close();
    await native.close();
    await catcher.stop();
    await db.drop();
    process.stdout.write(`\nScreenshots of the pages: ${SHOTS}\n`);
  };
  return { db, catcher, baseUrl, client, taskQueue, browser, adminActor, stop };
}

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** WCAG 2.0, 2.1 and 2.2 at levels A and AA: what UK public-sector services must meet. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** axe-core's A/AA violations on the page as it is now (evaluated, so a content security policy does not stop it). */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const axe = (
      globalThis as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }
    ).axe;
    const result = await axe.run((globalThis as unknown as { document: unknown }).document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  }, AXE_TAGS);
}

/** Fails with each rule, its help and the elements, when the page has any A/AA violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  const violations = await axeViolations(page);
  const text = violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `  ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`).join('\n')}`,
    )
    .join('\n');
  if (violations.length)
    throw new Error(`${name} (${page.url()}): ${violations.length} accessibility violation(s)\n${text}`);
}

/** A screenshot of the page for people to look at, and the accessibility check of that state. */
export const shot = async (page: Page, name: string) => {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  await expectAccessible(page, name);
};

/**
 * Signs in as a person would: the sign-in form, the mail in the catcher's inbox page, its link,
 * then the confirm button on the page the link opens (the GET alone does not sign in).
 */
export async function signIn(
  stack: WebStack,
  context: BrowserContext,
  email: string,
  opts: { landing?: string; shots?: { inbox?: string; message?: string; confirm?: string } } = {},
): Promise<Page> {
  const { baseUrl, catcher } = stack;
  const page = await context.newPage();
  await page.goto(`${baseUrl}/signin`);
  await page.getByLabel('E-mail address').fill(email);
  const before = catcher.list().length;
  await page.getByRole('button', { name: 'Send me a sign-in link' }).click();
  await page.getByRole('heading', { name: 'Check your e-mail' }).waitFor();
  const mail = await catcher.waitFor(
    (m) => m.id > before && m.to.includes(email) && m.headers['x-notification-kind'] === 'sign_in',
    15_000,
  );
  // Through the inbox page, as someone trying the embedded mode would.
  await page.getByRole('link', { name: 'Open the mail inbox' }).click();
  if (opts.shots?.inbox) await shot(page, opts.shots.inbox);
  await page.locator(`a[href="/mail/${mail.id}"]`).click();
  if (opts.shots?.message) await shot(page, opts.shots.message);
  await page.getByRole('link', { name: /\/signin\// }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  if (opts.shots?.confirm) await shot(page, opts.shots.confirm);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${baseUrl}${opts.landing ?? '/'}`);
  return page;
}

/** The link of the newest sign-in mail to `email`. */
export function lastSignInLink(stack: WebStack, email: string): string {
  const mail = stack.catcher
    .list()
    .filter((m) => m.to.includes(email) && m.headers['x-notification-kind'] === 'sign_in')
    .pop();
  if (!mail) throw new Error(`no sign-in mail to ${email}`);
  return /https?:\/\/\S+\/signin\/[A-Za-z0-9_-]+/.exec(mail.text)![0];
}
