/**
 * Issue 22, item 7: undoing a step that was taken too soon.
 *
 * - The board **reopens** a finished action (closed as not implemented, closed as implemented
 *   with no impact check, or cancelled), with a reason and optionally a new due date. The action
 *   goes back to the agency (in progress if it was ever acknowledged, assigned otherwise), its
 *   timers are planned again, the agency is mailed once, and the recommendation is told again
 *   when the action next finishes.
 * - The owning agency **withdraws** its pending extension request (the board's clock on it stops),
 *   or its evidence while the board has not decided on it (the action is back in progress).
 *
 * A finished action's workflow has usually completed. The API then reads the carried state with
 * `resumeStateQuery` (a query replays a closed workflow) and starts a new run under the same
 * workflow id with `resume.reopening` set: that run waits for the reopen Update instead of
 * completing, so a running workflow and a completed one take the same Update, the same
 * validator and the same handler.
 *
 * Workflow code: deterministic, no I/O. Handlers mark their histories with `patched()`;
 * nothing here runs for a workflow nobody reopens or withdraws from.
 */
import { patched } from '@temporalio/workflow';
import { blank, illegal, invalid, requireBoard, requireOwner, requireStage, requireStorable } from './rules';
import { EXTENSION_WAIT_OCCASION } from './planner';
import type {
  ActionEvent,
  ActionEventType,
  ActionMemory,
  ActionState,
  Actor,
  NotificationRequest,
  ReopenArgs,
  WithdrawEvidenceArgs,
  WithdrawExtensionArgs,
} from './types';

export const REOPEN_PATCH = 'board-reopens-finished-action';
export const WITHDRAW_PATCH = 'agency-withdraws-request';
/** How long a run started only to be reopened waits for the reopen Update before ending unchanged. */
export const REOPEN_WAIT_MS = 10 * 60 * 1000;

/** Finished in a way the board may undo: not while an impact check runs or after one was decided. */
export function reopenable(m: ActionMemory): boolean {
  if (m.stage === 'cancelled') return true;
  if (m.stage !== 'closed') return false;
  if (m.outcome === 'not_implemented') return true;
  // Implemented: only when no impact check applies (null) or the run predates the check (undefined).
  return m.assurance === null || m.assurance === undefined;
}

export function checkReopen(m: ActionMemory, a: ReopenArgs): void {
  requireStorable(a);
  requireBoard(m, a?.actor, true, true);
  if (m.stage !== 'closed' && m.stage !== 'cancelled') illegal('only a closed or cancelled action can be reopened');
  if (!reopenable(m))
    illegal('an action closed as implemented with an impact check cannot be reopened: decide on the impact instead');
  if (m.followUpToStart) illegal('the follow-up action is still being created');
  if (blank(a.reason)) invalid('a reason for reopening is required');
  if (a.newDueDate !== undefined && a.newDueDate !== null) {
    const at = Date.parse(a.newDueDate);
    if (Number.isNaN(at)) invalid('newDueDate is not a date');
  }
}

export function checkWithdrawExtension(m: ActionMemory, a: WithdrawExtensionArgs): void {
  requireStorable(a);
  requireOwner(m, a?.actor);
  const pending = m.pendingExtension;
  if (!pending) return illegal('there is no extension request waiting for the board');
  if (pending.requestId !== a.requestId) illegal('that extension request is not the one waiting for the board');
}

export function checkWithdrawEvidence(m: ActionMemory, a: WithdrawEvidenceArgs): void {
  requireStorable(a);
  requireOwner(m, a?.actor);
  requireStage(m, ['under_review'], 'withdraw the evidence');
  if (!m.currentEvidenceId) illegal('there is no evidence waiting for the board');
  if (a.evidenceId && a.evidenceId !== m.currentEvidenceId)
    illegal('that evidence is not the submission waiting for the board');
}

type Commit = (
  type: ActionEventType,
  actor: Actor | null,
  payload: Record<string, unknown>,
  related?: Partial<ActionEvent>,
  mails?: [NotificationRequest['kind'], string, Partial<NotificationRequest>?][],
) => Promise<void>;

export interface Deps {
  m: ActionMemory;
  commit: Commit;
  view: () => ActionState;
}

export async function applyReopen(d: Deps, a: ReopenArgs): Promise<ActionState> {
  patched(REOPEN_PATCH);
  const { m } = d;
  const now = Date.now();
  const was = m.stage === 'cancelled' ? 'cancelled' : (m.outcome ?? 'not_implemented');
  m.stage = m.acknowledgedAt === null ? 'assigned' : 'in_progress';
  // Back with the agency: a fresh acknowledgement window if it never acknowledged.
  if (m.acknowledgedAt === null) m.assignedAt = now;
  m.outcome = null;
  m.closedAt = null;
  m.changesRequested = false;
  m.evidenceSubmittedAt = null;
  m.currentEvidenceId = null;
  m.pendingExtension = null;
  m.lastActivityAt = now;
  // The recommendation is told again when the action next finishes.
  m.closureTold = false;
  if (a.newDueDate) {
    // A new due date re-plans every timer: the planner's occasions embed the due date.
    m.dueDate = Date.parse(a.newDueDate);
    m.dueDateSetAt = now;
  }
  const reason = a.reason.trim();
  const due = new Date(m.dueDate).toISOString();
  await d.commit('reopened', a.actor, { reason, was, dueDate: due, ...(a.newDueDate ? { newDueDate: due } : {}) }, {}, [
    ['decision', `reopen:${m.seq + 1}`, { detail: { outcome: 'reopened', comment: reason, was } }],
  ]);
  return d.view();
}

export async function applyWithdrawExtension(d: Deps, a: WithdrawExtensionArgs): Promise<ActionState> {
  patched(WITHDRAW_PATCH);
  const { m } = d;
  m.pendingExtension = null;
  m.lastActivityAt = Date.now();
  // The board's delay on this request is over: nothing is waiting for it any more.
  const resolved = m.openEscalations.filter((e) => e.occasion.startsWith(EXTENSION_WAIT_OCCASION));
  m.openEscalations = m.openEscalations.filter((e) => !resolved.includes(e));
  await d.commit(
    'extension_withdrawn',
    a.actor,
    { requestId: a.requestId },
    {
      extensionDecision: { id: a.requestId, status: 'withdrawn', decidedBy: a.actor.userId, comment: null },
      escalationsResolved: resolved.map((e) => e.id),
    },
  );
  return d.view();
}

export async function applyWithdrawEvidence(d: Deps, a: WithdrawEvidenceArgs): Promise<ActionState> {
  patched(WITHDRAW_PATCH);
  const { m } = d;
  const evidenceId = m.currentEvidenceId!;
  m.stage = 'in_progress';
  m.evidenceSubmittedAt = null;
  m.currentEvidenceId = null;
  m.lastActivityAt = Date.now();
  // The board's delay on this evidence is over (a waiting extension request keeps its own).
  const resolved = m.openEscalations.filter(
    (e) => e.reason === 'awaiting_board' && !e.occasion.startsWith(EXTENSION_WAIT_OCCASION),
  );
  m.openEscalations = m.openEscalations.filter((e) => !resolved.includes(e));
  await d.commit(
    'evidence_withdrawn',
    a.actor,
    { evidenceId },
    { evidenceStatus: { id: evidenceId, status: 'withdrawn' }, escalationsResolved: resolved.map((e) => e.id) },
  );
  return d.view();
}
