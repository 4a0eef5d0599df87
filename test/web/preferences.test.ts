/**
 * Issue 18 in Chromium on the real stack: the preferences page (mail choices, cover while away)
 * and "My actions" with its tabs, with no axe-core A/AA violation in any state. The demo people
 * are seeded: Priya Shah (BCC) is away, Sam Patel covers.
 */
import { eq } from 'drizzle-orm';
import { createReview } from '../../api/use-cases/reviews';
import { setActionOwner } from '../../api/use-cases/set-owner';
import { actions, users } from '../../db/schema';
import type { CaughtMail } from '../../lib/mail-catcher';
import { expectAccessible, shot, signIn, startWebStack, type WebStack } from './helpers';

jest.setTimeout(300_000);

let stack: WebStack;
const SAM = 'sam.patel@bcc.example';
const PRIYA = 'priya.shah@bcc.example';
const BCC_LEAD = 'safeguarding.lead@bcc.example';
/** The action nobody owns yet (SCR-PREFS 1.2). */
let unowned: string;

const mailTo = async (who: string, pred: (m: CaughtMail) => boolean) => {
  for (let i = 0; ; i++) {
    const found = stack.catcher.list().filter((m) => m.rcpt.includes(who) && pred(m));
    if (found.length) return found;
    if (i > 150) throw new Error(`no mail to ${who}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

beforeAll(async () => {
  stack = await startWebStack('webprefs');
  const deps = { db: stack.db.db, client: stack.client, taskQueue: stack.taskQueue };
  const { review } = await createReview(deps, stack.adminActor, {
    reference: 'SCR-PREFS',
    title: 'Owners',
    policy: { acknowledgeWithin: 'P30D', remindBefore: [], stallAfter: 'P30D' },
    recommendations: [
      {
        number: '1',
        text: 'Share information',
        actions: [
          { agencyCode: 'BCC', title: 'Sam owns this', dueDate: new Date(Date.now() + 40 * 86_400_000).toISOString() },
          {
            agencyCode: 'BCC',
            title: 'Nobody owns this',
            dueDate: new Date(Date.now() + 50 * 86_400_000).toISOString(),
          },
        ],
      },
    ],
  });
  const [sam] = await stack.db.db.select().from(users).where(eq(users.email, SAM));
  await setActionOwner(deps, stack.adminActor, review.recommendations[0].actions[0].id, sam.id);
  unowned = review.recommendations[0].actions[1].id;
});
afterAll(() => stack?.stop());

it('My actions shows what I own, with a tab for my agency’s', async () => {
  const context = await stack.browser.newContext();
  const page = await signIn(stack, context, SAM);
  await page.goto(`${stack.baseUrl}/`);
  await page.getByRole('link', { name: 'Mine (1)' }).waitFor();
  // The link is the reference (SCR-PREFS 1.1, owned by Sam), the title follows it.
  expect(await page.getByText('Sam owns this').count()).toBe(1);
  expect(await page.getByText('Nobody owns this').count()).toBe(0);
  await expectAccessible(page, 'my actions, mine');
  await page.getByRole('link', { name: /My agency’s/ }).click();
  await page.getByText('Nobody owns this').waitFor();
  await expectAccessible(page, 'my actions, agency');
  await page.getByRole('link', { name: 'SCR-PREFS 1.1' }).click();
  await page.getByText('Sam Patel', { exact: true }).waitFor();
  await context.close();
});

it('the preferences page: the cover Sam holds, mail choices saved, a bad cover refused on the page', async () => {
  const context = await stack.browser.newContext();
  const page = await signIn(stack, context, SAM);
  await page.goto(`${stack.baseUrl}/preferences`);
  await page.getByText(/Priya Shah away from .* Sam Patel covers/).waitFor();
  await expectAccessible(page, 'preferences');

  await page.locator('#d-evidence_submitted-digest').check();
  await page.getByRole('button', { name: 'Save mail choices' }).click();
  await page.getByText('Mail choices saved.').waitFor();
  expect(await page.locator('#d-evidence_submitted-digest').isChecked()).toBe(true);

  // Issue 22: GOV.UK date inputs (day, month, year).
  const fillDate = async (legend: string, [d, m, y]: string[]) => {
    const group = page.getByRole('group', { name: legend });
    await group.getByLabel('Day').fill(d);
    await group.getByLabel('Month').fill(m);
    await group.getByLabel('Year').fill(y);
  };
  await fillDate('First day away', ['10', '5', '2030']);
  await fillDate('Last day away', ['1', '5', '2030']);
  await page.getByRole('button', { name: 'Set cover' }).click();
  await page.getByText('There is a problem').waitFor();
  expect(await page.locator('#to-error').innerText()).toContain('the cover ends before it starts');
  expect(await page.getByRole('group', { name: 'First day away' }).getByLabel('Day').inputValue()).toBe('10');
  // A date that does not exist, beside its own field.
  await fillDate('First day away', ['31', '4', '2030']);
  await page.getByRole('button', { name: 'Set cover' }).click();
  await page.locator('#from-error').waitFor();
  expect(await page.locator('#from-error').innerText()).toContain('The first day away must be a real date');
  await expectAccessible(page, 'preferences, bad cover');

  // A tampered mail form (a choice the page does not offer) is refused on the preferences page,
  // its message beside the kind's fieldset, not on the generic "form not accepted" page.
  const token = await page.locator('form[action="/preferences"] input[name="_csrf"]').inputValue();
  const refused = await page.request.post(`${stack.baseUrl}/preferences`, {
    form: { _csrf: token, reminder: 'weekly' },
    maxRedirects: 0,
  });
  expect(refused.status()).toBe(400);
  const body = await refused.text();
  expect(body).toContain('<h1>Preferences</h1>');
  expect(body).toMatch(/<span class="field-error" id="d-reminder-immediate-error">/);
  await page.setContent(body);
  await expectAccessible(page, 'preferences, bad mail choice');
  await context.close();
});

it("the agency's lead names an owner on the action page; a choice refused since the page was drawn comes back beside the list", async () => {
  const [leaving] = await stack.db.db
    .insert(users)
    .values({
      name: 'Lee Leaving',
      email: 'lee.leaving@bcc.example',
      role: 'agency',
      agencyId: (await stack.db.db.select({ a: users.agencyId }).from(users).where(eq(users.email, SAM)))[0].a,
    })
    .returning();
  const context = await stack.browser.newContext();
  const page = await signIn(stack, context, BCC_LEAD);
  await page.goto(`${stack.baseUrl}/actions/${unowned}`);
  await page.getByRole('heading', { name: 'Name an owner' }).waitFor();
  await shot(page, 'owner-form');

  // Lee leaves (deactivated) after the page was drawn: refused beside the list, nothing written.
  await page.locator('#owner-id').selectOption({ label: 'Lee Leaving' });
  await stack.db.db.update(users).set({ deactivatedAt: new Date() }).where(eq(users.id, leaving.id));
  await page.getByRole('button', { name: 'Save owner' }).click();
  await page.getByText('There is a problem').waitFor();
  expect(await page.locator('#owner-id-error').textContent()).toContain('deactivated');
  expect(await page.locator('#owner-id').getAttribute('aria-invalid')).toBe('true');
  await shot(page, 'owner-form-refused');
  const ownerNow = async () =>
    (await stack.db.db.select({ o: actions.ownerId }).from(actions).where(eq(actions.id, unowned)))[0].o;
  expect(await ownerNow()).toBeNull();
  // Lee is no longer offered.
  expect(await page.locator('#owner-id option', { hasText: 'Lee Leaving' }).count()).toBe(0);

  await page.locator('#owner-id').selectOption({ label: 'Sam Patel' });
  await page.getByRole('button', { name: 'Save owner' }).click();
  await page.getByText('Owner saved.').waitFor();
  await page.getByRole('heading', { name: 'Change the owner' }).waitFor();
  const [sam] = await stack.db.db.select().from(users).where(eq(users.email, SAM));
  expect(await ownerNow()).toBe(sam.id);
  await shot(page, 'owner-named');
  // Mailed to the new owner, with the calendar entry.
  const [mail] = await mailTo(
    SAM,
    (m) => m.headers['x-notification-kind'] === 'assignment' && m.headers['x-action-ref'] === 'SCR-PREFS 1.2',
  );
  expect(mail.attachments[0]?.content).toContain('BEGIN:VCALENDAR');
  // A plain member of the agency is not offered the form.
  const member = await stack.browser.newContext();
  const memberPage = await signIn(stack, member, PRIYA);
  await memberPage.goto(`${stack.baseUrl}/actions/${unowned}`);
  await memberPage.getByRole('heading', { name: /SCR-PREFS 1.2/ }).waitFor();
  expect(await memberPage.getByRole('heading', { name: /owner/ }).count()).toBe(0);
  await member.close();
  await context.close();
});

it('the lead ends the cover they set for Priya from the preferences page; her mail then goes to her', async () => {
  const context = await stack.browser.newContext();
  const page = await signIn(stack, context, BCC_LEAD);
  await page.goto(`${stack.baseUrl}/preferences`);
  await page.getByText(/Priya Shah away from .* Sam Patel covers/).waitFor();
  await shot(page, 'cover-set-by-lead');
  await page.getByRole('button', { name: 'End Priya Shah’s cover now' }).click();
  await page.getByText('Cover ended.').waitFor();
  await page.getByText('No cover set.').waitFor();
  await shot(page, 'cover-ended');

  // Priya named owner now: the mail is hers, not her former deputy's.
  const [priya] = await stack.db.db.select().from(users).where(eq(users.email, PRIYA));
  const deps = { db: stack.db.db, client: stack.client, taskQueue: stack.taskQueue };
  await setActionOwner(deps, stack.adminActor, unowned, priya.id);
  const [mail] = await mailTo(
    PRIYA,
    (m) => m.headers['x-notification-kind'] === 'assignment' && m.text.includes('Priya Shah (named owner)'),
  );
  expect(mail.to).toEqual([PRIYA]);
  expect(mail.rcpt).not.toContain(SAM);
  await context.close();
});
