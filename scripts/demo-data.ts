import fs from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { readCsv } from '../api/import/read';
import { sheetToRecommendations } from '../api/import/to-review';
import type { LifecycleDeps } from '../api/use-cases/lifecycle-deps';
import { createReview } from '../api/use-cases/reviews';
import type { Db } from '../db/client';
import { agencies, covers, mailDefaults, users } from '../db/schema';
import { boardToday } from '../activities/mail-routing';
import { setActionOwner } from '../api/use-cases/set-owner';
import { addDays } from '../workflows/calendar';

/**
 * The partner agencies of the published Baby M review (shared/domain), so that someone trying
 * the product on `npm start` has people to sign in as. Addresses are fictional (.example).
 */
export const DEMO_AGENCIES = [
  {
    code: 'BSCB',
    name: 'Buckinghamshire Safeguarding Children Board',
    leadEmail: 'lead@bscb.example',
    seniorEmail: 'manager@bscb.example',
  },
  {
    code: 'BHT',
    name: 'Buckinghamshire Healthcare NHS Trust',
    leadEmail: 'safeguarding.lead@bht.example',
    seniorEmail: 'chief.nurse@bht.example',
  },
  {
    code: 'BCC',
    name: "Buckinghamshire County Council Children's Social Care",
    leadEmail: 'safeguarding.lead@bcc.example',
    seniorEmail: 'director@bcc.example',
  },
  {
    code: 'TVP',
    name: 'Thames Valley Police',
    leadEmail: 'safeguarding.lead@tvp.example',
    seniorEmail: 'superintendent@tvp.example',
  },
  {
    code: 'CCG',
    name: 'Buckinghamshire Clinical Commissioning Groups',
    leadEmail: 'designated.nurse@ccg.example',
    seniorEmail: 'quality.director@ccg.example',
  },
];

export const DEMO_USERS: { name: string; email: string; role: 'board' | 'agency'; agencyCode?: string }[] = [
  { name: 'Board Business Manager', email: 'business.manager@board.example', role: 'board' },
  { name: 'BSCB Safeguarding Lead', email: 'lead@bscb.example', role: 'agency', agencyCode: 'BSCB' },
  { name: 'BHT Named Nurse', email: 'safeguarding.lead@bht.example', role: 'agency', agencyCode: 'BHT' },
  { name: 'BCC Service Manager', email: 'safeguarding.lead@bcc.example', role: 'agency', agencyCode: 'BCC' },
  { name: 'TVP Detective Inspector', email: 'safeguarding.lead@tvp.example', role: 'agency', agencyCode: 'TVP' },
  { name: 'CCG Designated Nurse', email: 'designated.nurse@ccg.example', role: 'agency', agencyCode: 'CCG' },
  // Issue 18: named owners, and one of them away with a deputy covering.
  { name: 'Priya Shah', email: 'priya.shah@bcc.example', role: 'agency', agencyCode: 'BCC' },
  { name: 'Sam Patel', email: 'sam.patel@bcc.example', role: 'agency', agencyCode: 'BCC' },
  { name: 'Alex Morgan', email: 'alex.morgan@bht.example', role: 'agency', agencyCode: 'BHT' },
];

/** Who owns the demo's actions, by agency; the first is away for two weeks, covered by the second. */
export const DEMO_OWNERS: Record<string, string> = {
  BCC: 'priya.shah@bcc.example',
  BHT: 'alex.morgan@bht.example',
};
export const DEMO_COVER = { away: 'priya.shah@bcc.example', deputy: 'sam.patel@bcc.example', days: 14 };

/** Seeds agencies and users only into an empty database, so a user's own data is never touched. */
export async function seedDemoPeople(db: Db): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [{ n }] = await tx.select({ n: sql<number>`count(*)::int` }).from(agencies);
    if (n > 0) return false;
    const inserted = await tx
      .insert(agencies)
      .values(DEMO_AGENCIES)
      .returning({ id: agencies.id, code: agencies.code });
    const idByCode = new Map(inserted.map((a) => [a.code, a.id]));
    const people = await tx
      .insert(users)
      .values(
        DEMO_USERS.map((u) => ({
          name: u.name,
          email: u.email,
          role: u.role,
          agencyId: u.agencyCode ? idByCode.get(u.agencyCode) : null,
        })),
      )
      .returning({ id: users.id, email: users.email });
    const idOf = (email: string) => people.find((p) => p.email === email)!.id;
    // The demo shows the digest: reminders and overdue notices once a day (a real deployment starts at `immediate`).
    await tx.insert(mailDefaults).values([
      { kind: 'reminder', delivery: 'digest' },
      { kind: 'overdue', delivery: 'digest' },
    ]);
    const today = boardToday(new Date());
    await tx.insert(covers).values({
      userId: idOf(DEMO_COVER.away),
      deputyId: idOf(DEMO_COVER.deputy),
      startsOn: today,
      endsOn: addDays(today, DEMO_COVER.days - 1),
      copyMe: false,
    });
    return true;
  });
}

/**
 * The Baby M action plan from examples/ (built from the published progress statement), started
 * as a live review so the pages have something to show. Goes through the same import parser and
 * use-case as `POST /reviews/import`.
 */
export async function seedDemoReview(deps: LifecycleDeps): Promise<void> {
  const [admin] = await deps.db.select().from(users).where(eq(users.role, 'admin')).limit(1);
  if (!admin) return;
  const sheet = readCsv(fs.readFileSync(path.join(__dirname, '..', 'examples', 'scr-baby-m-action-plan.csv')));
  const codes = new Set((await deps.db.select({ code: agencies.code }).from(agencies)).map((a) => a.code));
  const { recommendations, errors } = sheetToRecommendations(sheet, codes);
  if (errors.length) throw new Error(`the demo action plan does not import: ${JSON.stringify(errors)}`);
  const { review } = await createReview(
    deps,
    { userId: admin.id, role: 'admin', agencyId: null, name: admin.name },
    {
      reference: 'SCR-BABY-M',
      type: 'scr',
      title: 'Serious Case Review – Baby M',
      publishedOn: '2017-03-01',
      recommendations,
    },
  );
  // Issue 18: the BCC and BHT actions have named owners (mailed now, Priya's mail going to her deputy).
  const adminActor = { userId: admin.id, role: 'admin' as const, agencyId: null, name: admin.name };
  for (const rec of review.recommendations)
    for (const a of rec.actions) {
      const ownerEmail = DEMO_OWNERS[a.agencyCode];
      if (!ownerEmail) continue;
      const [owner] = await deps.db.select({ id: users.id }).from(users).where(eq(users.email, ownerEmail));
      if (owner) await setActionOwner(deps, adminActor, a.id, owner.id);
    }
}
