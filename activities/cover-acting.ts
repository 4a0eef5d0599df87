/**
 * Issue 18: a deputy who acts on an action whose owner they cover today acts *for* the owner.
 * Read when the event is projected (the first projection of an event is the one recorded), so the
 * workflow and the API need not know about cover at all.
 */
import { and, eq, gte, lte } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { actions, covers, users } from '../db/schema';
import { boardToday } from './mail-routing';

export async function coveredOwner(
  db: DbOrTx,
  actionId: string,
  actorId: string,
  at: Date,
): Promise<{ userId: string; name: string } | null> {
  const today = boardToday(at);
  const [row] = await db
    .select({ userId: users.id, name: users.name })
    .from(actions)
    .innerJoin(users, eq(users.id, actions.ownerId))
    .innerJoin(covers, eq(covers.userId, actions.ownerId))
    .where(
      and(
        eq(actions.id, actionId),
        eq(covers.deputyId, actorId),
        lte(covers.startsOn, today),
        gte(covers.endsOn, today),
      ),
    )
    .limit(1);
  return row && row.userId !== actorId ? row : null;
}
