/**
 * The Temporal Schedule that starts the daily digest (issue 18): 08:00 in the board's time zone,
 * Monday to Friday (the digest workflow itself skips the board calendar's bank holidays). Made
 * once when a worker starts, and brought up to date if the zone or task queue changed. A missed
 * morning (Temporal down at 08:00) is caught up within a day; two runs never overlap-skip, and a
 * second run of a day sends nothing twice (each digest is keyed by person and day).
 */
import { ScheduleAlreadyRunning, type Client, type ScheduleOptions } from '@temporalio/client';

export const DIGEST_SCHEDULE_ID = 'daily-digest';

export function digestScheduleOptions(taskQueue: string, timeZone: string): ScheduleOptions {
  return {
    scheduleId: DIGEST_SCHEDULE_ID,
    spec: {
      calendars: [{ hour: 8, minute: 0, dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY' }] }],
      timezone: timeZone,
    },
    action: { type: 'startWorkflow', workflowType: 'digestWorkflow', taskQueue, args: [{}] },
    policies: { overlap: 'ALLOW_ALL', catchupWindow: '1 day' },
  };
}

export async function ensureDigestSchedule(client: Client, taskQueue: string, timeZone: string): Promise<void> {
  const options = digestScheduleOptions(taskQueue, timeZone);
  try {
    await client.schedule.create(options);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(DIGEST_SCHEDULE_ID).update((prev) => ({
      ...prev,
      spec: options.spec,
      action: { ...prev.action, ...options.action } as typeof prev.action,
    }));
  }
}
