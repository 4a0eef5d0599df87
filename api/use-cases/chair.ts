/**
 * Issue 20: the independent chair's steps on an escalation. Each is one workflow Update on the
 * escalation's action (workflows/chair.ts refuses what is not allowed; nothing is written then),
 * and the escalation is read back as projected.
 */
import { randomUUID } from 'node:crypto';
import { isUuid } from '../../domain/text';
import type { ChallengeTarget, ChairStep } from '../../domain/vocabulary';
import { boardTimeZone } from '../../lib/board-time';
import { AppError } from '../../lib/errors';
import { isIsoDate, startOfLocalDay } from '../../workflows/calendar';
import { chairStepUpdate } from '../../workflows/messages';
import type { Actor } from '../../workflows/types';
import { findEscalation, type EscalationView } from '../queries/escalations';
import { update, type LifecycleDeps } from './actions';

export type ChairInput =
  | { step: 'challenge'; text: string; to: ChallengeTarget }
  | { step: 'response'; text: string }
  | { step: 'resolved'; comment?: string }
  | { step: 'retimed'; until: string; comment?: string };

/** A date alone means the start of that day in the board's zone: "until the board meets on 12 March". */
export function retimeInstant(until: string): number {
  return isIsoDate(until) ? startOfLocalDay(until, boardTimeZone()) : Date.parse(until);
}

export async function recordChairStep(
  deps: LifecycleDeps,
  actor: Actor,
  escalationId: string,
  input: ChairInput,
  now = Date.now(),
): Promise<EscalationView> {
  if (!isUuid(escalationId)) throw new AppError('not_found', 'No such escalation');
  const found = await findEscalation(deps.db, escalationId);
  if (!found) throw new AppError('not_found', 'No such escalation');
  let until: string | undefined;
  if (input.step === 'retimed') {
    const at = retimeInstant(input.until);
    if (Number.isNaN(at))
      throw new AppError('validation', 'until is not a date', [{ path: 'body.until', message: 'expected a date' }]);
    if (at <= now)
      throw new AppError('validation', `until ${input.until} is not in the future`, [
        { path: 'body.until', message: 'the new date must be in the future' },
      ]);
    until = new Date(at).toISOString();
  }
  const step: ChairStep = input.step;
  const text = 'text' in input ? input.text : (input.comment ?? '');
  const args = {
    actor,
    escalationId,
    noteId: randomUUID(),
    step,
    text,
    ...(input.step === 'challenge' ? { sentTo: input.to } : {}),
    ...(until ? { until } : {}),
  };
  await update(deps, found.action.id, (h, o) => h.executeUpdate(chairStepUpdate, { ...o, args: [args] }));
  return (await findEscalation(deps.db, escalationId))!;
}
