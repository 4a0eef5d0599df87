import fs from 'node:fs';
import path from 'node:path';
import { eq, inArray, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { readCsv } from '../api/import/read';
import { sheetToRecommendations } from '../api/import/to-review';
import type { LifecycleDeps } from '../api/use-cases/lifecycle-deps';
import { createReview } from '../api/use-cases/reviews';
import { correctDueDate } from '../api/use-cases/corrections';
import {
  acknowledgeAction,
  cancelAction,
  decideAction,
  decideExtension,
  requestExtension,
  submitEvidence,
} from '../api/use-cases/actions';
import { decideImpact, postProgress, submitImpactEvidence } from '../api/use-cases/assurance';
import { applyProgressSheet } from '../api/use-cases/apply-progress-sheet';
import { progressSheetActions } from '../api/queries/progress-sheet';
import { scopeOf } from '../api/queries/scope';
import { renderProgressSheet } from '../api/report/progress-sheet-xlsx';
import { MEDIA_TYPE } from '../api/report/send-paper';
import { reopenAction, withdrawEvidence } from '../api/use-cases/reopen-withdraw';
import type { Actor } from '../workflows/types';
import type { Db } from '../db/client';
import { agencies, covers, mailDefaults, users } from '../db/schema';
import { boardToday } from '../activities/mail-routing';
import { setActionOwner } from '../api/use-cases/set-owner';
import { addDays } from '../workflows/calendar';
import { INSPECTOR_MAX_DAYS } from '../domain/vocabulary';

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

export const DEMO_USERS: {
  name: string;
  email: string;
  role: 'board' | 'agency' | 'inspector';
  agencyCode?: string;
}[] = [
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
  // Issue 20: a read-only inspector (access for 90 days from the first start); the chair is BOARD_CHAIR_EMAIL.
  { name: 'Joint Inspection Lead', email: 'inspector@jtai.example', role: 'inspector' },
];

/** Who owns the demo's actions, by agency; the first is away for two weeks, covered by the second. */
export const DEMO_OWNERS: Record<string, string> = {
  BCC: 'priya.shah@bcc.example',
  BHT: 'alex.morgan@bht.example',
};
export const DEMO_COVER = {
  away: 'priya.shah@bcc.example',
  deputy: 'sam.patel@bcc.example',
  setBy: 'safeguarding.lead@bcc.example',
  days: 14,
};

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
          // Issue 20: the demo inspector's access lasts the longest an admin may give.
          accessExpiresAt: u.role === 'inspector' ? new Date(Date.now() + INSPECTOR_MAX_DAYS * 86_400_000) : null,
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
      // Set by BCC's lead, who can end it early from their preferences page.
      setBy: idOf(DEMO_COVER.setBy),
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
  const { review, created } = await createReview(
    deps,
    { userId: admin.id, role: 'admin', agencyId: null, name: admin.name },
    {
      reference: 'SCR-BABY-M',
      type: 'scr',
      title: 'Serious Case Review – Baby M',
      publishedOn: '2017-03-01',
      recommendations,
    },
    // As an import from the page: each agency's lead gets one mail for all its actions (issue 22).
    { assignmentMail: 'summary' },
  );
  // Issue 18: the BCC and BHT actions have named owners (mailed now, Priya's mail going to her deputy).
  const adminActor = { userId: admin.id, role: 'admin' as const, agencyId: null, name: admin.name };
  const ownerIdByEmail = new Map(
    (
      await deps.db
        .select({ id: users.id, email: users.email })
        .from(users)
        .where(inArray(users.email, Object.values(DEMO_OWNERS)))
    ).map((u) => [u.email, u.id]),
  );
  for (const rec of review.recommendations)
    for (const a of rec.actions) {
      const ownerId = ownerIdByEmail.get(DEMO_OWNERS[a.agencyCode] ?? '');
      if (ownerId) await setActionOwner(deps, adminActor, a.id, ownerId);
    }
  // Issue 17: some actions moved on to each new stage.
  if (created) {
    await seedDemoProgress(
      deps,
      review.id,
      review.recommendations.flatMap((r) => r.actions),
    );
    await seedDemoImpactDue(deps, adminActor);
  }
}

/** The demo's second review: its impact period is seconds long, so its check is due on the first screen. */
export const DEMO_IMPACT_DUE_REFERENCE = 'DEMO-AUDIT-NEGLECT';

/**
 * Issue 17: an impact check that is due ("is the learning embedded?" asked, evidence awaited).
 * A check falls six months after approval, so no Baby M action can be due on the first start:
 * this small multi-agency audit's policy names an impact period of seconds instead, and its one
 * action is approved at once, so a few seconds after `npm start` the owning agency has been asked.
 */
async function seedDemoImpactDue(deps: LifecycleDeps, admin: Actor): Promise<void> {
  const { review, created } = await createReview(deps, admin, {
    reference: DEMO_IMPACT_DUE_REFERENCE,
    type: 'audit',
    title: 'Multi-agency audit: neglect referrals (demo: impact period shortened to seconds)',
    policy: { impactCheckAfter: 'PT10S' },
    recommendations: [
      {
        number: '1',
        text: 'Referrals for neglect should say what the child lives with day to day, not only the incident.',
        actions: [
          {
            agencyCode: 'BCC',
            title: 'Add a lived-experience section to the referral form',
            successMeasure: 'A dip sample of 20 referrals: the section is filled in 18',
            dueDate: addDays(boardToday(new Date()), 60),
          },
        ],
      },
    ],
  });
  const [a] = review.recommendations[0]?.actions ?? [];
  if (!created || !a) return;
  const [agencyUser] = await deps.db
    .select()
    .from(users)
    .where(eq(users.email, DEMO_USERS.find((u) => u.agencyCode === 'BCC')!.email));
  const boardUser = (await deps.db.select().from(users).where(eq(users.role, 'board'))).find((u) => !u.agencyId);
  if (!agencyUser || !boardUser) return;
  const agency: Actor = { userId: agencyUser.id, role: 'agency', agencyId: agencyUser.agencyId, name: agencyUser.name };
  const board: Actor = { userId: boardUser.id, role: 'board', agencyId: null, name: boardUser.name };
  await acknowledgeAction(deps, agency, a.id);
  await submitEvidence(deps, agency, a.id, {
    statement: 'The referral form has a lived-experience section since May.',
  });
  await decideAction(deps, board, a.id, { outcome: 'approve', comment: 'The new form is in use' });
}

/**
 * Issue 17 on the first screen: a few Baby M actions moved on through the real workflows, so the
 * statement shows an agency's current position, slippage, and implemented versus evidenced
 * impact. (An impact check becomes "due" only at its check date, six months after approval: the
 * due one is in the second demo review, seedDemoImpactDue.)
 */
async function seedDemoProgress(
  deps: LifecycleDeps,
  reviewId: string,
  acts: { id: string; agencyCode: string }[],
): Promise<void> {
  const people = await deps.db.select().from(users);
  const agencyIdOf = new Map(
    (await deps.db.select({ id: agencies.id, code: agencies.code }).from(agencies)).map((a) => [a.code, a.id]),
  );
  const actorFor = (code: string): Actor => {
    const agencyId = agencyIdOf.get(code) ?? null;
    const u = people.find((p) => p.role === 'agency' && p.agencyId === agencyId);
    if (!u) throw new Error(`no demo user for ${code}`);
    return { userId: u.id, role: 'agency', agencyId, name: u.name };
  };
  const boardUser = people.find((p) => p.role === 'board' && p.agencyId === null);
  if (!boardUser) return;
  const board: Actor = { userId: boardUser.id, role: 'board', agencyId: null, name: boardUser.name };
  const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

  const start = async (a: { id: string; agencyCode: string }) => {
    await acknowledgeAction(deps, actorFor(a.agencyCode), a.id);
    return actorFor(a.agencyCode);
  };
  const approve = async (a: { id: string; agencyCode: string }, statement: string) => {
    const agency = await start(a);
    await submitEvidence(deps, agency, a.id, { statement });
    await decideAction(deps, board, a.id, { outcome: 'approve', comment: 'Evidence accepted by the board' });
    return agency;
  };
  const [audit, guidance, sessions, protocol, ccg, bht, waived] = acts;
  // Issue 22: acts[7] takes the board's due-date correction; acts[8] and acts[9] a reopening and a withdrawal.
  const [reopened, withdrawn] = [acts[8], acts[9]];
  if (!waived) return;

  // In progress, with the agency's own word on where it stands.
  let agency = await start(audit);
  await postProgress(deps, agency, audit.id, {
    statement: 'Audit tool agreed; 14 of 25 case files audited so far.',
    percentComplete: 55,
    rag: 'amber',
    ragReason: 'Two auditors were redeployed in January.',
  });
  // Slipped: one extension approved, a second asked for (the chair is copied).
  agency = await start(protocol);
  const first = await requestExtension(deps, agency, protocol.id, {
    newDueDate: inDays(200),
    reason: 'The protocol waits for the new pre-birth procedure.',
    interimMeasures: 'Every pre-birth referral is discussed with a team manager within 48 hours.',
  });
  await decideExtension(deps, board, protocol.id, first.requestId, { outcome: 'approve' });
  await requestExtension(deps, agency, protocol.id, {
    newDueDate: inDays(260),
    reason: 'Consultation with midwifery took longer than planned.',
    interimMeasures: 'Team manager review of every pre-birth referral continues.',
  });
  // Issue 19: the agency fills in its progress sheet offline and e-mails it; the board uploads it for them.
  await boardUploadsSheet(deps, board, agency, reviewId, protocol.id, {
    'Progress update': 'Draft protocol out to midwifery and children’s social care for comment.',
    'Percent complete': '70',
  });
  // Implemented, the impact check scheduled six months on.
  await approve(guidance, 'Revised pre-birth procedure published on the BSCB website in March.');
  // Implemented, impact evidence with the board.
  agency = await approve(sessions, 'Eight multi-agency sessions delivered to 212 practitioners.');
  await submitImpactEvidence(deps, agency, sessions.id, {
    statement: 'Survey of 60 attendees three months on: 48 describe a change in how they plan pre-birth.',
    method: 'survey',
  });
  // Implemented and evidenced: the learning is embedded.
  agency = await approve(ccg, 'Designated nurse supervision now covers every pre-birth case.');
  await submitImpactEvidence(deps, agency, ccg.id, {
    statement: 'Case file sample of 20 pre-birth cases: supervision recorded in 19, with actions followed up.',
    method: 'case_file_sample',
  });
  await decideImpact(deps, board, ccg.id, { outcome: 'evidenced', comment: 'The sample shows the change held.' });
  // Implemented but not embedded: a follow-up action carries the work on.
  agency = await approve(bht, 'Midwifery safeguarding checklist introduced on every ward.');
  await submitImpactEvidence(deps, agency, bht.id, {
    statement: 'Audit of 30 booking records: the checklist was completed in 11.',
    method: 'audit',
  });
  await decideImpact(deps, board, bht.id, {
    outcome: 'not_embedded',
    comment: 'The checklist is not used on two of the three wards.',
    followUpDueDate: inDays(120),
  });
  // Implemented, the impact check waived by the board, with its reason.
  await approve(waived, "Letter sent by the Independent Chair; the minister's reply was reported to the Board.");
  await decideImpact(deps, board, waived.id, {
    outcome: 'waived',
    comment: 'A letter to the minister changes no practice to check: there is nothing to embed.',
  });
  // Issue 22: a board correction on the first screen: a due date entered wrongly, put right (not an extension).
  const corrected = acts[7];
  if (corrected)
    await correctDueDate(deps, board, corrected.id, {
      dueDate: inDays(150),
      reason: 'The plan agreed with the agency says the end of the quarter; the import had the wrong date.',
    });
  // Issue 22: cancelled by mistake and reopened by the board; evidence the agency took back to correct.
  if (reopened) {
    await start(reopened);
    await cancelAction(deps, board, reopened.id, { reason: 'Thought to duplicate the audit action.' });
    await reopenAction(deps, board, reopened.id, {
      reason: 'Not a duplicate: the audit covers referrals, this action covers the training that follows.',
    });
  }
  if (withdrawn) {
    agency = await start(withdrawn);
    await submitEvidence(deps, agency, withdrawn.id, { statement: 'Draft: figures still to be checked.' });
    await withdrawEvidence(deps, agency, withdrawn.id);
  }
}

/**
 * The progress sheet round trip as it happens on the first start: the agency's own sheet (its rows
 * only) with one row filled in, uploaded by the board, so the action shows a progress update and
 * its history reads "<board member> for <agency>".
 */
async function boardUploadsSheet(
  deps: LifecycleDeps,
  board: Actor,
  agency: Actor,
  reviewId: string,
  actionId: string,
  cells: Record<string, string>,
): Promise<void> {
  const review = await progressSheetActions(deps.db, scopeOf(agency), reviewId);
  if (!review) return;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(
    (await renderProgressSheet(review, {
      boardName: 'Safeguarding board',
      generatedAt: new Date(),
    })) as unknown as ArrayBuffer,
  );
  const ws = wb.getWorksheet('Actions')!;
  const column = (header: string) => (ws.getRow(1).values as unknown[]).indexOf(header);
  ws.eachRow((row, n) => {
    if (n > 1 && row.getCell(column('Action ID')).value === actionId)
      for (const [header, value] of Object.entries(cells)) row.getCell(column(header)).value = value;
  });
  const buffer = Buffer.from(await wb.xlsx.writeBuffer());
  await applyProgressSheet(deps, board, reviewId, [
    { field: 'file', filename: 'progress-sheet.xlsx', mediaType: MEDIA_TYPE.xlsx, size: buffer.length, buffer },
  ]);
}
