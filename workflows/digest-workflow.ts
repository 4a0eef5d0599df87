import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const { planDigests, sendDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  // As every mail: while SMTP is down the digest waits (stored, claimed), it is never dropped.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

export interface DigestRunInput {
  /** The board-local day to send for; unset: today (the Schedule's 08:00 run). */
  day?: string;
}

/**
 * One morning's digests (issue 18), started by the `daily-digest` Schedule at 08:00 in the board's
 * time zone on weekdays; a bank holiday in the board calendar sends nothing (the items wait for
 * the next working day). Each person's digest is its own activity, idempotent per person and day.
 */
export async function digestWorkflow(input: DigestRunInput = {}): Promise<{ day: string; sent: number }> {
  const plan = await planDigests(input.day);
  if (!plan.working) return { day: plan.day, sent: 0 };
  const results = await Promise.all(plan.userIds.map((userId) => sendDigest({ userId, day: plan.day })));
  return { day: plan.day, sent: results.filter((r) => r.status !== 'nothing').length };
}
