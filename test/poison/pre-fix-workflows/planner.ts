/**
 * The schedule of reminders and escalations as a pure function (DESIGN.md section 3).
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
 */
import { parseDuration } from './duration';
import type { ActionStage, EscalationReason, Policy } from './types';

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
}

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
  if (dueOnes.length <= 1) return series;
  const latest = Math.max(...dueOnes.map((c) => c.due));
  return series.filter((c) => c.due > now || c.due === latest);
}

export function plan(facts: PlanFacts, policy: Policy, now: number): PlannedInstant[] {
  const { stage } = facts;
  if (stage === 'closed' || stage === 'cancelled') return [];
  const done = new Set(facts.done);
  const out: Candidate[] = [];
  const due = facts.dueDate;
  const agencyOwesWork = stage === 'assigned' || stage === 'in_progress';

  if (agencyOwesWork) {
    const reminders: Candidate[] = [];
    for (const d of new Set(policy.remindBefore)) {
      const at = due - parseDuration(d);
      // A reminder that was already in the past when the date was set was never "upcoming".
      if (at < facts.dueDateSetAt || at >= due) continue;
      reminders.push({ at, due: at, kind: 'reminder', occasion: `reminder:${due}:${d}` });
    }
    out.push(...latestDueOnly(reminders, now));

    const every = Math.max(parseDuration(policy.overdueReminderEvery), 1000);
    const latestN = now >= due ? Math.floor((now - due) / every) : 0;
    const occasionN = (n: number) => `overdue:${due}:${n}`;
    const n = done.has(occasionN(latestN)) ? latestN + 1 : latestN;
    out.push({ at: due + n * every, due: due + n * every, kind: 'overdue', occasion: occasionN(n) });

    const ladder: Candidate[] = policy.escalateAfterOverdue.slice(0, 3).map((d, i) => {
      const at = due + parseDuration(d);
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
    const at = facts.assignedAt + parseDuration(policy.acknowledgeWithin);
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
    const at = facts.lastActivityAt + parseDuration(policy.stallAfter);
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
    const at = facts.evidenceSubmittedAt + parseDuration(policy.boardDecisionWithin);
    out.push({
      at,
      due: at,
      kind: 'escalation',
      reason: 'awaiting_board',
      level: 3,
      occasion: `escalation:awaiting_board:${facts.evidenceSubmittedAt}`,
    });
  }

  return out
    .filter((c) => !done.has(c.occasion))
    .map(({ due: _due, ...c }) => ({ ...c, at: Math.max(c.at, now) }))
    .sort(
      (a, b) =>
        a.at - b.at ||
        KIND_ORDER[a.kind] - KIND_ORDER[b.kind] ||
        (a.level ?? 0) - (b.level ?? 0) ||
        a.occasion.localeCompare(b.occasion),
    );
}

/** Instants that are due now or earlier: what the workflow fires on waking. */
export function dueNow(planned: PlannedInstant[], now: number): PlannedInstant[] {
  return planned.filter((p) => p.at <= now);
}
