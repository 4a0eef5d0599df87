/**
 * The impact check after approval (issue 17; docs/ARCHITECTURE.md, The action lifecycle): pure
 * functions the action workflow imports, so the schedule is property-tested like plan().
 *
 * At the check date the owning agency is asked for evidence of impact; while it does not come
 * the agency is reminded every `overdueReminderEvery` and the review's escalation ladder
 * (`escalateAfterOverdue`, counted from the check date) runs with the reason
 * `impact_evidence_missing`. Evidence that waits for the board longer than `boardDecisionWithin`
 * goes to the chair (`awaiting_board`), as on the main lifecycle.
 *
 * Occasions embed the check date (and the submission instant), so each fires once and the
 * outbox's idempotency keys follow from them. Missed instants go at once; of a series already
 * due only the latest goes, as in plan().
 */
import { FALLBACK_CALENDAR, nextDeliveryAt, type BoardCalendar } from './calendar';
import { parseDuration, shiftBy } from './duration';
import type { Assurance, EscalationReason, Policy, RetimedEscalation } from './types';

const PERIOD = /^P(?!$)(?:(\d{1,3})Y)?(?:(\d{1,4})M)?((?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?(?:T.*)?)$/;

/** `P6M`, `P1Y`, `P90D`, `PT5S`: an ISO-8601 duration where months and years are calendar months. */
export function isImpactPeriod(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = PERIOD.exec(value.trim().toUpperCase());
  if (!m) return false;
  if (!m[3]) return true;
  try {
    parseDuration(`P${m[3]}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * t moved on by a period. Months and years move the UTC calendar date (31 August + 6 months is
 * the last day of February), the rest is exact time: deterministic, so the workflow may call it.
 */
export function addPeriod(t: number, period: string): number {
  const m = PERIOD.exec(period.trim().toUpperCase());
  if (!m) throw new Error(`"${period}" is not a period such as P6M or P90D`);
  const months = Number(m[1] ?? 0) * 12 + Number(m[2] ?? 0);
  let at = t;
  if (months) {
    const d = new Date(t);
    const day = d.getUTCDate();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + months);
    const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
    d.setUTCDate(Math.min(day, last));
    at = d.getTime();
  }
  return m[3] ? at + parseDuration(`P${m[3]}`) : at;
}

/** Whether an approval of this action starts an impact check, and when the check falls. */
export function impactCheckDate(policy: Policy, impactCheck: boolean | undefined, approvedAt: number): number | null {
  if (impactCheck === false || !policy.impactCheckAfter || !isImpactPeriod(policy.impactCheckAfter)) return null;
  return addPeriod(approvedAt, policy.impactCheckAfter);
}

export const isAssurancePending = (a: Assurance | null | undefined): boolean =>
  a === 'scheduled' || a === 'due' || a === 'evidence_submitted';

export interface ImpactFacts {
  assurance: Assurance | null | undefined;
  /** Epoch ms. */
  impactCheckAt: number | null | undefined;
  impactEvidenceSubmittedAt: number | null | undefined;
  done: readonly string[];
  /** Escalations the chair re-timed; only those marked `impact` belong to this schedule. */
  retimed?: readonly RetimedEscalation[];
}

/** Whether the cause of a re-timed impact escalation is still there at its new date. */
function retimedImpactHolds(r: RetimedEscalation, f: ImpactFacts): boolean {
  if (r.reason === 'impact_evidence_missing') return f.assurance === 'due';
  if (r.reason === 'awaiting_board')
    return (
      f.assurance === 'evidence_submitted' && !!f.impactEvidenceSubmittedAt && f.impactEvidenceSubmittedAt <= r.setAt
    );
  return false;
}

export type ImpactKind = 'impact_request' | 'impact_reminder' | 'escalation';

export interface ImpactInstant {
  at: number;
  kind: ImpactKind;
  occasion: string;
  reason?: EscalationReason;
  level?: number;
}

const ORDER: Record<ImpactKind, number> = { impact_request: 0, impact_reminder: 1, escalation: 2 };

export function planImpact(facts: ImpactFacts, policy: Policy, now: number, calendar?: BoardCalendar): ImpactInstant[] {
  const checkAt = facts.impactCheckAt;
  if (!isAssurancePending(facts.assurance) || checkAt === null || checkAt === undefined) return [];
  const done = new Set(facts.done);
  const cal = calendar ?? FALLBACK_CALENDAR;
  const windowed = (at: number) => (policy.deliverAt ? nextDeliveryAt(at, policy.deliverAt, cal) : at);
  const out: (ImpactInstant & { due: number })[] = [];

  if (facts.assurance === 'scheduled') {
    out.push({ at: checkAt, due: checkAt, kind: 'impact_request', occasion: `impact:request:${checkAt}` });
  }
  if (facts.assurance === 'due') {
    const every = policy.overdueReminderEvery;
    const nth = (n: number) =>
      typeof every === 'string'
        ? checkAt + n * Math.max(parseDuration(every), 1000)
        : shiftBy(checkAt, { workingDays: n * every.workingDays }, 1, calendar);
    // The latest reminder already due, or the first one to come.
    let n = 1;
    while (nth(n + 1) <= now && n < 10_000) n++;
    if (done.has(`impact:reminder:${checkAt}:${n}`)) n++;
    const at = windowed(nth(n));
    out.push({ at, due: at, kind: 'impact_reminder', occasion: `impact:reminder:${checkAt}:${n}` });

    const ladder = policy.escalateAfterOverdue.slice(0, 3).map((d, i) => {
      const at = windowed(shiftBy(checkAt, d, 1, calendar));
      return {
        at,
        due: at,
        kind: 'escalation' as const,
        reason: 'impact_evidence_missing' as const,
        level: i + 1,
        occasion: `escalation:impact_evidence_missing:${checkAt}:${i + 1}`,
      };
    });
    const dueOnes = ladder.filter((c) => c.due <= now);
    const latest = dueOnes.length ? Math.max(...dueOnes.map((c) => c.due)) : null;
    out.push(...ladder.filter((c) => latest === null || c.due > now || c.due === latest));
  }
  for (const r of facts.retimed ?? []) {
    if (!r.impact || !retimedImpactHolds(r, facts)) continue;
    const occasion = `escalation:retimed:${r.escalationId}:${r.at}`;
    out.push({ at: r.at, due: r.at, kind: 'escalation', reason: r.reason, level: r.level, occasion });
  }
  if (facts.assurance === 'evidence_submitted' && facts.impactEvidenceSubmittedAt) {
    const at = windowed(shiftBy(facts.impactEvidenceSubmittedAt, policy.boardDecisionWithin, 1, calendar));
    out.push({
      at,
      due: at,
      kind: 'escalation',
      reason: 'awaiting_board',
      level: 3,
      occasion: `escalation:impact_awaiting_board:${facts.impactEvidenceSubmittedAt}`,
    });
  }
  return out
    .filter((c) => !done.has(c.occasion))
    .map(({ due: _due, ...c }) => ({ ...c, at: Math.max(c.at, now) }))
    .sort(
      (a, b) =>
        a.at - b.at ||
        ORDER[a.kind] - ORDER[b.kind] ||
        (a.level ?? 0) - (b.level ?? 0) ||
        a.occasion.localeCompare(b.occasion),
    );
}

/** The follow-up action's reference: 2.1 -> 2.1a, 2.1a -> 2.1b (a chain of follow-ups stays readable and unique). */
export function followUpReference(reference: string): string {
  const last = reference.slice(-1);
  if (/[a-y]/.test(last)) return reference.slice(0, -1) + String.fromCharCode(last.charCodeAt(0) + 1);
  return `${reference}a`;
}
