/**
 * Continue-as-new in the middle of an action's life. The action workflow continues as new when
 * the server suggests it (history length), carrying its whole memory. Production histories take
 * thousands of events to get there; this file starts a Temporal dev server of its own that
 * suggests it after 4 events, so the workflow continues as new after every event it handles,
 * and checks that the stage, the due date (moved by an extension), open escalations, pending
 * timers, the queued mail and the event sequence all cross into each new run: nothing is lost,
 * nothing repeated. Every run's history then replays with the current code.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { WorkflowHandle } from '@temporalio/client';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { asc, eq } from 'drizzle-orm';
import { acknowledgeAction, actionLiveState, decideExtension, requestExtension } from '../../api/use-cases/actions';
import { auditEvents, notifications } from '../../db/schema';
import { freePort, startDevServer, type DevServer } from '../../lib/temporal-cli';
import type { ActionMemory, ActionWorkflowInput } from '../../workflows/types';
import { bundle, Harness, sleep, until } from './harness';

const DAY = 86_400_000;
/** History events after which the server suggests continue-as-new (Temporal's default is 4,096). */
const SUGGEST_AFTER_EVENTS = 4;

let server: DevServer;
let dbFile: string;
let h: Harness;
let workflowBundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  const cliPath = process.env.TEMPORAL_CLI_PATH;
  if (!cliPath) throw new Error('TEMPORAL_CLI_PATH is not set (the jest global setup sets it)');
  dbFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'can-temporal-')), 'temporal.db');
  server = await startDevServer({
    cliPath,
    port: await freePort(),
    headless: true,
    dbFilename: dbFile,
    extraArgs: [
      '--dynamic-config-value',
      `limit.historyCount.suggestContinueAsNew=${SUGGEST_AFTER_EVENTS}`,
      '--sqlite-pragma',
      'journal_mode=wal',
      '--sqlite-pragma',
      'synchronous=off',
    ],
  });
  workflowBundle = await bundle();
  h = await new Harness('canew', workflowBundle, server.address).start();
}, 180000);

afterAll(async () => {
  await h?.stop();
  await server?.stop();
  if (dbFile) fs.rmSync(path.dirname(dbFile), { recursive: true, force: true });
});

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;
interface Run {
  runId: string;
  history: History;
  /** The memory this run handed to the next, if it continued as new. */
  carried?: ActionMemory;
}

/** Every run of a workflow, oldest first, followed back from the current one. */
async function runsOf(workflowId: string): Promise<Run[]> {
  const runs: Run[] = [];
  let runId = (await h.client.workflow.getHandle(workflowId).describe()).runId;
  for (;;) {
    const history = await h.client.workflow.getHandle(workflowId, runId).fetchHistory();
    const can = history.events?.find(
      (e) => e.workflowExecutionContinuedAsNewEventAttributes,
    )?.workflowExecutionContinuedAsNewEventAttributes;
    const carried = can
      ? (defaultPayloadConverter.fromPayload(can.input!.payloads![0] as never) as ActionWorkflowInput).resume?.memory
      : undefined;
    runs.unshift({ runId, history, carried });
    const previous = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runs;
    runId = previous;
  }
}

it('stage, due date, open escalations, pending timers, queued mail and the sequence survive continue-as-new', async () => {
  const policy = {
    acknowledgeWithin: 'P30D',
    remindBefore: [],
    overdueReminderEvery: 'P30D',
    escalateAfterOverdue: ['PT1S', 'P10D', 'P20D'],
    stallAfter: 'P30D',
    boardDecisionWithin: 'P30D',
  };
  const { refs, actionIds } = await h.review(policy, [{ dueInMs: 25_000 }]);
  const [id] = actionIds;
  const workflowId = `action-${id}`;
  await h.waitMail(refs[0], 'assignment');
  const firstDue = (await h.action(id)).dueDate.getTime();

  await acknowledgeAction(h.deps, h.people.csc, id);
  // An extension moves the due date a little, so the timers that fire later are planned from a due date a new run was handed.
  const extendedDue = firstDue + 5000;
  const { requestId } = await requestExtension(h.deps, h.people.csc, id, {
    newDueDate: new Date(extendedDue).toISOString(),
    reason: 'Staff away',
    interimMeasures: 'Daily checks',
  });
  await decideExtension(h.deps, h.people.board, id, requestId, { outcome: 'approve' });
  expect(Date.now()).toBeLessThan(firstDue);

  // The overdue reminder at the new due date, then escalation level 1 a second later, each in a later run than the one that planned it.
  await h.waitMail(refs[0], 'escalation', () => true, 60_000);
  // One more event while the escalation is open: the run continues as new with it, and with the level 2 timer still ahead.
  await requestExtension(h.deps, h.people.csc, id, {
    newDueDate: new Date(extendedDue + 60 * DAY).toISOString(),
    reason: 'Audit delayed',
    interimMeasures: 'Weekly checks',
  });
  await h.settled(id);
  await until(async () =>
    (await h.db.db.select().from(notifications).where(eq(notifications.actionId, id))).every(
      (n) => n.status === 'sent',
    ),
  );
  await sleep(1000);

  const state = await actionLiveState(h.deps, id);
  expect(state).toMatchObject({
    stage: 'in_progress',
    dueDate: new Date(extendedDue).toISOString(),
    escalationLevel: 1,
    openEscalations: [{ level: 1, reason: 'overdue' }],
    pendingExtensionId: expect.any(String),
    nextTimer: { at: new Date(extendedDue + 10 * DAY).toISOString(), kind: 'escalation:overdue' },
    seq: 7,
  });

  const runs = await runsOf(workflowId);
  const carried = runs.map((r) => r.carried).filter((m): m is ActionMemory => m !== undefined);
  // Every event after the assignment was handled in a run of its own.
  expect(carried.length).toBeGreaterThanOrEqual(5);
  expect(carried.map((m) => m.seq)).toEqual([...carried.map((m) => m.seq)].sort((a, b) => a - b));

  // The stage and the due date cross with the run that changed them.
  const afterAck = carried.find((m) => m.seq === 2);
  expect(afterAck).toMatchObject({ stage: 'in_progress', dueDate: firstDue, openEscalations: [], outbox: [] });
  // The approval is event 4, but a run may take the next event in before it ends (the approval's
  // mail being sent, say), so look for the first run that carried the approved due date.
  const afterApproval = carried.find((m) => m.seq >= 4 && m.dueDate === extendedDue);
  expect(afterApproval).toMatchObject({ stage: 'in_progress', dueDate: extendedDue, pendingExtension: null });
  // Whether the approval's mail was still queued when its run ended depends on timing (the
  // extension-request mail to the board now goes first), so no run is required to carry it; that
  // every mail, queued across a run or not, goes exactly once is checked below.

  // An open escalation and the timers still ahead of it cross into the next run.
  const withEscalation = carried.find((m) => m.openEscalations.length > 0);
  expect(withEscalation).toMatchObject({
    stage: 'in_progress',
    dueDate: extendedDue,
    openEscalations: [{ level: 1, reason: 'overdue', occasion: `escalation:overdue:${extendedDue}:1` }],
  });
  expect(withEscalation?.done).toEqual(
    expect.arrayContaining([`overdue:${extendedDue}:0`, `escalation:overdue:${extendedDue}:1`]),
  );
  expect(withEscalation?.done).not.toContain(`escalation:overdue:${extendedDue}:2`);

  // Each mail exactly once, whichever run sent it; each transition projected once, in order.
  const mails = h.mailsFor(refs[0]);
  expect(mails.map((m) => m.headers['x-notification-kind']).sort()).toEqual([
    'assignment',
    'decision',
    'escalation',
    'extension_requested',
    'extension_requested',
    'overdue',
  ]);
  expect(new Set(mails.map((m) => m.messageId)).size).toBe(6);
  const escalationMail = mails.find((m) => m.headers['x-notification-kind'] === 'escalation')!;
  expect(escalationMail.to).toEqual(['lead@csc.test']);
  const events = await h.db.db
    .select()
    .from(auditEvents)
    .where(eq(auditEvents.actionId, id))
    .orderBy(asc(auditEvents.id));
  expect(events.map((e) => e.type)).toEqual([
    'assigned',
    'acknowledged',
    'extension_requested',
    'extension_decided',
    'overdue_reminder_sent',
    'escalation_raised',
    'extension_requested',
  ]);
  expect(events.map((e) => Number(e.eventKey.split(':').pop()))).toEqual([1, 2, 3, 4, 5, 6, 7]);
  // The timers planned before the runs changed fired on time afterwards.
  expect(events[4].occurredAt.getTime()).toBeGreaterThanOrEqual(extendedDue);
  expect(events[5].occurredAt.getTime()).toBeGreaterThanOrEqual(extendedDue + 1000);

  // Every run's history replays with the current code.
  const results: { id: string; error?: string }[] = [];
  for await (const r of Worker.runReplayHistories(
    { workflowBundle },
    runs.map((run) => ({ workflowId: run.runId, history: run.history })),
  )) {
    results.push({ id: r.workflowId, error: r.error?.message });
  }
  expect(results).toEqual(runs.map((run) => ({ id: run.runId, error: undefined })));

  if (process.env.RECORD_FIXTURES) {
    // The first run (a fresh start that ends in continue-as-new) and the run that carried the open escalation away.
    await h.saveHistory(workflowId, 'action-continue-as-new.history.json', runs[0].runId);
    const escalationRun = runs.find((r) => r.carried === withEscalation)!;
    await h.saveHistory(workflowId, 'action-resumed.history.json', escalationRun.runId);
  }
}, 240000);
