import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const { sendSignInMail } = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  // The same retry as workflow mail; the activity itself gives up once the link would be stale.
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '15s',
    nonRetryableErrorTypes: ['UnknownNotification'],
  },
});

/** One queued sign-in mail (an outbox row the API wrote), sent by a worker with retries. */
export async function signInMailWorkflow(input: {
  notificationId: string;
  browserNonceHash?: string | null;
}): Promise<string> {
  return (await sendSignInMail(input)).status;
}
