/**
 * Issue 20: the inspectors' access log, one row per page or API read (who, what, when). Written
 * before the read is served; the board reads and exports it.
 */
import { and, asc, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { inspectorReads, users } from '../../db/schema';

/** Longest path kept: a read is named by its path and query, never by a body. */
const MAX_PATH = 2000;

export async function recordInspectorRead(
  db: DbOrTx,
  read: { userId: string; method: string; path: string; via: 'api' | 'page' },
): Promise<void> {
  await db.insert(inspectorReads).values({ ...read, path: read.path.slice(0, MAX_PATH) });
}

export interface InspectorReadRow {
  id: number;
  readAt: string;
  userId: string;
  name: string;
  email: string;
  method: string;
  path: string;
  via: 'api' | 'page';
}

/** The access log, oldest first, optionally within [from, to) and for one inspector. */
export async function listInspectorReads(
  db: DbOrTx,
  filter: { from?: Date; to?: Date; userId?: string; limit?: number },
): Promise<InspectorReadRow[]> {
  const where: SQL[] = [];
  if (filter.from) where.push(gte(inspectorReads.readAt, filter.from));
  if (filter.to) where.push(lt(inspectorReads.readAt, filter.to));
  if (filter.userId) where.push(eq(inspectorReads.userId, filter.userId));
  const rows = await db
    .select({
      id: inspectorReads.id,
      readAt: inspectorReads.readAt,
      userId: inspectorReads.userId,
      name: users.name,
      email: users.email,
      method: inspectorReads.method,
      path: inspectorReads.path,
      via: inspectorReads.via,
    })
    .from(inspectorReads)
    .innerJoin(users, eq(users.id, inspectorReads.userId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(asc(inspectorReads.readAt), asc(inspectorReads.id))
    .limit(filter.limit ?? 10_000);
  return rows.map((r) => ({ ...r, readAt: r.readAt.toISOString() }));
}
