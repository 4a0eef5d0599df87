/**
 * The digest Schedule is updated only when what it should be differs from what it is (review
 * finding on lib/digest-schedule.ts: every worker start used to rewrite it).
 */
import type { ScheduleDescription } from '@temporalio/client';
import { digestScheduleDiffers, digestScheduleOptions } from '../../lib/digest-schedule';

/** What the server describes for a Schedule made from these options (the parts compared). */
function described(taskQueue: string, timeZone: string): Pick<ScheduleDescription, 'spec' | 'action'> {
  const o = digestScheduleOptions(taskQueue, timeZone);
  if (o.action.type !== 'startWorkflow') throw new Error('unexpected action');
  return {
    // The server's own normalised form of the calendar, unlike what was sent.
    spec: { calendars: [], timezone: o.spec.timezone } as unknown as ScheduleDescription['spec'],
    action: {
      type: 'startWorkflow',
      workflowType: 'digestWorkflow',
      workflowId: 'daily-digest-workflow',
      taskQueue: o.action.taskQueue,
      args: [{}],
      memo: o.action.memo,
    } as ScheduleDescription['action'],
  };
}

describe('digestScheduleDiffers', () => {
  it('the same zone and task queue: unchanged', () => {
    expect(digestScheduleDiffers(described('q', 'Europe/London'), digestScheduleOptions('q', 'Europe/London'))).toBe(
      false,
    );
  });

  it('another zone or task queue: updated', () => {
    expect(digestScheduleDiffers(described('q', 'Europe/London'), digestScheduleOptions('q', 'Europe/Dublin'))).toBe(
      true,
    );
    expect(digestScheduleDiffers(described('q', 'Europe/London'), digestScheduleOptions('q2', 'Europe/London'))).toBe(
      true,
    );
  });

  it('a Schedule made before the fingerprint (no memo), or with other times: updated once', () => {
    const old = described('q', 'Europe/London');
    expect(
      digestScheduleDiffers(
        { ...old, action: { ...old.action, memo: undefined } as ScheduleDescription['action'] },
        digestScheduleOptions('q', 'Europe/London'),
      ),
    ).toBe(true);
    expect(
      digestScheduleDiffers(
        {
          ...old,
          action: { ...old.action, memo: { digestSchedule: '{"spec":"07:00"}' } } as ScheduleDescription['action'],
        },
        digestScheduleOptions('q', 'Europe/London'),
      ),
    ).toBe(true);
  });
});
