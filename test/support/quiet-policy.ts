import type { Policy } from '../../workflows/types';

/** Nothing fires while a test or a bench runs unless it asks: every clock is a month or more away. */
export const QUIET_POLICY: Policy = {
  acknowledgeWithin: 'P30D',
  remindBefore: [],
  overdueReminderEvery: 'P30D',
  escalateAfterOverdue: ['P30D'],
  stallAfter: 'P30D',
  boardDecisionWithin: 'P30D',
};
