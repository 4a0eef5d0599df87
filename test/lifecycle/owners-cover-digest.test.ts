/**
 * Issue 18 on the real worker: named owners, cover while away and the daily digest, each mail
 * caught by a real SMTP server. Timers are seconds apart, so every assertion waits for the mail
 * (or row) it names rather than for a clock.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import { boardToday } from '../../activities/mail-routing';
import { actionHistory } from '../../api/queries/actions';
import { acknowledgeAction, decideAction, submitEvidence } from '../../api/use-cases/actions';
import { endCover, setCover } from '../../api/use-cases/cover';
import { setPreferences } from '../../api/use-cases/preferences';
import { setActionOwner } from '../../api/use-cases/set-owner';
import { covers, digestItems, notifications, users } from '../../db/schema';
import { addDays } from '../../workflows/calendar';
import type { Actor } from '../../workflows/types';
import { bundle, Harness, sleep, until } from './harness';

let h: Harness;
/** CSC's lead (the agency's lead address), two owners and a deputy. */
let lead: Actor, jo: Actor, kim: Actor, sam: Actor;

/** A weekday that is no bank holiday: the digest is sent on working days only. */
const DIGEST_DAY = '2026-12-01';

beforeAll(async () => {
  h = await new Harness('owners', await bundle()).start();
  const mk = async (name: string, email: string): Promise<Actor> => {
    const [u] = await h.db.db
      .insert(users)
      .values({ name, email, role: 'agency', agencyId: h.people.agencyIds.CSC })
      .returning();
    return { userId: u.id, role: 'agency', agencyId: u.agencyId, name };
  };
  lead = await mk('Jo Lead', 'lead@csc.test');
  jo = await mk('Jo Owner', 'jo@csc.test');
  kim = await mk('Kim Owner', 'kim@csc.test');
  sam = await mk('Sam Patel', 'sam@csc.test');
}, 120_000);
afterAll(async () => h?.stop());

const kinds = (ref: string, kind: string) => h.mailsFor(ref, kind);

it('reminders go to the owner with the lead in copy, and follow a change of owner mid-flight', async () => {
  // Reminders 4 s and 16 s after creation.
  const { actionIds, refs } = await h.review({ remindBefore: ['PT16S', 'PT4S'] }, [{ dueInMs: 20_000 }]);
  const [id] = actionIds;
  const [ref] = refs;
  await setActionOwner(h.deps, lead, id, jo.userId);
  // Not the assignment the whole agency received: the one for the new owner alone.
  const ownerMail = await h.waitMail(ref, 'assignment', (m) => m.to.join() === 'jo@csc.test');
  expect(ownerMail.text).toContain('Jo Owner (named owner)');
  expect(ownerMail.attachments[0]?.content).toContain('BEGIN:VCALENDAR');

  const first = await h.waitMail(ref, 'reminder');
  expect({ to: first.to, cc: first.cc }).toEqual({ to: ['jo@csc.test'], cc: ['lead@csc.test'] });

  await setActionOwner(h.deps, h.people.board, id, kim.userId);
  const second = await h.waitMail(ref, 'reminder', (m) => m.id !== first.id, 30_000);
  expect({ to: second.to, cc: second.cc }).toEqual({ to: ['kim@csc.test'], cc: ['lead@csc.test'] });
  expect(second.rcpt).not.toContain('jo@csc.test');

  const history = await actionHistory(h.db.db, id);
  expect(history.filter((e) => e.type === 'owner_changed').map((e) => (e.payload as { to: string }).to)).toEqual([
    jo.userId,
    kim.userId,
  ]);
}, 90_000);

it('cover: mail goes to the deputy, who acts for the owner; once it has ended, mail goes back to the owner', async () => {
  const { actionIds, refs } = await h.review({ remindBefore: ['PT25S'] }, [{ dueInMs: 30_000 }]);
  const [id] = actionIds;
  const [ref] = refs;
  await setActionOwner(h.deps, lead, id, jo.userId);
  const today = boardToday(new Date());
  const cover = await setCover(h.db.db, lead, {
    userId: jo.userId,
    deputyId: sam.userId,
    from: today,
    to: addDays(today, 2),
    copyMe: false,
  });

  const reminder = await h.waitMail(ref, 'reminder');
  expect({ to: reminder.to, cc: reminder.cc }).toEqual({ to: ['sam@csc.test'], cc: ['lead@csc.test'] });

  await acknowledgeAction(h.deps, sam, id);
  await submitEvidence(h.deps, sam, id, { statement: 'Done while Jo is away' });
  const history = await actionHistory(h.db.db, id);
  expect(history.find((e) => e.type === 'evidence_submitted')?.actorName).toBe('Sam Patel for Jo Owner');
  expect(history.find((e) => e.type === 'acknowledged')?.actorName).toBe('Sam Patel for Jo Owner');

  // Jo is back early: the lead who set the cover ends it.
  await endCover(h.db.db, lead, cover.id);
  expect(await h.db.db.select().from(covers).where(eq(covers.id, cover.id))).toEqual([]);
  await decideAction(h.deps, h.people.board, id, { outcome: 'request_changes', comment: 'Add the audit' });
  const decision = await h.waitMail(ref, 'decision');
  expect({ to: decision.to, cc: decision.cc }).toEqual({ to: ['jo@csc.test'], cc: ['lead@csc.test'] });
}, 90_000);

it('digest: twelve reminders on one day make one digest of twelve items and no separate reminder; an escalation arrives at once', async () => {
  await setPreferences(h.db.db, kim, { delivery: { reminder: 'digest' } });
  const { actionIds, refs } = await h.review(
    // Reminders 5 s after creation; not acknowledged within 8 s: escalation (level 1, the owner in copy).
    { remindBefore: ['PT25S'], acknowledgeWithin: 'PT8S' },
    Array.from({ length: 12 }, () => ({ dueInMs: 30_000 })),
  );
  for (const id of actionIds) await setActionOwner(h.deps, lead, id, kim.userId);

  const escalation = await h.waitMail(refs[0], 'escalation', () => true, 40_000);
  expect(escalation.cc).toContain('kim@csc.test');

  await until(async () => {
    const rows = await h.db.db
      .select({ n: sql<number>`count(*)::int` })
      .from(digestItems)
      .where(and(eq(digestItems.userId, kim.userId), isNull(digestItems.digestKey)));
    return rows[0].n >= 12;
  }, 40_000);
  // Kim received no reminder (the lead, who takes reminders at once, still did).
  for (const ref of refs) {
    for (const m of kinds(ref, 'reminder')) expect(m.rcpt).not.toContain('kim@csc.test');
  }
  expect(kinds(refs[0], 'reminder')[0]?.to).toEqual(['lead@csc.test']);

  // SMTP is down at 08:00: the digest waits, stored, and goes once the server is back.
  await h.catcher.stop();
  const run = h.client.workflow.start('digestWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: `digest-test-${Date.now()}`,
    args: [{ day: DIGEST_DAY }],
  });
  const handle = await run;
  const key = `digest:${kim.userId}:${DIGEST_DAY}`;
  await until(async () => {
    const [row] = await h.db.db.select().from(notifications).where(eq(notifications.idempotencyKey, key));
    return row && row.attempts >= 1 && row.lastError !== null;
  }, 30_000);
  await h.catcher.start();
  await handle.result();

  const isKimsDigest = (m: { headers: Record<string, string>; to: string[] }) =>
    m.headers['x-notification-kind'] === 'digest' && m.to.includes('kim@csc.test');
  await until(async () => h.catcher.list().some(isKimsDigest), 30_000);
  const digest = h.catcher.list().find(isKimsDigest)!;
  for (const ref of refs) expect(digest.text).toContain(ref.split(' ')[1]);
  expect(digest.headers['x-digest-items']).toBe('12');
  expect(digest.text.match(/^- /gm)?.length).toBe(12);

  // The same morning run again (a retried Schedule action, a restarted worker): nothing more.
  await h.client.workflow.execute('digestWorkflow', {
    taskQueue: h.taskQueue,
    workflowId: `digest-test-again-${Date.now()}`,
    args: [{ day: DIGEST_DAY }],
  });
  await sleep(1000);
  expect(h.catcher.list().filter(isKimsDigest)).toHaveLength(1);
}, 180_000);
