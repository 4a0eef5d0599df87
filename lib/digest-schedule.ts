/**
 * The Temporal Schedule that starts the daily digest (issue 18): 08:00 in the board's time zone,
 * Monday to Friday (the digest workflow itself skips the board calendar's bank holidays). Made
 * once when a worker starts, and brought up to date only when what it should be (zone, task
 * queue, times, policies) differs from what it is: every worker start no longer rewrites it. A
 * missed morning (Temporal down at 08:00) is caught up within a day; two runs never overlap-skip,
 * and a second run of a day sends nothing twice (each digest is keyed by person and day).
 */
import {
  ScheduleAlreadyRunning,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
} from '@temporalio/client';

export const DIGEST_SCHEDULE_ID = 'daily-digest';
/** The memo field on the Schedule's action that names the settings it was made with. */
const FINGERPRINT = 'digestSchedule';

export function digestScheduleOptions(taskQueue: string, timeZone: string): ScheduleOptions {
  const spec: ScheduleOptions['spec'] = {
    calendars: [{ hour: 8, minute: 0, dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY' }] }],
    timezone: timeZone,
  };
  const policies: ScheduleOptions['policies'] = { overlap: 'ALLOW_ALL', catchupWindow: '1 day' };
  return {
    scheduleId: DIGEST_SCHEDULE_ID,
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: 'digestWorkflow',
      taskQueue,
      args: [{}],
      memo: { [FINGERPRINT]: JSON.stringify({ spec, policies, taskQueue, workflowType: 'digestWorkflow' }) },
    },
    policies,
  };
}

/**
 * Pure: whether the Schedule as described must be updated to match `wanted`. The server returns
 * the spec in its own normalised form, so the settings are compared through the fingerprint the
 * action carries in its memo, and the zone and task queue directly as well (a Schedule made
 * before the fingerprint existed has none, and is updated once).
 */
export function digestScheduleDiffers(
  current: Pick<ScheduleDescription, 'spec' | 'action'>,
  wanted: ScheduleOptions,
): boolean {
  const action = current.action;
  if (action.type !== 'startWorkflow' || wanted.action.type !== 'startWorkflow') return true;
  return (
    current.spec.timezone !== wanted.spec.timezone ||
    action.taskQueue !== wanted.action.taskQueue ||
    action.workflowType !== wanted.action.workflowType ||
    action.memo?.[FINGERPRINT] !== wanted.action.memo?.[FINGERPRINT]
  );
}

export async function ensureDigestSchedule(
  client: Client,
  taskQueue: string,
  timeZone: string,
): Promise<'created' | 'updated' | 'unchanged'> {
  const options = digestScheduleOptions(taskQueue, timeZone);
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(DIGEST_SCHEDULE_ID);
  if (!digestScheduleDiffers(await handle.describe(), options)) return 'unchanged';
  await handle.update((prev) => ({
    ...prev,
    spec: options.spec,
    policies: { ...prev.policies, ...options.policies },
    action: { ...prev.action, ...options.action } as typeof prev.action,
  }));
  return 'updated';
}
