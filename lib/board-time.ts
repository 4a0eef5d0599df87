/**
 * Dates as the board's people read them: every date shown in mails, pages, the statement, ICS
 * entries and exports is in the board's zone (BOARD_TIME_ZONE) and written the UK way
 * ("31 January 2027", "Tuesday 3 March 2026 at 9:00am"). The API's JSON keeps ISO instants.
 *
 * The zone is one per deployment: each entry point sets it once from its Config at start
 * (setBoardTimeZone), so formatting helpers need no zone threaded through every page.
 */
import { DEFAULT_TIME_ZONE, endOfLocalDay, isIsoDate, localDate, localTime } from '../workflows/calendar';

let zone = DEFAULT_TIME_ZONE;

export function setBoardTimeZone(timeZone: string): void {
  if (!isTimeZone(timeZone)) throw new RangeError(`unknown time zone ${timeZone}`);
  zone = timeZone;
}

export const boardTimeZone = (): string => zone;

let known: Set<string> | undefined;
/** An IANA zone name Node's Intl knows (its canonical list, plus UTC and the aliases it resolves to one of them). */
export function isTimeZone(v: unknown): v is string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 64) return false;
  known ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
  if (known.has(v)) return true;
  try {
    const resolved = new Intl.DateTimeFormat('en-GB', { timeZone: v }).resolvedOptions().timeZone;
    return v.includes('/') && known.has(resolved);
  } catch {
    return false;
  }
}

type When = Date | string | number;
const DAY_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const toMs = (x: When): number => (x instanceof Date ? x.getTime() : typeof x === 'number' ? x : Date.parse(x));

/** The local day (`2027-01-31`) of an instant in the board's zone: the API's `dueOn`. */
export const dueOn = (x: When): string => (typeof x === 'string' && DAY_ONLY.test(x) ? x : localDate(toMs(x), zone));

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function dayParts(date: string) {
  const [y, m, d] = date.split('-').map(Number);
  return { y, m, d, weekday: WEEKDAYS[new Date(Date.UTC(y, m - 1, d)).getUTCDay()] };
}

/** "31 January 2027" (a `YYYY-MM-DD` is taken as that day; an instant is shown on its local day). */
export function formatDay(x: When | null | undefined): string {
  if (x === null || x === undefined || x === '') return '';
  const { y, m, d } = dayParts(dueOn(x));
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** "Tuesday 3 March 2026". */
export function formatLongDay(x: When | null | undefined): string {
  if (x === null || x === undefined || x === '') return '';
  const date = dueOn(x);
  return `${dayParts(date).weekday} ${formatDay(date)}`;
}

/** "Tuesday 3 March 2026 at 9:00am". */
export function formatDateTime(x: When | null | undefined): string {
  if (x === null || x === undefined || x === '') return '';
  const t = toMs(x);
  const { date, msOfDay } = localTime(t, zone);
  const minutes = Math.floor(msOfDay / 60_000);
  const h24 = Math.floor(minutes / 60);
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  return `${formatLongDay(date)} at ${h12}:${String(minutes % 60).padStart(2, '0')}${h24 < 12 ? 'am' : 'pm'}`;
}

/** "January 2027". */
export function formatMonth(x: When): string {
  const { y, m } = dayParts(dueOn(x));
  return `${MONTHS[m - 1]} ${y}`;
}

/**
 * A due date as a client or a sheet gives it: a date alone means the end of that day in the
 * board's zone (overdue from 00:00 the next day); an instant stays as given. NaN when neither.
 */
export function dueInstant(value: string): number {
  if (DAY_ONLY.test(value)) return isIsoDate(value) ? endOfLocalDay(value, zone) : Number.NaN;
  return Date.parse(value);
}
