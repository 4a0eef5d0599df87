import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client';
import { loginTokens, sessions, users } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { hashToken, newToken } from '../http/auth';
import { recordPeopleEvent, type PeopleActor } from './people-audit';

export const DAY_MS = 86_400_000;

export interface IssuedToken {
  id: string;
  token: string;
  expiresAt: Date;
}

/** Gives the user a fresh token (the previous one, if any, stops working in the same statement). */
export async function issueToken(
  tx: Tx,
  userId: string,
  ttlDays: number,
  now = new Date(),
  token = newToken(),
): Promise<IssuedToken> {
  const id = randomUUID();
  const expiresAt = new Date(now.getTime() + ttlDays * DAY_MS);
  await tx
    .update(users)
    .set({ tokenHash: hashToken(token), tokenId: id, tokenExpiresAt: expiresAt })
    .where(eq(users.id, userId));
  return { id, token, expiresAt };
}

/** POST /api/v1/tokens: a new token for the caller; the one the request carried is revoked. */
export async function rotateOwnToken(
  db: Db,
  caller: { userId: string; tokenId?: string | null },
  ttlDays: number,
  now = new Date(),
) {
  return db.transaction(async (tx) => {
    // Only the token this request used may be replaced: a second rotation racing with the
    // same (now revoked) token must not hand out another one.
    const [current] = await tx
      .select({ id: users.tokenId })
      .from(users)
      .where(and(eq(users.id, caller.userId), isNull(users.deactivatedAt)))
      .for('update');
    if (!current || !caller.tokenId || current.id !== caller.tokenId)
      throw new AppError('unauthenticated', 'The bearer token is not valid');
    const issued = await issueToken(tx, caller.userId, ttlDays, now);
    await recordPeopleEvent(
      tx,
      'api_token_rotated',
      caller.userId,
      {
        userId: caller.userId,
        revokedTokenId: caller.tokenId,
        tokenId: issued.id,
        expiresAt: issued.expiresAt.toISOString(),
      },
      now,
    );
    return { token: issued.token, id: issued.id, expiresAt: issued.expiresAt.toISOString() };
  });
}

/** DELETE /api/v1/tokens/:id: anyone may revoke their own token, an admin anyone's; others learn nothing (404). */
export async function revokeToken(
  db: Db,
  caller: { userId: string; role: string },
  tokenId: string,
  now = new Date(),
): Promise<void> {
  await db.transaction(async (tx) => {
    const [holder] = await tx.select({ id: users.id }).from(users).where(eq(users.tokenId, tokenId)).for('update');
    if (!holder || (holder.id !== caller.userId && caller.role !== 'admin'))
      throw new AppError('not_found', 'No such token');
    await tx.update(users).set({ tokenHash: null, tokenId: null }).where(eq(users.id, holder.id));
    await recordPeopleEvent(tx, 'api_token_revoked', caller.userId, { userId: holder.id, tokenId }, now);
  });
}

/** Ends every way the user has in: the API token, web sessions, unused sign-in links. */
async function endAccess(tx: Tx, userId: string, now: Date): Promise<void> {
  await tx.update(users).set({ tokenHash: null, tokenId: null, deactivatedAt: now }).where(eq(users.id, userId));
  await tx.delete(sessions).where(eq(sessions.userId, userId));
  await tx
    .update(loginTokens)
    .set({ usedAt: now })
    .where(and(eq(loginTokens.userId, userId), isNull(loginTokens.usedAt)));
}

/** POST /api/v1/users/:id/deactivate (and the admin CLI): at once, nothing the user holds works any more. */
export async function deactivateUser(db: Db, actor: PeopleActor, userId: string, now = new Date()) {
  return db.transaction(async (tx) => {
    const [user] = await tx
      .select({ id: users.id, email: users.email, deactivatedAt: users.deactivatedAt })
      .from(users)
      .where(eq(users.id, userId))
      .for('update');
    if (!user) throw new AppError('not_found', 'No such user');
    if (user.id === actor) throw new AppError('conflict', 'You cannot deactivate yourself; ask another administrator');
    if (!user.deactivatedAt) {
      await endAccess(tx, user.id, now);
      await recordPeopleEvent(tx, 'user_deactivated', actor, { userId: user.id, email: user.email }, now);
    }
    return { id: user.id, email: user.email, deactivatedAt: (user.deactivatedAt ?? now).toISOString() };
  });
}
