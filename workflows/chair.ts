/**
 * Issue 20: the independent chair's steps on an open escalation of one action, as one Update
 * (`chairStepUpdate`). A challenge is recorded and mailed to the agency's lead officer or senior
 * manager; the agency's response is recorded; the escalation is closed as resolved, or re-timed:
 * closed now and raised again at the chair's date (the planner plans it, so the workflow re-plans
 * at once). Every step is one committed event: in the audit trail and the action's timeline.
 *
 * Workflow code: deterministic, no I/O. The handler runs only in histories that reached the patch
 * `chair-escalation-steps`; nothing here runs for a workflow the chair never touches.
 */
import { patched } from '@temporalio/workflow';
import { ApplicationFailure } from '@temporalio/common';
import { CHAIR_STEPS, CHALLENGE_TARGETS } from '../domain/vocabulary';
import { findUnstorable } from './storable-text';
import {
  REFUSAL,
  type ActionEvent,
  type ActionEventType,
  type ActionMemory,
  type ActionState,
  type Actor,
  type ChairNote,
  type ChairStepArgs,
  type NotificationRequest,
  type RetimedEscalation,
} from './types';

export const CHAIR_PATCH = 'chair-escalation-steps';
/** A re-timed escalation of the impact check is raised again by the impact schedule (issue 17). */
export const IMPACT_RETIMED_PATCH = 'impact-retimed-escalations';
/** Longest text a step carries (the API's schema says the same). */
export const CHAIR_TEXT_MAX = 5000;

const refuse = (type: string, message: string): never => {
  throw ApplicationFailure.create({ type, message, nonRetryable: true });
};

/** The Update's validator: refuses before anything enters the history. */
export function checkChairStep(m: ActionMemory, a: ChairStepArgs): void {
  const bad = findUnstorable(a);
  if (bad) refuse(REFUSAL.invalidArgument, `${bad.path.join('.') || 'the message'}: ${bad.reason}`);
  if (!a?.actor || typeof a.actor.userId !== 'string') refuse(REFUSAL.invalidArgument, 'an actor is required');
  if (a.actor.role !== 'chair') refuse(REFUSAL.forbidden, 'only the independent chair may do this');
  if (!(CHAIR_STEPS as readonly string[]).includes(a.step)) refuse(REFUSAL.invalidArgument, `unknown step ${a.step}`);
  if (typeof a.text !== 'string' || a.text.length > CHAIR_TEXT_MAX)
    refuse(REFUSAL.invalidArgument, `text: at most ${CHAIR_TEXT_MAX} characters`);
  if ((a.step === 'challenge' || a.step === 'response') && a.text.trim() === '')
    refuse(REFUSAL.invalidArgument, `a ${a.step} needs its text`);
  if (a.step === 'challenge' && !(CHALLENGE_TARGETS as readonly string[]).includes(a.sentTo ?? ''))
    refuse(REFUSAL.invalidArgument, 'a challenge goes to the lead officer or the senior manager');
  if (a.step === 'retimed') {
    const until = typeof a.until === 'string' ? Date.parse(a.until) : Number.NaN;
    if (Number.isNaN(until)) refuse(REFUSAL.invalidArgument, 'a re-timing needs its new date');
    if (until <= Date.now()) refuse(REFUSAL.invalidArgument, 'the new date is in the past');
  }
  if (!m.openEscalations.some((e) => e.id === a.escalationId))
    refuse(REFUSAL.illegalTransition, 'this escalation is not open (resolved, re-timed or unknown)');
}

type Commit = (
  type: ActionEventType,
  actor: Actor | null,
  payload: Record<string, unknown>,
  related?: Partial<ActionEvent>,
  mails?: [NotificationRequest['kind'], string, Partial<NotificationRequest>?][],
) => Promise<void>;

const EVENT: Record<ChairStepArgs['step'], ActionEventType> = {
  challenge: 'escalation_challenged',
  response: 'escalation_response_recorded',
  resolved: 'escalation_resolved',
  retimed: 'escalation_retimed',
};

/** Raised by the impact check's schedule: its own occasion, or the raising again of one the chair re-timed. */
const isImpactEscalation = (m: ActionMemory, occasion: string): boolean =>
  occasion.startsWith('escalation:impact_') ||
  (m.retimed ?? []).some((r) => r.impact && occasion === `escalation:retimed:${r.escalationId}:${r.at}`);

/** The Update's handler: one committed event per step. */
export async function applyChairStep(
  deps: { m: ActionMemory; commit: Commit; view: () => ActionState },
  a: ChairStepArgs,
): Promise<ActionState> {
  // Marks the history; replays of histories without this Update never get here.
  patched(CHAIR_PATCH);
  const { m } = deps;
  const escalation = m.openEscalations.find((e) => e.id === a.escalationId)!;
  const ends = a.step === 'resolved' || a.step === 'retimed';
  const until = a.step === 'retimed' ? Date.parse(a.until!) : null;
  if (ends) m.openEscalations = m.openEscalations.filter((e) => e.id !== a.escalationId);
  if (until !== null) {
    const entry: RetimedEscalation = {
      escalationId: escalation.id,
      level: escalation.level,
      reason: escalation.reason,
      at: until,
      setAt: Date.now(),
    };
    // Before this patch a re-timed impact escalation was dropped; histories of that keep doing so.
    if (isImpactEscalation(m, escalation.occasion) && patched(IMPACT_RETIMED_PATCH)) entry.impact = true;
    m.retimed = [...(m.retimed ?? []), entry];
  }
  const note: ChairNote = {
    id: a.noteId,
    escalationId: a.escalationId,
    step: a.step,
    text: a.text.trim(),
    sentTo: a.step === 'challenge' ? (a.sentTo ?? null) : null,
    until: until === null ? null : new Date(until).toISOString(),
    resolution: a.step === 'resolved' ? 'resolved' : a.step === 'retimed' ? 'retimed' : null,
  };
  const mails: Parameters<Commit>[4] =
    a.step === 'challenge'
      ? [
          [
            'chair_challenge',
            `challenge:${a.noteId}`,
            {
              challengeTo: a.sentTo,
              detail: {
                challenge: note.text,
                escalation: `level ${escalation.level}, ${escalation.reason.replace('_', ' ')}`,
              },
            },
          ],
        ]
      : [];
  await deps.commit(
    EVENT[a.step],
    a.actor,
    {
      escalationId: a.escalationId,
      level: escalation.level,
      reason: escalation.reason,
      ...(note.text ? { text: note.text } : {}),
      ...(note.sentTo ? { sentTo: note.sentTo } : {}),
      ...(note.until ? { until: note.until } : {}),
    },
    { chairNote: note, ...(ends ? { escalationsResolved: [a.escalationId] } : {}) },
    mails,
  );
  return deps.view();
}
