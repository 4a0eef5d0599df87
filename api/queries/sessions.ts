import { and, eq, gt, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { agencies, sessions, users } from '../../db/schema';
import { accountOpen } from './users';

/** Stores a browser session by the hash of its id; expired ones are removed on the way (no scheduler needed). */
export async function insertSession(
  db: DbOrTx,
  s: { idHash: string; userId: string; csrfToken: string; expiresAt: Date; oidcIdToken?: string | null },
  now: Date,
): Promise<void> {
  await db.insert(sessions).values(s);
  await db.delete(sessions).where(lt(sessions.expiresAt, now));
}

/** The signed-in user of an unexpired session, with the session's CSRF token; a deactivated user has none. */
export async function findSessionUser(db: DbOrTx, idHash: string, now = new Date()) {
  const [row] = await db
    .select({
      csrf: sessions.csrfToken,
      oidcIdToken: sessions.oidcIdToken,
      userId: users.id,
      name: users.name,
      email: users.email,
      role: users.role,
      agencyId: users.agencyId,
      agencyCode: agencies.code,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .leftJoin(agencies, eq(agencies.id, users.agencyId))
    .where(
      and(
        eq(sessions.idHash, idHash),
        gt(sessions.expiresAt, now),
        // Deactivation ends the session, and (issue 20) so does the end of an inspector's access.
        accountOpen(now),
      ),
    )
    .limit(1);
  return row ?? null;
}

export async function deleteSession(db: DbOrTx, idHash: string): Promise<void> {
  await db.delete(sessions).where(eq(sessions.idHash, idHash));
}
