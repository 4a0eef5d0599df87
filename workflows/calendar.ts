/**
 * The board's calendar: local days in the board's time zone, working days (weekends and bank
 * holidays skipped) and the delivery window. Pure and deterministic, so the planner (and with it
 * the workflow) can use it: the bank holidays come in as data (the workflow's input), never from
 * a file, and the zone rules come from the ICU data built into Node.
 *
 * Dates are `YYYY-MM-DD` strings and all date arithmetic on them is done in UTC, where every day
 * has 24 hours; only turning a (date, wall-clock time) into an instant and back consults the zone.
 *
 * A compressed clock (tests only) maps real instants linearly onto a virtual timeline on which
 * the calendar is counted, so a "working day" can pass in a few real seconds: see `CompressedClock`.
 */

/** A policy duration counted in working days of the board's calendar. */
export interface WorkingDays {
  workingDays: number;
}

/** A calendar duration (ISO 8601, `P5D`, `PT2S`) or a count of working days. */
export type PolicyDuration = string | WorkingDays;

/**
 * Tests only: real instant `t` stands for virtual instant `virtualOrigin + (t - realOrigin) * DAY / dayMs`,
 * so one virtual day lasts `dayMs` real milliseconds. Working days and the delivery window are
 * counted on the virtual timeline; ISO durations stay real milliseconds.
 */
export interface CompressedClock {
  realOrigin: number;
  virtualOrigin: number;
  dayMs: number;
}

export interface BoardCalendar {
  /** IANA zone name (BOARD_TIME_ZONE). */
  timeZone: string;
  /** Days that are not working days besides Saturdays and Sundays, `YYYY-MM-DD`. */
  holidays: string[];
  clock?: CompressedClock;
}

export const DAY_MS = 86_400_000;
export const DEFAULT_TIME_ZONE = 'Europe/London';
/** Used only when a policy counts working days but the workflow was given no calendar. */
export const FALLBACK_CALENDAR: BoardCalendar = { timeZone: DEFAULT_TIME_ZONE, holidays: [] };

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const isHhMm = (v: unknown): v is string => typeof v === 'string' && HHMM_RE.test(v);

/** A real calendar date (2026-02-30 is not one). */
export function isIsoDate(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  const m = DATE_RE.exec(v);
  if (!m) return false;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).toISOString().slice(0, 10) === v;
}

export const isWorkingDays = (d: unknown): d is WorkingDays =>
  typeof d === 'object' &&
  d !== null &&
  Number.isInteger((d as WorkingDays).workingDays) &&
  (d as WorkingDays).workingDays > 0;

// ---- plain dates ----

const dateToUtc = (date: string): number => Date.parse(`${date}T00:00:00Z`);
const utcToDate = (t: number): string => new Date(t).toISOString().slice(0, 10);
export const addDays = (date: string, n: number): string => utcToDate(dateToUtc(date) + n * DAY_MS);
/** 0 Sunday … 6 Saturday. */
export const weekday = (date: string): number => new Date(dateToUtc(date)).getUTCDay();

// ---- the zone ----

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export interface LocalTime {
  date: string;
  /** Milliseconds since local midnight (wall clock). */
  msOfDay: number;
}

/** The wall-clock date and time of an instant in a zone. */
export function localTime(t: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) parts[p.type] = p.value;
  const ms = ((t % 1000) + 1000) % 1000;
  const hour = Number(parts.hour) % 24;
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    msOfDay: ((hour * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 + ms,
  };
}

/** Zone offset (local minus UTC, ms) at instant t. */
function offsetAt(t: number, timeZone: string): number {
  const l = localTime(t, timeZone);
  return dateToUtc(l.date) + l.msOfDay - t;
}

/**
 * The instant at which the wall clock in `timeZone` shows `date` + `msOfDay`. A time skipped by
 * a clock change (01:30 on the last Sunday of March in London) resolves to the hour after it;
 * a time that happens twice resolves to the first.
 */
export function localToInstant(date: string, msOfDay: number, timeZone: string): number {
  const wall = dateToUtc(date) + msOfDay;
  // Zone offsets change at most once around a given wall time: try the offset from a day before and a day after.
  const before = wall - offsetAt(wall - DAY_MS, timeZone);
  const after = wall - offsetAt(wall + DAY_MS, timeZone);
  const shows = (t: number) => t + offsetAt(t, timeZone) === wall;
  if (shows(before) && shows(after)) return Math.min(before, after);
  if (shows(before)) return before;
  if (shows(after)) return after;
  return before; // skipped by the clock change: the offset from before the change puts it an hour later
}

export const localDate = (t: number, timeZone: string): string => localTime(t, timeZone).date;
export const startOfLocalDay = (date: string, timeZone: string): number => localToInstant(date, 0, timeZone);
/** The last millisecond of a local day: a due date given as a date means the end of that day. */
export const endOfLocalDay = (date: string, timeZone: string): number =>
  startOfLocalDay(addDays(date, 1), timeZone) - 1;

// ---- the compressed clock ----

const factor = (c: CompressedClock) => DAY_MS / c.dayMs;
export const toVirtual = (cal: BoardCalendar, t: number): number =>
  cal.clock ? cal.clock.virtualOrigin + (t - cal.clock.realOrigin) * factor(cal.clock) : t;
/** Rounded up, so an instant mapped back never lands before the virtual one it stands for. */
export const toReal = (cal: BoardCalendar, v: number): number =>
  cal.clock ? cal.clock.realOrigin + Math.ceil((v - cal.clock.virtualOrigin) / factor(cal.clock)) : v;

/** The calendar date an instant falls on (on the virtual timeline under a compressed clock). */
export const calendarDate = (cal: BoardCalendar, t: number): string =>
  localDate(Math.floor(toVirtual(cal, t)), cal.timeZone);

// ---- working days ----

const holidaySets = new WeakMap<string[], Set<string>>();
function holidaySet(cal: BoardCalendar): Set<string> {
  let s = holidaySets.get(cal.holidays);
  if (!s) {
    s = new Set(cal.holidays);
    holidaySets.set(cal.holidays, s);
  }
  return s;
}

export function isWorkingDate(date: string, cal: BoardCalendar): boolean {
  const wd = weekday(date);
  return wd !== 0 && wd !== 6 && !holidaySet(cal).has(date);
}

/**
 * `n` working days after (or, negative, before) instant t, at the same wall-clock time: the local
 * date moves one day at a time and only working days count. Friday 15:00 + 1 is Monday 15:00
 * (Tuesday after a bank-holiday Monday); a Saturday + 1 is the Monday.
 */
export function addWorkingDays(t: number, n: number, cal: BoardCalendar): number {
  const v = toVirtual(cal, t);
  const { date, msOfDay } = localTime(Math.floor(v), cal.timeZone);
  const step = n < 0 ? -1 : 1;
  let d = date;
  for (let left = Math.abs(n); left > 0;) {
    d = addDays(d, step);
    if (isWorkingDate(d, cal)) left--;
  }
  return toReal(cal, localToInstant(d, msOfDay, cal.timeZone) + (v - Math.floor(v)));
}

/** Working days strictly after date a, up to and including date b (0 when b <= a). */
export function workingDaysBetween(a: string, b: string, cal: BoardCalendar): number {
  let n = 0;
  for (let d = addDays(a, 1); d <= b; d = addDays(d, 1)) if (isWorkingDate(d, cal)) n++;
  return n;
}

// ---- the delivery window ----

const hhmmToMs = (hhmm: string): number => {
  const m = HHMM_RE.exec(hhmm);
  if (!m) throw new RangeError(`"${hhmm}" is not HH:MM`);
  return (Number(m[1]) * 60 + Number(m[2])) * 60_000;
};

/** How long after deliverAt a late timer still delivers at once (a missed 09:00 goes out at 09:05, not tomorrow). */
export const WORKING_HOURS_MS = 9 * 3_600_000;

/** `deliverAt` on the first working day at or after instant t. */
export function nextDeliveryAt(t: number, deliverAt: string, cal: BoardCalendar): number {
  const v = toVirtual(cal, t);
  const at = hhmmToMs(deliverAt);
  let d = localDate(Math.floor(v), cal.timeZone);
  for (let i = 0; i < 400; i++, d = addDays(d, 1)) {
    if (!isWorkingDate(d, cal)) continue;
    const candidate = localToInstant(d, at, cal.timeZone);
    if (candidate >= v) return Math.max(toReal(cal, candidate), t);
  }
  throw new RangeError('no working day within 400 days');
}

/** `deliverAt` on the last working day at or before instant t. */
export function lastDeliveryAtOrBefore(t: number, deliverAt: string, cal: BoardCalendar): number {
  const v = toVirtual(cal, t);
  const at = hhmmToMs(deliverAt);
  let d = localDate(Math.floor(v), cal.timeZone);
  for (let i = 0; i < 400; i++, d = addDays(d, -1)) {
    if (!isWorkingDate(d, cal)) continue;
    const candidate = localToInstant(d, at, cal.timeZone);
    if (candidate <= v) return Math.min(toReal(cal, candidate), t);
  }
  throw new RangeError('no working day within 400 days');
}

/** On a working day, from deliverAt for WORKING_HOURS_MS (never past local midnight). */
export function inWorkingHours(t: number, deliverAt: string, cal: BoardCalendar): boolean {
  const v = toVirtual(cal, t);
  const { date, msOfDay } = localTime(Math.floor(v), cal.timeZone);
  const from = hhmmToMs(deliverAt);
  return isWorkingDate(date, cal) && msOfDay >= from && msOfDay < Math.min(from + WORKING_HOURS_MS, DAY_MS);
}

/** Whether instant t is exactly deliverAt local time on a working day (to the virtual minute under a compressed clock). */
export function isDeliveryInstant(t: number, deliverAt: string, cal: BoardCalendar): boolean {
  const v = toVirtual(cal, t);
  const { date, msOfDay } = localTime(Math.floor(v), cal.timeZone);
  const tolerance = cal.clock ? 60_000 : 0;
  const diff = msOfDay - hhmmToMs(deliverAt);
  return isWorkingDate(date, cal) && diff >= 0 && diff <= tolerance;
}
