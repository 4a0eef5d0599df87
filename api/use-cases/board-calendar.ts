/**
 * The board's calendar as data: the shipped England and Wales bank holidays (source and compile
 * date in the JSON file) plus the days an admin added. Workflows get it in their input, so they
 * never read a file or the database to know whether a day is a working day.
 */
import type { Db, DbOrTx } from '../../db/client';
import { calendarDays } from '../../db/schema';
import { appendAudit, lockAuditChain } from '../../activities/audit';
import { isWorkingDate, weekday, type BoardCalendar, type CompressedClock } from '../../workflows/calendar';
import type { Actor } from '../../workflows/types';
import { AppError } from '../../lib/errors';
import shipped from '../../lib/calendar/bank-holidays-england-and-wales.json';

export const SHIPPED_SOURCE = { source: shipped.source, compiledOn: shipped.compiledOn, division: shipped.division };

export interface BankHoliday {
  date: string;
  title: string;
  /** `shipped` with the product, or `added` by an admin. */
  origin: 'shipped' | 'added';
  /** For an added substitute day: the shipped day it replaces (no longer a holiday). */
  replaces: string | null;
  /** A shipped day an added substitute replaced. */
  replacedBy: string | null;
}

export async function listBankHolidays(db: DbOrTx): Promise<BankHoliday[]> {
  const added = await db.select().from(calendarDays);
  const replacedBy = new Map(added.filter((a) => a.replaces).map((a) => [a.replaces as string, a.date]));
  const all: BankHoliday[] = [
    ...shipped.events.map((e) => ({
      date: e.date,
      title: e.title,
      origin: 'shipped' as const,
      replaces: null,
      replacedBy: replacedBy.get(e.date) ?? null,
    })),
    ...added.map((a) => ({
      date: a.date,
      title: a.title,
      origin: 'added' as const,
      replaces: a.replaces,
      replacedBy: null,
    })),
  ];
  return all.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** The days off in force: shipped and added, without the shipped days a substitute replaced. */
export async function holidayDates(db: DbOrTx): Promise<string[]> {
  return (await listBankHolidays(db)).filter((h) => h.replacedBy === null).map((h) => h.date);
}

/**
 * What a new workflow is given. Days before the previous year are left out: an action is planned
 * forward from its creation, and its input (carried across continue-as-new) stays small.
 */
export async function loadBoardCalendar(
  db: DbOrTx,
  timeZone: string,
  now = new Date(),
  clock?: CompressedClock,
): Promise<BoardCalendar> {
  const from = `${(clock ? new Date(clock.virtualOrigin) : now).getUTCFullYear() - 1}-01-01`;
  const holidays = (await holidayDates(db)).filter((d) => d >= from);
  return clock ? { timeZone, holidays, clock } : { timeZone, holidays };
}

/** Adds a day off (a one-off, or a substitute replacing a shipped day); audited; all or nothing. */
export async function addCalendarDay(
  db: Db,
  actor: Actor,
  input: { date: string; title: string; replaces?: string },
): Promise<BankHoliday> {
  if (actor.role !== 'admin') throw new AppError('forbidden', 'only an admin may change the calendar');
  const current = await listBankHolidays(db);
  if (weekday(input.date) === 0 || weekday(input.date) === 6) {
    throw new AppError('validation', `${input.date} is a weekend day: it is never a working day`, [
      { path: 'date', message: 'a weekend day is never a working day' },
    ]);
  }
  if (
    !isWorkingDate(input.date, {
      timeZone: 'UTC',
      holidays: current.filter((h) => h.replacedBy === null).map((h) => h.date),
    })
  ) {
    throw new AppError('conflict', `${input.date} is already a bank holiday`);
  }
  if (input.replaces !== undefined) {
    const target = current.find((h) => h.date === input.replaces && h.origin === 'shipped');
    if (!target)
      throw new AppError('validation', `${input.replaces} is not a shipped bank holiday`, [
        { path: 'replaces', message: 'not a shipped bank holiday' },
      ]);
    if (target.replacedBy)
      throw new AppError('conflict', `${input.replaces} was already replaced by ${target.replacedBy}`);
  }
  const createdBy = actor.userId;
  try {
    await db.transaction(async (tx) => {
      await tx
        .insert(calendarDays)
        .values({ date: input.date, title: input.title, replaces: input.replaces ?? null, createdBy });
      await lockAuditChain(tx);
      await appendAudit(tx, {
        eventKey: `calendar:${input.date}`,
        actionId: null,
        reviewId: null,
        type: 'calendar_day_added',
        actor: actor.userId,
        payload: { date: input.date, title: input.title, replaces: input.replaces ?? null },
        occurredAt: new Date(),
      });
    });
  } catch (err) {
    // The same day added at the same moment by someone else.
    const code = (err as { code?: string }).code ?? (err as { cause?: { code?: string } }).cause?.code;
    if (code === '23505') throw new AppError('conflict', `${input.date} is already a bank holiday`);
    throw err;
  }
  return { date: input.date, title: input.title, origin: 'added', replaces: input.replaces ?? null, replacedBy: null };
}
