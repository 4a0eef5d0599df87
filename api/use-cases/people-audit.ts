import { randomUUID } from 'node:crypto';
import { appendAudit, lockAuditChain } from '../../activities/audit';
import type { Tx } from '../../db/client';

/** Who or what administered people: a user id, or a named tool (`migrate`, `admin-cli:<os user>`). */
export type PeopleActor = string;

export type PeopleEventType =
  | 'user_created'
  | 'user_deactivated'
  | 'api_token_issued'
  | 'api_token_rotated'
  | 'api_token_revoked'
  | 'admin_bootstrapped'
  | 'users_listed'
  | 'mail_defaults_set';

/**
 * Administration of people goes into the same hash chain as the actions' events, so a token
 * handed out or taken away is as tamper-evident as a decision. Never the token itself: only its id.
 */
export async function recordPeopleEvent(
  tx: Tx,
  type: PeopleEventType,
  actor: PeopleActor,
  payload: Record<string, unknown>,
  now = new Date(),
): Promise<void> {
  await lockAuditChain(tx);
  await appendAudit(tx, {
    eventKey: `people:${randomUUID()}`,
    actionId: null,
    reviewId: null,
    type,
    actor,
    payload,
    occurredAt: now,
  });
}
