import { and, asc, eq, gt, isNull, ne, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { users, type Role } from '../../db/schema';

/**
 * A user whose account is open at `at` (the database's clock unless given): not deactivated, and
 * (issue 20) not an inspector whose access has ended. The one test behind a bearer token, a
 * browser session, a mailed sign-in link and the organisation's sign-in (`maySignInAs`).
 */
export const accountOpen = (at: Date | SQL = sql`now()`) =>
  and(isNull(users.deactivatedAt), or(isNull(users.accessExpiresAt), gt(users.accessExpiresAt, at)));

/** Inserts unless the e-mail is taken; null means it was. */
export async function insertUser(
  db: DbOrTx,
  u: {
    name: string;
    email: string;
    role: Role;
    agencyId: string | null;
    tokenHash: string;
    tokenId?: string;
    tokenExpiresAt?: Date;
    accessExpiresAt?: Date | null;
  },
) {
  const [row] = await db
    .insert(users)
    .values(u)
    .onConflictDoNothing({ target: users.email })
    .returning({ id: users.id });
  return row ?? null;
}

export async function findUserByEmail(db: DbOrTx, email: string) {
  const [row] = await db.select().from(users).where(eq(users.email, email)).limit(1);
  return row ?? null;
}

export async function findUserByTokenHash(db: DbOrTx, tokenHash: string) {
  const [row] = await db.select().from(users).where(eq(users.tokenHash, tokenHash)).limit(1);
  return row ?? null;
}

export async function setTokenHash(db: DbOrTx, userId: string, tokenHash: string) {
  await db.update(users).set({ tokenHash }).where(eq(users.id, userId));
}

/**
 * The agency's people who can be named (owner of its action, a member's deputy): its active
 * users, by name; `except` leaves one out (the person choosing their own deputy).
 */
export async function activeMembers(db: DbOrTx, agencyId: string, except?: string) {
  return db
    .select({ id: users.id, name: users.name })
    .from(users)
    .where(
      and(
        eq(users.agencyId, agencyId),
        eq(users.role, 'agency'),
        isNull(users.deactivatedAt),
        except ? ne(users.id, except) : undefined,
      ),
    )
    .orderBy(asc(users.name), asc(users.id));
}
