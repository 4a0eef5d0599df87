import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';
import type { NotificationRequest } from './types';

type Activities = ReturnType<typeof createActivities>;

const { sendNotification } = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  // As the action's own mail: while SMTP is down the mail waits, it is never dropped.
  retry: {
    initialInterval: '1s',
    backoffCoefficient: 2,
    maximumInterval: '15s',
    nonRetryableErrorTypes: ['UnknownAction'],
  },
});

/**
 * One mail to an action's new named owner (issue 18), with the due date as an ICS entry. The API
 * records the change and starts this; the outbox key (owner-<action>:assignment:<event>) makes a
 * second start for the same change send nothing.
 */
export async function ownerMailWorkflow(req: NotificationRequest): Promise<string> {
  return (await sendNotification(req)).status;
}
