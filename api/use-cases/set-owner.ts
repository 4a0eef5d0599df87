/**
 * Names (or clears) the owner of an action (issue 18). The owner is a person, not a stage: the
 * workflow's timers and Updates do not depend on it, and the outbox reads it when each mail is
 * stored, so the change is a row and an audit event written together, and the new owner's mail
 * (with the ICS entry) goes through the same outbox, from a workflow of its own started after the
 * transaction. If that start fails the caller gets the error (503 when Temporal is out of reach),
 * and the same request again finds the change made and starts the mail it is owed.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { and, desc, eq, sql } from 'drizzle-orm';
import { appendAudit, lockAuditChain } from '../../activities/audit';
import { actions, agencies, auditEvents, users } from '../../db/schema';
import { FINISHED_STATUSES } from '../../domain/vocabulary';
import { AppError } from '../../lib/errors';
import type { Actor, NotificationRequest } from '../../workflows/types';
import { findAction, findActionRow, type ActionView } from '../queries/actions';
import { scopeOf } from '../queries/scope';
import type { LifecycleDeps } from './lifecycle-deps';

/** An agency user is its agency's lead when their address is the agency's lead address. */
export async function isAgencyLead(deps: Pick<LifecycleDeps, 'db'>, actor: Actor, agencyId: string): Promise<boolean> {
  if (actor.role !== 'agency' || actor.agencyId !== agencyId) return false;
  const [row] = await deps.db
    .select({ id: users.id })
    .from(users)
    .innerJoin(agencies, eq(agencies.id, users.agencyId))
    .where(and(eq(users.id, actor.userId), eq(sql`lower(${users.email})`, sql`lower(${agencies.leadEmail})`)));
  return !!row;
}

/** An active agency user of this agency, or a 400 naming the field. */
export async function requireAgencyMember(
  deps: Pick<LifecycleDeps, 'db'>,
  userId: string,
  agencyId: string,
  field: string,
  what: string,
) {
  const [u] = await deps.db
    .select({ id: users.id, name: users.name, agencyId: users.agencyId, role: users.role, off: users.deactivatedAt })
    .from(users)
    .where(eq(users.id, userId));
  const bad = (message: string) => new AppError('validation', message, [{ path: field, message }]);
  if (!u) throw bad(`no such user: the ${what} must be a user of the agency`);
  if (u.off) throw bad(`that user is deactivated and cannot be the ${what}`);
  if (u.role !== 'agency' || u.agencyId !== agencyId) throw bad(`the ${what} must be a user of the same agency`);
  return u;
}

export async function setActionOwner(
  deps: LifecycleDeps,
  actor: Actor,
  actionId: string,
  ownerId: string | null,
  now = new Date(),
): Promise<ActionView> {
  const row = await findActionRow(deps.db, scopeOf(actor), actionId);
  if (!row) throw new AppError('not_found', 'No such action');
  if (actor.role === 'agency' && !(await isAgencyLead(deps, actor, row.agencyId)))
    throw new AppError('forbidden', "Only the agency's lead or the board names an action's owner");
  if ((FINISHED_STATUSES as readonly string[]).includes(row.status))
    throw new AppError('conflict', `The action is ${row.status}: its owner can no longer change`);
  const owner = ownerId ? await requireAgencyMember(deps, ownerId, row.agencyId, 'ownerId', 'owner') : null;

  const fresh = `owner:${actionId}:${randomUUID()}`;
  // The change's event key names its mail: a new change gets a fresh one; the same owner asked
  // for again gets the key of the change that named them, so a retry after a failed start
  // (below) starts that same mail again instead of finding "no change" and losing it.
  const eventKey = await deps.db.transaction(async (tx) => {
    await lockAuditChain(tx);
    // Checked again under the lock, so two changes at once are recorded in the order they land.
    const [current] = await tx
      .select({ ownerId: actions.ownerId, agencyId: actions.agencyId })
      .from(actions)
      .where(eq(actions.id, actionId));
    if (current.agencyId !== row.agencyId) throw new AppError('conflict', 'The action moved to another agency');
    if (current.ownerId === ownerId) {
      const [last] = await tx
        .select({ eventKey: auditEvents.eventKey, payload: auditEvents.payload })
        .from(auditEvents)
        .where(and(eq(auditEvents.actionId, actionId), eq(auditEvents.type, 'owner_changed')))
        .orderBy(desc(auditEvents.id))
        .limit(1);
      return last && (last.payload as { to?: unknown } | null)?.to === ownerId ? last.eventKey : null;
    }
    await tx.update(actions).set({ ownerId, updatedAt: now }).where(eq(actions.id, actionId));
    await appendAudit(tx, {
      eventKey: fresh,
      actionId,
      reviewId: row.reviewId,
      type: 'owner_changed',
      actor: actor.userId,
      payload: { from: current.ownerId, to: ownerId, toName: owner?.name ?? null, actorRole: actor.role },
      occurredAt: now,
    });
    return fresh;
  });

  if (eventKey && owner) await startOwnerMail(deps, actionId, owner.name, eventKey);
  return (await findAction(deps.db, { agencyId: null }, actionId))!;
}

/**
 * Starts the new owner's mail for one change. The workflow id comes from the change's event key
 * and a finished run is not started again, so a start repeated for the same change (a client's
 * retry after a failure here answered 503) is a no-op once one has been made; and the outbox key
 * (owner-<action>:assignment:<event>) sends the mail once even if a run were repeated.
 */
async function startOwnerMail(deps: LifecycleDeps, actionId: string, ownerName: string, eventKey: string) {
  const req: NotificationRequest = {
    workflowId: `owner-${actionId}`,
    kind: 'assignment',
    occasion: eventKey,
    actionId,
    audience: 'owner',
    detail: { owner: `${ownerName} (named owner)` },
  };
  try {
    await deps.client.workflow.start('ownerMailWorkflow', {
      taskQueue: deps.taskQueue,
      workflowId: ownerMailWorkflowId(eventKey),
      args: [req],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

export const ownerMailWorkflowId = (eventKey: string) => `owner-mail-${eventKey.replace(/:/g, '-')}`;
