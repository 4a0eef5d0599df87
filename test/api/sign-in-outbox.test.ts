import { eq } from 'drizzle-orm';
import request from 'supertest';
import { loginTokens, notifications } from '../../db/schema';
import { ApiStack } from './stack';

/**
 * Sign-in links go through the outbox like workflow mail: the page answers at once (nothing
 * waits on SMTP), the row is queued, a worker sends it and retries while the relay is down, and
 * the mail counts in the same metrics. Real Postgres, Temporal worker and SMTP server.
 */
jest.setTimeout(180_000);

let stack: ApiStack;
beforeAll(async () => {
  stack = await new ApiStack().start();
});
afterAll(() => stack?.stop());

async function signInForm() {
  const agent = request.agent(stack.app);
  const page = await agent.get('/signin');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1];
  expect(csrf).toBeDefined();
  return { agent, csrf: csrf! };
}

const until = async <T>(get: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

const signInRows = () => stack.db.db.select().from(notifications).where(eq(notifications.kind, 'sign_in'));

it('answers at once while the relay is down, retries from the worker, then delivers a working link', async () => {
  const { agent, csrf } = await signInForm();
  await stack.catcher.stop();
  const known = await agent.post('/signin').type('form').send({ _csrf: csrf, email: 'owner@api.test' });
  const unknown = await agent.post('/signin').type('form').send({ _csrf: csrf, email: 'nobody@api.test' });
  // The same page for both: no SMTP attempt and no account lookup is waited for.
  expect([known.status, unknown.status]).toEqual([200, 200]);
  expect(known.text).toContain('Check your e-mail');
  expect(known.text.replace(/name="_csrf" value="[^"]+"/g, '')).toBe(
    unknown.text.replace(/name="_csrf" value="[^"]+"/g, ''),
  );

  // Queued, and retried by the worker while the relay is away.
  const failing = await until(async () => {
    const [row] = await signInRows();
    return row && row.attempts >= 2 && row.lastError ? row : undefined;
  }, 'a retried sign-in mail');
  expect(failing).toMatchObject({ status: 'pending', recipient: 'owner@api.test' });
  expect(failing.body).not.toMatch(/\/signin\/[A-Za-z0-9_-]{20,}/);
  // A link that never left is no link: no token is usable meanwhile.
  expect(await stack.db.db.select().from(loginTokens)).toEqual([]);
  const pending = await stack.get('/metrics', 'admin');
  expect(pending.text).toMatch(/^actionplan_mails\{status="pending"\} 1$/m);

  await stack.catcher.start();
  const mail = await stack.catcher.waitFor((m) => m.headers['x-notification-kind'] === 'sign_in', 60_000);
  expect(mail.to).toEqual(['owner@api.test']);
  const link = /http:\/\/api\.test(\/signin\/[A-Za-z0-9_-]+)/.exec(mail.text)![1];
  const [sent] = await until(async () => {
    const rows = await signInRows();
    return rows[0]?.status === 'sent' ? rows : undefined;
  }, 'the row marked sent');
  expect(sent.body).not.toContain(link);
  expect((await stack.get('/metrics', 'admin')).text).toMatch(/^actionplan_mails\{status="sent"\} 1$/m);
  // Only the one person who has an account got a row.
  expect((await signInRows()).map((r) => r.recipient)).toEqual(['owner@api.test']);

  // The link works: its page offers the confirm button, which signs in.
  const confirm = await agent.get(link);
  expect(confirm.status).toBe(200);
  const csrf2 = /name="_csrf" value="([^"]+)"/.exec(confirm.text)![1];
  const signedIn = await agent.post(link).type('form').send({ _csrf: csrf2 });
  expect(signedIn.status).toBe(303);
  expect([signedIn.headers['set-cookie'] ?? []].flat().join(';')).toMatch(/=[A-Za-z0-9_-]{20,}/);
});
