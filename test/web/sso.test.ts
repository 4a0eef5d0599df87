/**
 * Single sign-on with OpenID Connect in Chromium, against a real provider (`oidc-provider` on a
 * local port, test/web/oidc-provider.ts): signing in through its login page lands on My actions
 * with the same session as the e-mailed link, and signing out ends it here and at the provider.
 * Every refusal (wrong state, replayed code, unverified address, unmapped domain, no account,
 * expired ID token) is a page saying why, and leaves no session.
 */
import { and, eq, isNotNull } from 'drizzle-orm';
import type { BrowserContext, Page } from 'playwright-core';
import { agencies, auditEvents, sessions, users } from '../../db/schema';
import { CLIENT_ID, CLIENT_SECRET, startTestProvider, type TestProvider } from './oidc-provider';
import { shot, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

let stack: WebStack;
let provider: TestProvider;
let baseUrl: string;

beforeAll(async () => {
  stack = await startWebStack('websso', {
    env: async (site) => {
      provider = await startTestProvider(site);
      return {
        OIDC_ISSUER: provider.issuer,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_PROVIDER_NAME: 'Partnership ID',
        OIDC_AGENCY_DOMAINS: 'bscb.example=BSCB,tvp.example=TVP,board.example',
        OIDC_CREATE_USERS: 'true',
      };
    },
  });
  baseUrl = stack.baseUrl;
});

afterAll(async () => {
  await stack?.stop();
  await provider?.stop();
});

const isCallback = (u: URL) => u.pathname === '/signin/sso/callback';

/** From our sign-in page through the provider's login page, up to the browser's return here. */
async function throughProvider(page: Page, login: string, atProvider?: () => Promise<void>): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  await page.getByRole('link', { name: 'Sign in with Partnership ID' }).click();
  await page.waitForURL((u) => u.origin === provider.issuer);
  if (atProvider) await atProvider();
  await page.locator('input[name=login]').fill(login);
  await page.locator('input[name=password]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
}

/** The attempt's cookie (state, nonce, PKCE verifier) as the browser holds it. */
const attemptCookie = async (context: BrowserContext) => (await context.cookies()).find((c) => c.name === 'ap_oidc')!;

/** No session cookie, and the start page sends the browser to sign in. */
async function expectSignedOut(context: BrowserContext, page: Page) {
  expect((await context.cookies()).map((c) => c.name)).not.toContain('ap_session');
  await page.goto(`${baseUrl}/`);
  expect(new URL(page.url()).pathname).toBe('/signin');
}

async function refusedAt(login: string, heading: RegExp, status: number, shotName?: string, text?: RegExp) {
  const context = await stack.browser.newContext();
  const page = await context.newPage();
  const answer = page.waitForResponse((r) => isCallback(new URL(r.url())));
  await throughProvider(page, login);
  expect((await answer).status()).toBe(status);
  await page.getByRole('heading', { name: heading }).waitFor();
  if (text) await page.getByText(text).waitFor();
  if (shotName) await shot(page, shotName);
  await expectSignedOut(context, page);
  await context.close();
}

it('the sign-in page offers the provider next to the e-mailed link', async () => {
  const context = await stack.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${baseUrl}/signin`);
  await page.getByRole('link', { name: 'Sign in with Partnership ID' }).waitFor();
  await page.getByRole('button', { name: 'Send me a sign-in link' }).waitFor();
  await shot(page, 'sso-sign-in-page');
  await context.close();
});

it("signs in through the provider's login page, lands on My actions, and signs out there too", async () => {
  const { db } = stack.db;
  const context = await stack.browser.newContext();
  const page = await context.newPage();
  await throughProvider(page, 'lead@bscb.example');
  await page.waitForURL(`${baseUrl}/`);
  await page.getByRole('heading', { name: 'My actions' }).waitFor();
  await shot(page, 'sso-my-actions');
  const [lead] = await db.select().from(users).where(eq(users.email, 'lead@bscb.example'));
  const held = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, lead.id), isNotNull(sessions.oidcIdToken)));
  expect(held).toHaveLength(1);
  // The one-time values of the attempt are gone with it.
  expect((await context.cookies()).map((c) => c.name)).not.toContain('ap_oidc');

  await page.getByRole('button', { name: 'Sign out' }).click();
  // The provider's own end-session page, reached with the ID token as the hint.
  await page.waitForURL((u) => u.origin === provider.issuer);
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL(`${baseUrl}/signin`);
  expect(await db.select().from(sessions).where(eq(sessions.userId, lead.id))).toHaveLength(0);
  await expectSignedOut(context, page);
  // Signed out at the provider too: the next sign-in asks for the login again.
  await page.goto(`${baseUrl}/signin`);
  await page.getByRole('link', { name: 'Sign in with Partnership ID' }).click();
  await page.locator('input[name=login]').waitFor();
  await context.close();
});

it('creates an agency user just in time for a verified address of a mapped domain', async () => {
  const { db } = stack.db;
  const context = await stack.browser.newContext();
  const page = await context.newPage();
  await throughProvider(page, 'new.person@tvp.example');
  await page.waitForURL(`${baseUrl}/`);
  await page.getByRole('heading', { name: 'My actions' }).waitFor();
  const [created] = await db
    .select({ role: users.role, agency: agencies.code, name: users.name })
    .from(users)
    .innerJoin(agencies, eq(agencies.id, users.agencyId))
    .where(eq(users.email, 'new.person@tvp.example'));
  expect(created).toEqual({ role: 'agency', agency: 'TVP', name: 'New Person' });
  const events = await db.select().from(auditEvents).where(eq(auditEvents.type, 'user_created'));
  expect(events.map((e) => e.actor)).toContain(`oidc:${new URL(provider.issuer).host}`);
  await context.close();
});

it('refuses an unverified address, an unmapped domain and an address with no account, with no session', async () => {
  await refusedAt('unverified@bscb.example', /e-mail address is not verified/, 403, 'sso-refused-unverified');
  await refusedAt('someone@elsewhere.example', /not set up for your organisation/, 403);
  // board.example is trusted for existing users only: no account is made there.
  await refusedAt('newcomer@board.example', /No account for this address/, 403);
  expect(await stack.db.db.select().from(users).where(eq(users.email, 'newcomer@board.example'))).toHaveLength(0);
});

it('refuses an expired ID token, signed by the provider, with no session', async () => {
  await refusedAt('expired', /could not be completed/, 400, 'sso-refused-expired', /had already expired/);
});

it('refuses an answer whose state is not the one this browser started with', async () => {
  const context = await stack.browser.newContext();
  const page = await context.newPage();
  const answer = page.waitForResponse((r) => isCallback(new URL(r.url())));
  await throughProvider(page, 'lead@bscb.example', async () => {
    // The browser's attempt now carries another state than the one sent to the provider.
    const c = await attemptCookie(context);
    const [, nonce, verifier] = c.value.split('.');
    await context.addCookies([{ ...c, value: `${'s'.repeat(43)}.${nonce}.${verifier}` }]);
  });
  expect((await answer).status()).toBe(400);
  await page.getByRole('heading', { name: 'This sign-in did not start here' }).waitFor();
  await expectSignedOut(context, page);
  await context.close();
});

it('refuses a code used once already, even with the attempt cookie that went with it', async () => {
  const first = await stack.browser.newContext();
  const page = await first.newPage();
  let callback = '';
  page.on('request', (r) => {
    if (isCallback(new URL(r.url()))) callback = r.url();
  });
  let attempt: Awaited<ReturnType<typeof attemptCookie>> | undefined;
  await throughProvider(page, 'lead@bscb.example', async () => {
    attempt = await attemptCookie(first);
  });
  await page.waitForURL(`${baseUrl}/`);
  await page.getByRole('heading', { name: 'My actions' }).waitFor();
  expect(callback).toContain('code=');
  expect(attempt).toBeDefined();
  await first.close();

  // Someone holding both the callback URL and the cookie tries them again.
  const second = await stack.browser.newContext();
  await second.addCookies([attempt!]);
  const replay = await second.newPage();
  const answer = await replay.goto(callback);
  expect(answer?.status()).toBe(400);
  await replay.getByRole('heading', { name: 'The sign-in could not be completed' }).waitFor();
  await replay.getByText(/refused the sign-in code/).waitFor();
  await shot(replay, 'sso-refused-replayed-code');
  await expectSignedOut(second, replay);
  await second.close();
});
