import { parseDuration } from './duration';
import type { ActionStage, Policy } from './types';

/**
 * DESIGN.md section 4: red when overdue or escalated, amber when due within
 * remindBefore[last-but-one] or changes were requested, green otherwise, complete when closed
 * (a cancelled action needs no more attention either).
 */
export function deriveRag(
  a: { stage: ActionStage; dueDate: number; escalationLevel: number; changesRequested: boolean },
  policy: Policy,
  now: number,
): 'green' | 'amber' | 'red' | 'complete' {
  if (a.stage === 'closed' || a.stage === 'cancelled') return 'complete';
  if (now >= a.dueDate || a.escalationLevel > 0) return 'red';
  const r = policy.remindBefore;
  const window = r.length >= 2 ? r[r.length - 2] : r[0];
  if (a.changesRequested || (window !== undefined && now >= a.dueDate - parseDuration(window))) return 'amber';
  return 'green';
}
