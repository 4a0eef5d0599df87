import type { BoardCalendar } from './calendar';
import { shiftBy } from './duration';
import type { ActionStage, Policy } from './types';

/**
 * Overdue once the due instant has passed. A due date given as a date is stored as the last
 * millisecond of that local day, so the action is overdue from 00:00 the next day and never
 * during the day itself.
 */
export const isPastDue = (dueDate: number, now: number): boolean => now > dueDate;

/**
 * DESIGN.md section 4: red when overdue or escalated, amber when due within
 * remindBefore[last-but-one] or changes were requested, green otherwise, complete when closed
 * (a cancelled action needs no more attention either).
 */
export function deriveRag(
  a: { stage: ActionStage; dueDate: number; escalationLevel: number; changesRequested: boolean },
  policy: Policy,
  now: number,
  calendar?: BoardCalendar,
): 'green' | 'amber' | 'red' | 'complete' {
  if (a.stage === 'closed' || a.stage === 'cancelled') return 'complete';
  if (isPastDue(a.dueDate, now) || a.escalationLevel > 0) return 'red';
  const r = policy.remindBefore;
  const window = r.length >= 2 ? r[r.length - 2] : r[0];
  if (a.changesRequested || (window !== undefined && now >= shiftBy(a.dueDate, window, -1, calendar))) return 'amber';
  return 'green';
}
