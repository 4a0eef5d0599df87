/**
 * Issue 22 item 9: the board's corrections to one action's workflow, apart from the lifecycle's
 * own Updates so the change stays in one place (docs/ARCHITECTURE.md, The board's corrections).
 *
 * - `correctDueDate`: the date was wrong (a typo, a date set before the plan was agreed). Not an
 *   extension: nothing is asked of the agency, it is not counted as slippage; the date it replaces
 *   stays in the event (and the audit trail). Every timer is planned again from the new date.
 * - `withdrawWithReview`: the board withdrew the whole review. The action ends as cancelled, with
 *   the board's reason, like a cancel, but without the per-action mail: the API tells each agency
 *   once for the whole review.
 *
 * Workflow code: deterministic, no I/O. The handlers mark the history with `patched(CORRECTIONS_PATCH)`;
 * a workflow the board never corrects issues no new command, so every recorded history replays.
 */
import { defineUpdate, patched } from '@temporalio/workflow';
import { requireBoard, requireStage, requireStorable, blank, invalid, illegal } from './rules';
import type {
  ActionEvent,
  ActionEventType,
  ActionMemory,
  ActionState,
  Actor,
  EscalationReason,
  NotificationRequest,
} from './types';

export const CORRECTIONS_PATCH = 'board-corrections';

export interface CorrectDueDateArgs {
  actor: Actor;
  /** ISO instant: the corrected due date. */
  dueDate: string;
  /** Why the date was wrong (kept with the event). */
  reason: string;
}
export interface WithdrawWithReviewArgs {
  actor: Actor;
  reason: string;
  /**
   * Set on one action per agency: that action's workflow mails the agency once for the whole
   * review, naming every action of theirs that ended ("2.1, 3.4"). The others send nothing.
   */
  tellAgency?: { references: string };
}

export const correctDueDateUpdate = defineUpdate<ActionState, [CorrectDueDateArgs]>('correctDueDate');
export const withdrawWithReviewUpdate = defineUpdate<ActionState, [WithdrawWithReviewArgs]>('withdrawWithReview');

/** Open stages: a finished action's date is history. */
const OPEN: ActionMemory['stage'][] = ['assigned', 'in_progress', 'under_review'];

export function checkCorrectDueDate(m: ActionMemory, a: CorrectDueDateArgs): void {
  requireStorable(a);
  // Administration as much as board business; a board member of the owning agency does not move its own deadline.
  requireBoard(m, a?.actor, true, true);
  requireStage(m, OPEN, 'correct the due date of');
  const at = typeof a.dueDate === 'string' ? Date.parse(a.dueDate) : Number.NaN;
  if (Number.isNaN(at)) invalid('dueDate is not a date');
  if (at === m.dueDate) invalid('the action is already due then');
  if (blank(a.reason)) invalid('the reason for the correction is required');
  if (m.pendingExtension) illegal('an extension request is waiting for the board: decide it first');
}

export function checkWithdrawWithReview(m: ActionMemory, a: WithdrawWithReviewArgs): void {
  requireStorable(a);
  requireBoard(m, a?.actor, false, true);
  requireStage(m, OPEN, 'withdraw');
  if (blank(a.reason)) invalid('a reason for the withdrawal is required');
  if (a.tellAgency !== undefined && blank(a.tellAgency?.references)) invalid('tellAgency.references is required');
}

type Commit = (
  type: ActionEventType,
  actor: Actor | null,
  payload: Record<string, unknown>,
  related?: Partial<ActionEvent>,
  mails?: [NotificationRequest['kind'], string, Partial<NotificationRequest>?][],
) => Promise<void>;

export interface CorrectionDeps {
  m: ActionMemory;
  commit: Commit;
  view: () => ActionState;
  resolveEscalations: (reasons: EscalationReason[] | 'all') => string[];
}

export async function applyCorrectDueDate(deps: CorrectionDeps, a: CorrectDueDateArgs): Promise<ActionState> {
  patched(CORRECTIONS_PATCH);
  const { m } = deps;
  const from = new Date(m.dueDate).toISOString();
  m.dueDate = Date.parse(a.dueDate);
  // The planner's occasions embed the due date: every reminder and overdue notice is planned again.
  m.dueDateSetAt = Date.now();
  // Overdue escalations belonged to the wrong date; if the new one has passed too, the planner raises them again.
  const resolved = deps.resolveEscalations(['overdue']);
  await deps.commit(
    'due_date_corrected',
    a.actor,
    { from, to: new Date(m.dueDate).toISOString(), reason: a.reason.trim() },
    { escalationsResolved: resolved },
  );
  return deps.view();
}

export async function applyWithdrawWithReview(deps: CorrectionDeps, a: WithdrawWithReviewArgs): Promise<ActionState> {
  patched(CORRECTIONS_PATCH);
  const { m } = deps;
  m.stage = 'cancelled';
  m.closedAt = Date.now();
  m.pendingExtension = null;
  const resolved = deps.resolveEscalations('all');
  // A cancellation like any other (lists, statement, recommendation), marked as the review's withdrawal.
  const seq = m.seq + 1;
  await deps.commit(
    'cancelled',
    a.actor,
    { reason: a.reason.trim(), withdrawn: true },
    { escalationsResolved: resolved },
    a.tellAgency
      ? [
          [
            'decision',
            `withdrawn:${seq}`,
            {
              detail: { outcome: 'review_withdrawn', comment: a.reason.trim(), actions: a.tellAgency.references },
            },
          ],
        ]
      : [],
  );
  return deps.view();
}
