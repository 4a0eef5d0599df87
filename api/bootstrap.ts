import { and, eq, isNull } from 'drizzle-orm';
import type { Db } from '../db/client';
import { users } from '../db/schema';
import { hashToken, newToken } from './http/auth';
import { recordPeopleEvent } from './use-cases/people-audit';
import { issueToken } from './use-cases/tokens';

export const BOOTSTRAP_ADMIN_EMAIL = 'admin@localhost';

export interface EnsureAdminOptions {
  tokenTtlDays: number;
  /** Who does it, for the audit trail (`migrate`, `embedded`). */
  actor: string;
  now?: Date;
}

/**
 * ADMIN_TOKEN (if set) ensures the bootstrap admin holds that token, valid for another token
 * lifetime from now; otherwise, on the very first start (no admin at all), an admin is created
 * with a fresh token that the caller prints once. Returns the token only when it was generated here.
 */
export async function ensureAdmin(
  db: Db,
  adminToken: string | undefined,
  opts: EnsureAdminOptions,
): Promise<string | undefined> {
  const now = opts.now ?? new Date();
  return db.transaction(async (tx) => {
    if (adminToken) {
      const [holder] = await tx
        .select({ id: users.id, role: users.role })
        .from(users)
        .where(eq(users.tokenHash, hashToken(adminToken)));
      if (holder && holder.role !== 'admin')
        throw new Error('ADMIN_TOKEN belongs to a user who is not an admin; choose another token');
      const [existing] = holder
        ? [holder]
        : await tx.select({ id: users.id }).from(users).where(eq(users.email, BOOTSTRAP_ADMIN_EMAIL));
      const id =
        existing?.id ??
        (
          await tx
            .insert(users)
            .values({ name: 'Administrator', email: BOOTSTRAP_ADMIN_EMAIL, role: 'admin' })
            .returning({ id: users.id })
        )[0].id;
      // Setting ADMIN_TOKEN again is the documented way back in, so it also re-activates.
      await tx.update(users).set({ role: 'admin', deactivatedAt: null }).where(eq(users.id, id));
      const issued = await issueToken(tx, id, opts.tokenTtlDays, now, adminToken);
      await recordPeopleEvent(
        tx,
        'admin_bootstrapped',
        opts.actor,
        { userId: id, email: BOOTSTRAP_ADMIN_EMAIL, tokenId: issued.id, expiresAt: issued.expiresAt.toISOString() },
        now,
      );
      return undefined;
    }
    if (await hasActiveAdmin(tx)) return undefined;
    const token = newToken();
    const [row] = await tx
      .insert(users)
      .values({ name: 'Administrator', email: BOOTSTRAP_ADMIN_EMAIL, role: 'admin' })
      .returning({ id: users.id });
    const issued = await issueToken(tx, row.id, opts.tokenTtlDays, now, token);
    await recordPeopleEvent(
      tx,
      'admin_bootstrapped',
      opts.actor,
      { userId: row.id, email: BOOTSTRAP_ADMIN_EMAIL, tokenId: issued.id, expiresAt: issued.expiresAt.toISOString() },
      now,
    );
    return token;
  });
}

/** An administrator who has not been deactivated (their token may still need rotating). */
export async function hasActiveAdmin(db: Pick<Db, 'select'>): Promise<boolean> {
  const [row] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.deactivatedAt)))
    .limit(1);
  return row !== undefined;
}

// ---- issue 20 ----
/**
 * The board's independent chair (BOARD_CHAIR_EMAIL) holds the role `chair`: created at start
 * when nobody has that address. An existing user keeps the role an administrator gave them.
 */
export async function ensureChair(db: Db, email: string, actor: string, now = new Date()): Promise<boolean> {
  const address = email.toLowerCase();
  return db.transaction(async (tx) => {
    const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, address));
    if (existing) return false;
    const [row] = await tx
      .insert(users)
      .values({ name: 'Independent Chair', email: address, role: 'chair' })
      .onConflictDoNothing({ target: users.email })
      .returning({ id: users.id });
    if (!row) return false;
    await recordPeopleEvent(tx, 'user_created', actor, { userId: row.id, email: address, role: 'chair' }, now);
    return true;
  });
}
// ---- end issue 20 ----
