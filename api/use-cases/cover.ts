/**
 * Cover while away (issue 18): from one board-local day to another, mail meant for a person goes
 * to their deputy (activities/mail-routing.ts) and the deputy's acts on the person's actions are
 * recorded "for" them (activities/cover-acting.ts). A cover stops applying after its last day, or
 * earlier when it is ended (`endCover`): the person back early, or their lead ending what they set.
 */
import { and, eq, gte, lte, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { appendAudit, lockAuditChain } from '../../activities/audit';
import { boardToday } from '../../activities/mail-routing';
import { addDays } from '../../workflows/calendar';
import type { Db } from '../../db/client';
import { auditEvents, covers, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import type { Actor } from '../../workflows/types';
import { isAgencyLead, requireAgencyMember } from './set-owner';

export interface CoverInput {
  deputyId: string;
  from: string;
  to: string;
  copyMe: boolean;
  userId?: string;
}

export interface CoverView {
  id: string;
  user: { id: string; name: string };
  deputy: { id: string; name: string };
  from: string;
  to: string;
  copyMe: boolean;
  /** Who set it (the person away, or their lead or an administrator for them). */
  setById: string | null;
}

const alreadyEnded = () =>
  new AppError('conflict', 'That cover has already ended', [{ path: 'id', message: 'already ended' }]);

const fieldError = (kind: 'validation' | 'conflict', path: string, message: string) =>
  new AppError(kind, message, [{ path, message }]);

export async function setCover(db: Db, actor: Actor, input: CoverInput, now = new Date()): Promise<CoverView> {
  const awayId = input.userId ?? actor.userId;
  const [away] = await db
    .select({ id: users.id, name: users.name, agencyId: users.agencyId, role: users.role, off: users.deactivatedAt })
    .from(users)
    .where(eq(users.id, awayId));
  if (!away || away.off) throw fieldError('validation', 'userId', 'no such active user');
  if (awayId !== actor.userId) {
    const allowed =
      actor.role === 'admin' || (away.agencyId !== null && (await isAgencyLead({ db }, actor, away.agencyId)));
    if (!allowed)
      throw new AppError('forbidden', "Only the agency's lead or an administrator sets cover for someone else");
  }
  if (!away.agencyId || away.role !== 'agency')
    throw fieldError('validation', 'userId', 'cover is for agency users: their deputy must be of the same agency');
  if (input.deputyId === awayId) throw fieldError('validation', 'deputyId', 'a person cannot be their own deputy');
  const deputy = await requireAgencyMember({ db }, input.deputyId, away.agencyId, 'deputyId', 'deputy');
  if (input.to < input.from) throw fieldError('validation', 'to', 'the cover ends before it starts');
  if (input.to < boardToday(now)) throw fieldError('validation', 'to', 'the cover would end in the past');

  return db.transaction(async (tx) => {
    await lockAuditChain(tx);
    // Under the lock, so two overlapping requests cannot both find the range free.
    const [clash] = await tx
      .select({ id: covers.id, from: covers.startsOn, to: covers.endsOn })
      .from(covers)
      .where(and(eq(covers.userId, awayId), lte(covers.startsOn, input.to), gte(covers.endsOn, input.from)))
      .limit(1);
    if (clash)
      throw fieldError(
        'conflict',
        'from',
        `cover from ${clash.from} to ${clash.to} already overlaps these days: one cover at a time`,
      );
    const [row] = await tx
      .insert(covers)
      .values({
        userId: awayId,
        deputyId: deputy.id,
        startsOn: input.from,
        endsOn: input.to,
        copyMe: input.copyMe,
        setBy: actor.userId,
      })
      .returning();
    await appendAudit(tx, {
      eventKey: `cover:${row.id}`,
      actionId: null,
      reviewId: null,
      type: 'cover_set',
      actor: actor.userId,
      payload: { coverId: row.id, userId: awayId, deputyId: deputy.id, from: input.from, to: input.to },
      occurredAt: now,
    });
    return {
      id: row.id,
      user: { id: away.id, name: away.name },
      deputy: { id: deputy.id, name: deputy.name },
      from: row.startsOn,
      to: row.endsOn,
      copyMe: row.copyMe,
      setById: row.setBy,
    };
  });
}

/**
 * Ends a cover from today: mail meant for the person goes to them again at once, and the deputy
 * no longer acts for them. Days already covered stay as they were (the row ends yesterday); a
 * cover that has not begun yet, or began today, covered nothing that is kept, so its row goes.
 * The audit trail keeps the cover as it was set and when it was ended. The person away, whoever
 * set it, their agency's lead or an administrator may end it; the deputy may not (403); anyone
 * else reads it as unknown (404).
 */
export async function endCover(db: Db, actor: Actor, coverId: string, now = new Date()): Promise<void> {
  const [c] = await db.select().from(covers).where(eq(covers.id, coverId));
  const [away] = c ? await db.select({ agencyId: users.agencyId }).from(users).where(eq(users.id, c.userId)) : [];
  if (!c || !away) {
    // Ended before it began (its row gone): the person away, or whoever ended it, is told so.
    const [ended] = await db
      .select({ actor: auditEvents.actor, payload: auditEvents.payload })
      .from(auditEvents)
      .where(eq(auditEvents.eventKey, `cover-ended:${coverId}`));
    const who = ended && [ended.actor, (ended.payload as { userId?: string } | null)?.userId];
    if (who && (actor.role === 'admin' || who.includes(actor.userId))) throw alreadyEnded();
    throw new AppError('not_found', 'No such cover');
  }
  const mayEnd =
    actor.role === 'admin' ||
    actor.userId === c.userId ||
    actor.userId === c.setBy ||
    (away.agencyId !== null && (await isAgencyLead({ db }, actor, away.agencyId)));
  if (!mayEnd) {
    if (actor.userId === c.deputyId)
      throw new AppError('forbidden', 'The deputy does not end a cover: the person away or their lead does');
    throw new AppError('not_found', 'No such cover');
  }
  const today = boardToday(now);
  await db.transaction(async (tx) => {
    await lockAuditChain(tx);
    // Under the lock: a second "end" at the same moment finds it ended.
    const [current] = await tx.select().from(covers).where(eq(covers.id, coverId));
    if (!current || current.endsOn < today) throw alreadyEnded();
    if (current.startsOn < today)
      await tx
        .update(covers)
        .set({ endsOn: addDays(today, -1) })
        .where(eq(covers.id, coverId));
    else await tx.delete(covers).where(eq(covers.id, coverId));
    await appendAudit(tx, {
      eventKey: `cover-ended:${coverId}`,
      actionId: null,
      reviewId: null,
      type: 'cover_ended',
      actor: actor.userId,
      payload: {
        coverId,
        userId: current.userId,
        deputyId: current.deputyId,
        from: current.startsOn,
        to: current.endsOn,
        endedOn: today,
      },
      occurredAt: now,
    });
  });
}

/** Cover that has not ended where this person is away, the deputy, or set it for a member, soonest first. */
export async function coversOf(db: Db, userId: string, now = new Date()): Promise<CoverView[]> {
  const away = alias(users, 'away');
  const deputy = alias(users, 'deputy');
  const rows = await db
    .select({
      id: covers.id,
      userId: away.id,
      userName: away.name,
      deputyId: deputy.id,
      deputyName: deputy.name,
      from: covers.startsOn,
      to: covers.endsOn,
      copyMe: covers.copyMe,
      setById: covers.setBy,
    })
    .from(covers)
    .innerJoin(away, eq(away.id, covers.userId))
    .innerJoin(deputy, eq(deputy.id, covers.deputyId))
    .where(
      and(
        or(eq(covers.userId, userId), eq(covers.deputyId, userId), eq(covers.setBy, userId)),
        gte(covers.endsOn, boardToday(now)),
      ),
    )
    .orderBy(covers.startsOn, sql`${covers.id}`);
  return rows.map((r) => ({
    id: r.id,
    user: { id: r.userId, name: r.userName },
    deputy: { id: r.deputyId, name: r.deputyName },
    from: r.from,
    to: r.to,
    copyMe: r.copyMe,
    setById: r.setById,
  }));
}
