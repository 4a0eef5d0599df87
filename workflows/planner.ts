/**
 * The schedule of reminders and escalations as a pure function (docs/ARCHITECTURE.md, How a timer flows).
 *
 * `plan(facts, policy, now)` answers "what happens next, and when" from what has happened so
 * far; the workflow sleeps until the first instant, fires it, records its occasion as done and
 * asks again. Keeping the schedule here (no I/O, no clock) lets it be property-tested and keeps
 * the workflow's own code a small loop.
 *
 * Occasions are stable strings naming each reminder/escalation (they embed the due date or the
 * event that started the clock), so the workflow can remember which ones are done, and the
 * mail outbox can derive its idempotency key from them. A new due date (extension) or a new
 * activity time therefore starts fresh occasions rather than reusing old ones.
 *
 * Missed instants (a worker down for a while) are not lost: an instant in the past is returned
 * at `now`. When a later instant of the same series is also already due, the earlier one is
 * skipped: a stale "7 days left" reminder after the "1 day left" one helps nobody.
 *
 * Working days and the delivery window (policy `deliverAt`) are counted in the board's calendar.
 * With a window, every reminder, overdue notice and escalation moves to `deliverAt` on the first
 * working day at or after its instant (a reminder that would then land after the due date moves
 * back to the last window before its instant instead); a missed one goes at once if it is still
 * working hours, else at the next window. Without a window the instants are exactly as before.
 */
import {
  calendarDate,
  FALLBACK_CALENDAR,
  inWorkingHours,
  lastDeliveryAtOrBefore,
  nextDeliveryAt,
  workingDaysBetween,
  type BoardCalendar,
} from './calendar';
import { durationLabel, parseDuration, shiftBy } from './duration';
import type { ActionStage, EscalationReason, Policy, RetimedEscalation } from './types';

export interface PlanFacts {
  stage: ActionStage;
  /** Epoch ms. */
  dueDate: number;
  /** When the current due date was set (creation or an approved extension). */
  dueDateSetAt: number;
  /** When the current agency was assigned (creation or reassignment). */
  assignedAt: number;
  acknowledgedAt: number | null;
  /** Last thing the agency did (acknowledge, extension request, changes requested...). */
  lastActivityAt: number;
  /** Set while under review: when the evidence under review was submitted. */
  evidenceSubmittedAt: number | null;
  /** Occasions already fired. */
  done: readonly string[];
  /** Issue 20: escalations the chair re-timed (absent on workflows that never had one). */
  retimed?: readonly RetimedEscalation[];
  /** Set while an extension request recorded under 'extension-request-tells-board' waits for the board. */
  extensionRequestedAt?: number | null;
}

/** The occasion prefix of the board-delay escalation of a waiting extension request. */
export const EXTENSION_WAIT_OCCASION = 'escalation:awaiting_board:extension:';

export type PlannedKind = 'reminder' | 'overdue' | 'escalation';

export interface PlannedInstant {
  /** Epoch ms, never before `now`. */
  at: number;
  kind: PlannedKind;
  occasion: string;
  reason?: EscalationReason;
  level?: number;
}

const KIND_ORDER: Record<PlannedKind, number> = { reminder: 0, overdue: 1, escalation: 2 };

interface Candidate extends PlannedInstant {
  /** The unclamped instant, used to decide whether a later one of the same series supersedes it. */
  due: number;
}

/** Drops every candidate of a series for which a later member is already due. */
function latestDueOnly(series: Candidate[], now: number): Candidate[] {
  const dueOnes = series.filter((c) => c.due <= now);
  // A shortcut: with no member due, or one, the filter below keeps the whole series anyway.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent (the shortcut's result is the filter's)
  if (dueOnes.length <= 1) return series;
  const latest = Math.max(...dueOnes.map((c) => c.due));
  // Stryker disable next-line EqualityOperator: equivalent; a member due exactly now is the latest one due, kept either way
  return series.filter((c) => c.due > now || c.due === latest);
}

/** The n-th overdue instant, and the latest n whose instant is not after `now`. */
function overdueSeries(due: number, policy: Policy, cal: BoardCalendar | undefined) {
  const every = policy.overdueReminderEvery;
  if (typeof every === 'string') {
    const ms = Math.max(parseDuration(every), 1000);
    return {
      at: (n: number) => due + n * ms,
      // Stryker disable next-line EqualityOperator: equivalent; at now == due both branches give 0
      latest: (now: number) => (now >= due ? Math.floor((now - due) / ms) : 0),
    };
  }
  const c = cal ?? FALLBACK_CALENDAR;
  const at = (n: number) => shiftBy(due, { workingDays: n * every.workingDays }, 1, c);
  return {
    at: (n: number) => (n === 0 ? due : at(n)),
    latest: (now: number) => {
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent; a shortcut, before the due date the guess below is 0 and stays 0
      if (now < due) return 0;
      // The working days passed give a first guess at n, never too low (at(n) is at the same local time on the
      // (n * every)-th working date, and dates run forward with time); the loops settle on at(n) <= now < at(n + 1).
      // Stryker disable next-line ArithmeticOperator: equivalent; only the guess, one too high is walked down by the loop below
      let n = Math.floor(workingDaysBetween(calendarDate(c, due), calendarDate(c, now), c) / every.workingDays);
      // Stryker disable next-line ConditionalExpression,EqualityOperator,LogicalOperator: equivalent; a walk down too far (to 0 at worst) is walked back up by the next loop
      while (n > 0 && at(n) > now) n--;
      // A guard only: with a guess never too low, no input found reaches it.
      // Stryker disable next-line ConditionalExpression,EqualityOperator,UpdateOperator: unreachable guard (see above)
      while (at(n + 1) <= now) n++;
      return n;
    },
  };
}

export function plan(facts: PlanFacts, policy: Policy, now: number, calendar?: BoardCalendar): PlannedInstant[] {
  const { stage } = facts;
  // A shortcut: a closed or cancelled action matches none of the stages below, so its plan is empty anyway.
  // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: equivalent (the shortcut's result is the code's below)
  if (stage === 'closed' || stage === 'cancelled') return [];
  const done = new Set(facts.done);
  const out: Candidate[] = [];
  const due = facts.dueDate;
  const agencyOwesWork = stage === 'assigned' || stage === 'in_progress';
  const cal = calendar ?? FALLBACK_CALENDAR;
  const deliverAt = policy.deliverAt ?? null;
  const windowed = (at: number) => (deliverAt ? nextDeliveryAt(at, deliverAt, cal) : at);
  const after = (t: number, d: Policy['acknowledgeWithin']) => windowed(shiftBy(t, d, 1, calendar));

  if (agencyOwesWork) {
    const reminders: Candidate[] = [];
    const seen = new Set<string>();
    for (const d of policy.remindBefore) {
      const label = durationLabel(d);
      if (seen.has(label)) continue;
      seen.add(label);
      const raw = shiftBy(due, d, -1, calendar);
      // A reminder that was already in the past when the date was set was never "upcoming".
      if (raw < facts.dueDateSetAt || raw >= due) continue;
      let at = windowed(raw);
      if (deliverAt && at >= due) {
        at = lastDeliveryAtOrBefore(raw, deliverAt, cal);
        if (at < facts.dueDateSetAt) continue;
      }
      reminders.push({ at, due: at, kind: 'reminder', occasion: `reminder:${due}:${label}` });
    }
    out.push(...latestDueOnly(reminders, now));

    const series = overdueSeries(due, policy, calendar);
    const latestN = series.latest(now);
    const occasionN = (n: number) => `overdue:${due}:${n}`;
    const n = done.has(occasionN(latestN)) ? latestN + 1 : latestN;
    const overdueAt = windowed(series.at(n));
    out.push({ at: overdueAt, due: overdueAt, kind: 'overdue', occasion: occasionN(n) });

    const ladder: Candidate[] = policy.escalateAfterOverdue.slice(0, 3).map((d, i) => {
      const at = after(due, d);
      return {
        at,
        due: at,
        kind: 'escalation',
        reason: 'overdue',
        level: i + 1,
        occasion: `escalation:overdue:${due}:${i + 1}`,
      };
    });
    out.push(...latestDueOnly(ladder, now));
  }

  if (stage === 'assigned') {
    const at = after(facts.assignedAt, policy.acknowledgeWithin);
    out.push({
      at,
      due: at,
      kind: 'escalation',
      reason: 'not_acknowledged',
      level: 1,
      occasion: `escalation:not_acknowledged:${facts.assignedAt}`,
    });
  }
  if (stage === 'in_progress') {
    const at = after(facts.lastActivityAt, policy.stallAfter);
    out.push({
      at,
      due: at,
      kind: 'escalation',
      reason: 'stalled',
      level: 1,
      occasion: `escalation:stalled:${facts.lastActivityAt}`,
    });
  }
  if (stage === 'under_review' && facts.evidenceSubmittedAt !== null) {
    const at = after(facts.evidenceSubmittedAt, policy.boardDecisionWithin);
    out.push({
      at,
      due: at,
      kind: 'escalation',
      reason: 'awaiting_board',
      level: 3,
      occasion: `escalation:awaiting_board:${facts.evidenceSubmittedAt}`,
    });
  }

  // Issue 20: a re-timed escalation is raised again at the chair's date, exactly then, while its cause still holds.
  for (const r of facts.retimed ?? []) {
    if (!retimedStillHolds(r, facts)) continue;
    out.push({
      at: r.at,
      due: r.at,
      kind: 'escalation',
      reason: r.reason,
      level: r.level,
      occasion: `escalation:retimed:${r.escalationId}:${r.at}`,
    });
  }

  // An extension request waits for the board as evidence does, on the same clock (issue 22).
  if (facts.extensionRequestedAt != null) {
    const at = after(facts.extensionRequestedAt, policy.boardDecisionWithin);
    out.push({
      at,
      due: at,
      kind: 'escalation',
      reason: 'awaiting_board',
      level: 3,
      occasion: `${EXTENSION_WAIT_OCCASION}${facts.extensionRequestedAt}`,
    });
  }

  // A missed instant goes now; with a window, only while it is working hours, else at the next window.
  const missedAt = deliverAt && !inWorkingHours(now, deliverAt, cal) ? nextDeliveryAt(now, deliverAt, cal) : now;
  // Stryker disable next-line EqualityOperator: equivalent; an instant exactly now is either not windowed (missedAt is now) or a delivery instant, in working hours (missedAt is now)
  const atOrMissed = (at: number) => (at >= now ? at : missedAt);
  return out
    .filter((c) => !done.has(c.occasion))
    .map(({ due: _due, ...c }) => ({ ...c, at: atOrMissed(c.at) }))
    .sort(
      (a, b) =>
        a.at - b.at ||
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
        (a.level ?? 0) - (b.level ?? 0) ||
        a.occasion.localeCompare(b.occasion),
    );
}

/**
 * Issue 20: whether what caused a re-timed escalation is still so. Overdue: the agency still owes
 * the work and the due date is not after the chair's date (an extension past it ends the cause).
 * The others: still in the stage that caused it, with nothing done since the chair re-timed it.
 */
export function retimedStillHolds(r: RetimedEscalation, f: PlanFacts): boolean {
  switch (r.reason) {
    case 'overdue':
      return (f.stage === 'assigned' || f.stage === 'in_progress') && f.dueDate <= r.at;
    case 'not_acknowledged':
      return f.stage === 'assigned' && f.assignedAt <= r.setAt;
    case 'stalled':
      return f.stage === 'in_progress' && f.lastActivityAt <= r.setAt;
    case 'awaiting_board':
      return f.stage === 'under_review' && f.evidenceSubmittedAt !== null && f.evidenceSubmittedAt <= r.setAt;
    // Issue 17: the impact check is planned apart, after closure (workflows/assurance.ts raises a
    // re-timed impact escalation again); the closed action's plan here is empty.
    case 'impact_evidence_missing':
      return false;
  }
}

/** Instants that are due now or earlier: what the workflow fires on waking. */
export function dueNow(planned: PlannedInstant[], now: number): PlannedInstant[] {
  return planned.filter((p) => p.at <= now);
}
