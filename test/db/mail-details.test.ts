/**
 * What a mail says about who acted and what they sent (activities/mail-details.ts), looked up on
 * the real Postgres from the rows the projection writes, keyed by the request's occasion; then
 * composed, so the mail names the person, the files, the dates and the policy's deadlines.
 */
import { sql } from 'drizzle-orm';
import { compose, type MailFacts } from '../../activities/mail-content';
import { mailDetails } from '../../activities/mail-details';
import type { NotificationRequest } from '../../workflows/types';
import { createTestDatabase, type TestDatabase } from '../support/db';

let db: TestDatabase;
const ids: Record<string, string> = {};
const one = async (q: ReturnType<typeof sql>) =>
  ((await db.db.execute(q)) as unknown as { rows: { id: string }[] }).rows[0].id;

beforeAll(async () => {
  db = await createTestDatabase('maildetails');
  ids.agency = await one(
    sql`insert into agencies (code, name, lead_email) values ('TVP', 'Thames Valley Police', 'lead@tvp.test') returning id`,
  );
  ids.lead = await one(
    sql`insert into users (name, email, role, agency_id) values ('Jo Lead', 'jo@tvp.test', 'agency', ${ids.agency}::uuid) returning id`,
  );
  ids.board = await one(
    sql`insert into users (name, email, role) values ('Bea Board', 'bea@board.test', 'board') returning id`,
  );
  ids.review = await one(
    sql`insert into reviews (reference, title, policy) values ('SCR-P', 'Child P', ${JSON.stringify({ acknowledgeWithin: 'P5D', boardDecisionWithin: 'P2W', stallAfter: { workingDays: 20 } })}::jsonb) returning id`,
  );
  ids.rec = await one(
    sql`insert into recommendations (review_id, number, text, workflow_id) values (${ids.review}::uuid, '2', 'Rec', 'rec-x') returning id`,
  );
  ids.action =
    await one(sql`insert into actions (recommendation_id, review_id, agency_id, reference, title, description, success_measure, due_date, workflow_id, status, rag)
    values (${ids.rec}::uuid, ${ids.review}::uuid, ${ids.agency}::uuid, '2.1', 'Train officers', 'Train every officer', '90% trained', '2027-03-31T22:59:59.999Z', 'action-x', 'under_review', 'green') returning id`);
  ids.evidence = await one(sql`insert into evidence (action_id, statement, links, submitted_by)
    values (${ids.action}::uuid, 'All teams trained.', '["https://x.test/a"]'::jsonb, ${ids.lead}::uuid) returning id`);
  await db.db.execute(sql`insert into blobs (sha256, size, content) values ('abc', 3, '\\x010203'::bytea)`);
  await db.db.execute(
    sql`insert into attachments (evidence_id, filename, media_type, size, sha256) values (${ids.evidence}::uuid, 'register.pdf', 'application/pdf', 3, 'abc')`,
  );
  ids.decision = await one(sql`insert into decisions (action_id, evidence_id, outcome, comment, decided_by)
    values (${ids.action}::uuid, ${ids.evidence}::uuid, 'request_changes', 'Add the register', ${ids.board}::uuid) returning id`);
  ids.extension =
    await one(sql`insert into extension_requests (action_id, previous_due_date, new_due_date, reason, interim_measures, requested_by, decided_by, status)
    values (${ids.action}::uuid, '2027-03-31T22:59:59.999Z', '2027-04-30T22:59:59.999Z', 'Trainer left', 'Weekly briefings', ${ids.lead}::uuid, ${ids.board}::uuid, 'approved') returning id`);
});

afterAll(async () => {
  await db?.drop();
});

const action = () => ({ id: ids.action, description: 'Train every officer', successMeasure: '90% trained' });
const policy = { acknowledgeWithin: 'P5D', boardDecisionWithin: 'P2W', stallAfter: { workingDays: 20 } };
const req = (
  kind: NotificationRequest['kind'],
  occasion: string,
  detail?: Record<string, string>,
): NotificationRequest => ({
  workflowId: 'action-x',
  kind,
  occasion,
  actionId: ids.action,
  detail,
});
const facts = (details: MailFacts['details']): MailFacts => ({
  publicUrl: 'https://a.test',
  boardChairEmail: 'chair@board.test',
  reviewReference: 'SCR-P',
  reviewTitle: 'Child P',
  reference: '2.1',
  title: 'Train officers',
  actionId: ids.action,
  agency: { code: 'TVP', name: 'Thames Valley Police', leadEmail: 'lead@tvp.test', seniorEmail: null, userEmails: [] },
  boardEmails: ['bea@board.test'],
  dueDate: new Date('2027-03-31T22:59:59.999Z'),
  status: 'under_review',
  details,
});

it('the policy in words, the description and the success measure, whatever the occasion', async () => {
  const d = await mailDetails(db.db, req('assignment', 'assigned'), action(), policy);
  expect(d).toEqual({
    description: 'Train every officer',
    successMeasure: '90% trained',
    acknowledgeWithin: '5 days',
    boardDecisionWithin: '2 weeks',
    stallAfter: '20 working days',
    // Issue 17: no impact check is ahead of an action still being worked on.
    impactMeasure: null,
    impactCheck: null,
  });
});

it('evidence: who submitted it, the statement, how many links and which files', async () => {
  const d = await mailDetails(db.db, req('evidence_submitted', `evidence:${ids.evidence}`), action(), policy);
  expect(d.actorName).toBe('Jo Lead');
  expect(d.evidence).toEqual({ statement: 'All teams trained.', links: 1, files: ['register.pdf'] });
  const mail = compose(req('evidence_submitted', `evidence:${ids.evidence}`), facts(d), new Date());
  expect(mail.text).toContain(
    'Jo Lead (Thames Valley Police) sent the board a progress statement with 1 file and 1 link',
  );
  expect(mail.text).toContain('within 2 weeks');
});

it('a decision: who decided', async () => {
  const r = req('decision', `decision:${ids.decision}`, { outcome: 'request_changes', comment: 'Add the register' });
  const d = await mailDetails(db.db, r, action(), policy);
  expect(d.actorName).toBe('Bea Board');
  expect(compose(r, facts(d), new Date()).text).toContain('Bea Board looked at the evidence');
});

it('an extension: the requester for the board, the decider for the agency, both dates, the reason and interim measures', async () => {
  const asked = await mailDetails(
    db.db,
    req('extension_requested', `extension-request:${ids.extension}`),
    action(),
    policy,
  );
  expect(asked.actorName).toBe('Jo Lead');
  expect(asked.extension).toMatchObject({
    reason: 'Trainer left',
    interimMeasures: 'Weekly briefings',
    requestedBy: 'Jo Lead',
  });
  const r = req('decision', `extension:${ids.extension}`, { extension: 'approve', comment: '' });
  const decided = await mailDetails(db.db, r, action(), policy);
  expect(decided.actorName).toBe('Bea Board');
  expect(compose(r, facts(decided), new Date()).text).toContain(
    'Bea Board approved more time for action 2.1 (Train officers). It is now due on 30 April 2027 (was 31 March 2027).',
  );
});

it('an occasion that names no row, or a row that is not there: nothing more than the policy', async () => {
  for (const occasion of ['evidence:not-a-uuid', `decision:${ids.review}`, 'reminder:P7D:2027-03-24'])
    expect(await mailDetails(db.db, req('decision', occasion), action(), policy)).not.toHaveProperty('actorName');
});
