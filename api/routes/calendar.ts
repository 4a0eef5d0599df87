import { boardTimeZone } from '../../lib/board-time';
import { defineRoute, type RouteDef } from '../http/route';
import { BankHoliday, BoardCalendarOut, CalendarDayBody } from '../schemas';
import { addCalendarDay, listBankHolidays, SHIPPED_SOURCE } from '../use-cases/board-calendar';

export const calendarRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/calendar/bank-holidays',
    operationId: 'listBankHolidays',
    summary: 'The board calendar: its time zone and the days that are not working days besides weekends',
    description:
      'The England and Wales bank holidays shipped with the product (source and compile date given) and the days an admin added.',
    tag: 'Calendar',
    access: 'any',
    responses: { 200: { description: 'The calendar', schema: BoardCalendarOut } },
    handler: async ({ ctx }) => ({
      status: 200,
      body: { timeZone: boardTimeZone(), ...SHIPPED_SOURCE, days: await listBankHolidays(ctx.db) },
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/calendar/bank-holidays',
    operationId: 'addBankHoliday',
    summary: 'Add a one-off or substitute bank holiday (audited)',
    description:
      'Counts for working-day clocks of actions started from now on; actions already open keep the calendar they started with. ' +
      '`replaces` names a shipped day that becomes a working day again.',
    tag: 'Calendar',
    access: ['admin'],
    body: { json: CalendarDayBody },
    responses: {
      201: { description: 'The day added', schema: BankHoliday },
      409: { description: 'Already a bank holiday, or the day it replaces was already replaced' },
    },
    handler: async ({ ctx, actor, body }) => ({ status: 201, body: await addCalendarDay(ctx.db, actor, body) }),
  }),
];
