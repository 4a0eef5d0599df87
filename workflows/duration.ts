/**
 * ISO-8601 durations (`P5D`, `P1W`, `PT2S`, `P1DT12H`) to milliseconds. Pure, so the workflow
 * and the planner can use it. Months and years are refused: their length depends on the
 * calendar, and a deadline that silently shifts by a day is worse than a clear error.
 */
import { addWorkingDays, FALLBACK_CALENDAR, isWorkingDays, type BoardCalendar, type PolicyDuration } from './calendar';
import type { Policy } from './types';

const PATTERN =
  /^P(?!$)(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const UNIT_MS = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

export class DurationError extends Error {
  constructor(public readonly value: string) {
    super(`"${value}" is not an ISO-8601 duration in weeks, days, hours, minutes or seconds (for example P7D or PT2S)`);
    this.name = 'DurationError';
  }
}

export function parseDuration(value: string): number {
  const m = PATTERN.exec(value.trim().toUpperCase());
  if (!m) throw new DurationError(value);
  let ms = 0;
  // Stryker disable next-line EqualityOperator: equivalent; `i <= UNIT_MS.length` reads m[6], a group the pattern does not have (undefined, skipped)
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * UNIT_MS[i];
  }
  return Math.round(ms);
}

export function isDuration(value: string): boolean {
  return PATTERN.test(value.trim().toUpperCase());
}

/**
 * Instant t moved by a policy duration (`sign` -1 counts back, for reminders before a due date):
 * ISO durations are exact milliseconds as before; working days are counted in the board's calendar.
 */
export function shiftBy(t: number, d: PolicyDuration, sign: 1 | -1, cal: BoardCalendar | undefined): number {
  if (typeof d === 'string') return t + sign * parseDuration(d);
  return addWorkingDays(t, sign * d.workingDays, cal ?? FALLBACK_CALENDAR);
}

/** A stable name for a duration, for occasions: ISO strings as they were written, `5WD` for working days. */
export const durationLabel = (d: PolicyDuration): string => (typeof d === 'string' ? d : `${d.workingDays}WD`);

/** The string form a policy may use for working days: `5 working days`, `1 working day`. */
const WORKING_DAYS_TEXT = /^\s*(\d{1,3})\s+working\s+days?\s*$/i;

/**
 * A policy duration as written by a person or a client: an ISO-8601 string, `{ "workingDays": n }`
 * or `"n working days"`. Returns the stored form (ISO string or `{ workingDays }`), or null.
 */
export function normaliseDuration(v: unknown): PolicyDuration | null {
  if (typeof v === 'string') {
    const m = WORKING_DAYS_TEXT.exec(v);
    if (m) return Number(m[1]) > 0 ? { workingDays: Number(m[1]) } : null;
    return isDuration(v) ? v : null;
  }
  if (isWorkingDays(v) && Object.keys(v).length === 1 && v.workingDays <= 999) return { workingDays: v.workingDays };
  return null;
}

/** Whether a policy counts working days or has a delivery window, and so needs the board's calendar. */
export function usesBoardCalendar(policy: Policy): boolean {
  if (policy.deliverAt) return true;
  return Object.values(policy as unknown as Record<string, unknown>).some((v) =>
    Array.isArray(v) ? v.some(isWorkingDays) : isWorkingDays(v),
  );
}
