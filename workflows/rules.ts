/**
 * Who may do what, in which stage (docs/ARCHITECTURE.md, The action lifecycle). The Update validators call these, so a
 * refused message is rejected before it enters the workflow history and nothing is written.
 * Failures carry a REFUSAL type that the use-case layer maps to 409 / 403 / 400.
 */
import { ApplicationFailure } from '@temporalio/common';
import { findUnstorable } from './storable-text';
import {
  REFUSAL,
  type AcknowledgeArgs,
  type ActionMemory,
  type ActionStage,
  type Actor,
  type CancelArgs,
  type DecideArgs,
  type DecideExtensionArgs,
  type ReassignArgs,
  type RequestExtensionArgs,
  type SubmitEvidenceArgs,
} from './types';

export const refuse = (type: string, message: string): never => {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
};
export const illegal = (m: string) => refuse(REFUSAL.illegalTransition, m);
export const forbidden = (m: string) => refuse(REFUSAL.forbidden, m);
export const invalid = (m: string) => refuse(REFUSAL.invalidArgument, m);

export const blank = (s: unknown) => typeof s !== 'string' || s.trim() === '';

/**
 * Nothing enters the workflow's state that its projection could not write (storable-text.ts).
 * The API refuses such text first; this is the rule where the state lives.
 */
export function requireStorable(a: unknown): void {
  const bad = findUnstorable(a);
  if (bad) invalid(`${bad.path.join('.') || 'the message'}: ${bad.reason}`);
}

function requireActor(actor: Actor | undefined): Actor {
  if (!actor || typeof actor.userId !== 'string' || !['admin', 'board', 'agency'].includes(actor.role)) {
    return invalid('an actor with a role is required');
  }
  return actor;
}

/** Only the owning agency's own people act for it: an administrator administers, and does not. */
export function requireOwner(m: ActionMemory, actor: Actor | undefined): void {
  const a = requireActor(actor);
  if (a.role !== 'agency' || a.agencyId !== m.agencyId) forbidden('only the owning agency may do this');
}

/**
 * An agency's progress recorded by the board for it (the agency's filled-in progress sheet, sent to
 * the board): a board member only; an administrator administers, and does not act for an agency.
 */
export function requireBoardForAgency(actor: Actor | undefined): void {
  const a = requireActor(actor);
  if (a.role !== 'board') forbidden("only the board may record an agency's progress for it");
}

/**
 * Board business. `adminMay`: administration (cancelling a duplicate, moving an action to the
 * right agency) is also the administrator's; a decision on an action never is. A board member
 * from the owning agency may not act on its action where `conflictOfInterest` says so.
 */
export function requireBoard(
  m: ActionMemory,
  actor: Actor | undefined,
  conflictOfInterest: boolean,
  adminMay = false,
): void {
  const a = requireActor(actor);
  if (a.role === 'admin') {
    if (!adminMay) forbidden("an administrator may not decide on an action: decisions are the board's");
    return;
  }
  if (a.role !== 'board') forbidden('only the board may do this');
  if (conflictOfInterest && a.agencyId !== null && a.agencyId === m.agencyId) {
    forbidden('a board member from the owning agency may not decide on its action (conflict of interest)');
  }
}

export function requireStage(m: ActionMemory, allowed: ActionStage[], what: string): void {
  if (!allowed.includes(m.stage)) illegal(`cannot ${what} an action that is ${m.stage}`);
}

export function checkAcknowledge(m: ActionMemory, a: AcknowledgeArgs): void {
  requireStorable(a);
  requireOwner(m, a?.actor);
  requireStage(m, ['assigned'], 'acknowledge');
}

export function checkSubmitEvidence(m: ActionMemory, a: SubmitEvidenceArgs): void {
  requireStorable(a);
  requireOwner(m, a?.actor);
  requireStage(m, ['in_progress'], 'submit evidence for');
  if (blank(a.evidenceId)) invalid('evidenceId is required');
  if (blank(a.statement)) invalid('a progress statement is required');
  if (!Array.isArray(a.links) || !Array.isArray(a.attachments)) invalid('links and attachments must be lists');
}

export function checkDecide(m: ActionMemory, a: DecideArgs): void {
  requireStorable(a);
  requireBoard(m, a?.actor, true);
  requireStage(m, ['under_review'], 'decide on');
  if (!['approve', 'request_changes', 'close_not_implemented'].includes(a.outcome))
    invalid(`unknown outcome ${String(a.outcome)}`);
  if (a.outcome === 'close_not_implemented' && blank(a.comment)) {
    invalid('closing an action as not implemented needs the reason in the comment');
  }
}

export function checkRequestExtension(m: ActionMemory, a: RequestExtensionArgs): void {
  requireStorable(a);
  requireOwner(m, a?.actor);
  requireStage(m, ['assigned', 'in_progress'], 'request an extension for');
  if (m.pendingExtension) illegal('an extension request is already waiting for the board');
  if (blank(a.requestId)) invalid('requestId is required');
  const at = Date.parse(a.newDueDate);
  if (Number.isNaN(at)) invalid('newDueDate is not a date');
  if (at <= m.dueDate) invalid('the new due date must be after the current due date');
  if (blank(a.reason)) invalid('the reason for the delay is required');
  if (blank(a.interimMeasures)) invalid('the interim measures are required');
}

export function checkDecideExtension(m: ActionMemory, a: DecideExtensionArgs): void {
  requireStorable(a);
  requireBoard(m, a?.actor, true);
  requireStage(m, ['assigned', 'in_progress', 'under_review'], 'decide an extension for');
  if (!m.pendingExtension || m.pendingExtension.requestId !== a.requestId)
    illegal('no such extension request is waiting');
  if (!['approve', 'reject'].includes(a.outcome)) invalid(`unknown outcome ${String(a.outcome)}`);
}

export function checkCancel(m: ActionMemory, a: CancelArgs): void {
  requireStorable(a);
  // Cancelling an agency's overdue action also ends its escalations: not for its own board member.
  requireBoard(m, a?.actor, true, true);
  requireStage(m, ['assigned', 'in_progress', 'under_review'], 'cancel');
  if (blank(a.reason)) invalid('a reason for the cancellation is required');
}

export function checkReassign(m: ActionMemory, a: ReassignArgs): void {
  requireStorable(a);
  requireBoard(m, a?.actor, false, true);
  requireStage(m, ['assigned', 'in_progress'], 'reassign');
  if (blank(a.agencyId)) invalid('agencyId is required');
  if (a.agencyId === m.agencyId) invalid('the action already belongs to that agency');
}
