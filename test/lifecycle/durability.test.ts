/**
 * What must survive the real world: an SMTP server that is down for a while, a worker that is
 * stopped and restarted mid-lifecycle, and workflow code changes (replay of committed histories).
 * These share one mail server and one worker, so they run one after the other.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { asc, eq } from 'drizzle-orm';
import { acknowledgeAction, submitEvidence } from '../../api/use-cases/actions';
import { auditEvents, notifications } from '../../db/schema';
import { bundle, Harness, sleep, until } from './harness';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';

let h: Harness;
let workflowBundle: WorkflowBundleWithSourceMap;
beforeAll(async () => {
  workflowBundle = await bundle();
  h = await new Harness('durable', workflowBundle).start();
}, 120000);
afterAll(async () => h?.stop());

it('SMTP down for a while, then up: every message arrives exactly once, and Updates never wait for mail', async () => {
  await h.catcher.stop();
  const { refs, actionIds } = await h.review({});
  const [id] = actionIds;
  const acknowledged = await acknowledgeAction(h.deps, h.people.csc, id);
  const submitted = await submitEvidence(h.deps, h.people.csc, id, { statement: 'Policy rewritten' });
  // Both Updates answered with their new state while no mail could be delivered (SMTP is still
  // down, nothing sent, nothing caught): an Update that waited for its mail could not return here.
  expect([acknowledged.stage, submitted.stage]).toEqual(['in_progress', 'under_review']);
  const atReturn = await h.db.db.select().from(notifications).where(eq(notifications.actionId, id));
  expect(atReturn.filter((r) => r.status === 'sent')).toEqual([]);
  expect(h.mailsFor(refs[0])).toHaveLength(0);
  const failing = await until(async () => {
    const rows = await h.db.db.select().from(notifications).where(eq(notifications.actionId, id));
    return rows.length === 1 && rows[0].attempts >= 3 && rows[0].lastError ? rows : null;
  }, 20000);
  // One queue per action keeps mail in event order: the evidence mail waits behind the assignment.
  expect(failing[0]).toMatchObject({ kind: 'assignment', status: 'pending' });
  expect(failing[0].lastError).toContain('ECONNREFUSED');
  expect(h.mailsFor(refs[0])).toHaveLength(0);

  await h.catcher.start();
  const sent = await until(async () => {
    const rows = await h.db.db.select().from(notifications).where(eq(notifications.actionId, id));
    return rows.length === 2 && rows.every((r) => r.status === 'sent') ? rows : null;
  }, 30000);
  await sleep(1000);
  const mails = h.mailsFor(refs[0]);
  expect(mails.map((m) => m.headers['x-notification-kind']).sort()).toEqual(['assignment', 'evidence_submitted']);
  expect(new Set(mails.map((m) => m.messageId)).size).toBe(mails.length);
  expect(sent.map((r) => r.messageId).sort()).toEqual(mails.map((m) => m.messageId).sort());
}, 60000);

it('a worker stopped and restarted mid-lifecycle: timers still fire, nothing lost or repeated', async () => {
  const { refs, actionIds } = await h.review({ remindBefore: ['PT14S', 'PT5S'], overdueReminderEvery: 'P30D' }, [
    { dueInMs: 20000 },
  ]);
  const [id] = actionIds;
  await acknowledgeAction(h.deps, h.people.csc, id);
  await h.waitMail(refs[0], 'assignment');
  const due = (await h.action(id)).dueDate.getTime();
  await h.stopWorker();
  // The first reminder falls due while no worker runs.
  await sleep(Math.max(due - 14000 + 1500 - Date.now(), 0));
  expect(h.mailsFor(refs[0], 'reminder')).toHaveLength(0);
  await h.startWorker();
  // Restarted before the second reminder, so both are expected (the late one, then the one on time).
  expect(Date.now()).toBeLessThan(due - 5000);
  await h.waitMail(refs[0], 'reminder', () => h.mailsFor(refs[0], 'reminder').length === 2, 20000);
  await h.waitMail(refs[0], 'overdue', () => true, 20000);
  await sleep(1500);
  const mails = h.mailsFor(refs[0]);
  expect(mails.map((m) => m.headers['x-notification-kind'])).toEqual(['assignment', 'reminder', 'reminder', 'overdue']);
  const [late, onTime] = h.mailsFor(refs[0], 'reminder').map((m) => Date.parse(m.receivedAt));
  expect(late).toBeGreaterThan(due - 14000);
  expect(onTime).toBeLessThan(due);
  expect(onTime).toBeGreaterThanOrEqual(due - 5000 - 200);
  const events = await h.db.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.actionId, id))
    .orderBy(asc(auditEvents.id));
  expect(events.map((e) => e.type)).toEqual([
    'assigned',
    'acknowledged',
    'reminder_sent',
    'reminder_sent',
    'overdue_reminder_sent',
  ]);
  expect(events.map((e) => Number(e.eventKey.split(':').pop()))).toEqual([1, 2, 3, 4, 5]);
}, 60000);

it('replays the committed workflow histories with the current workflow code', async () => {
  const dir = path.join(__dirname, '..', 'fixtures');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.history.json'));
  expect(files.length).toBeGreaterThanOrEqual(2);
  const histories = files.map((f) => ({
    workflowId: f,
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))),
  }));
  const results = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle }, histories))
    results.push({ id: r.workflowId, error: r.error?.message });
  expect(results).toEqual(files.map((f) => ({ id: f, error: undefined })));
});

it('refuses the same histories when the workflow code changes its commands without patched()', async () => {
  const dir = path.join(__dirname, '..', 'fixtures');
  const files = fs.readdirSync(dir).filter((f) => f.startsWith('action-') && f.endsWith('.history.json'));
  expect(files.length).toBeGreaterThanOrEqual(2);
  const changed = await bundle(require.resolve('./changed-workflows'));
  const histories = files.map((f) => ({
    workflowId: f,
    history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))),
  }));
  const results: { id: string; error?: string }[] = [];
  for await (const r of Worker.runReplayHistories({ workflowBundle: changed }, histories))
    results.push({ id: r.workflowId, error: r.error?.name });
  expect(results).toEqual(files.map((f) => ({ id: f, error: 'DeterminismViolationError' })));
}, 60000);
