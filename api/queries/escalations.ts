/**
 * Issue 20: the chair's escalation queue: escalations with their action, who was told, and what
 * the chair recorded. The chair, the board and inspectors see every agency (no scope filter).
 */
import { and, asc, desc, eq, inArray, isNotNull, isNull, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { actions, agencies, escalationNotes, escalations, users } from '../../db/schema';
import type { output } from 'zod';
import type { EscalationOut } from '../schemas';
import { iso } from './scope';

export type EscalationView = output<typeof EscalationOut>;
export type EscalationState = 'open' | 'retimed' | 'closed' | 'all';

const DAY_MS = 86_400_000;

function stateCondition(state: EscalationState): SQL | undefined {
  switch (state) {
    case 'open':
      return isNull(escalations.resolvedAt);
    case 'retimed':
      return eq(escalations.resolution, 'retimed');
    case 'closed':
      return isNotNull(escalations.resolvedAt);
    case 'all':
      return undefined;
  }
}

/** By level (highest first), then age (oldest first). */
export async function listEscalations(
  db: DbOrTx,
  filter: { state?: EscalationState; id?: string },
  now = new Date(),
): Promise<EscalationView[]> {
  const where = [stateCondition(filter.state ?? 'all'), filter.id ? eq(escalations.id, filter.id) : undefined].filter(
    (c): c is SQL => !!c,
  );
  const rows = await db
    .select({ e: escalations, a: actions, agency: agencies })
    .from(escalations)
    .innerJoin(actions, eq(actions.id, escalations.actionId))
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(escalations.level), asc(escalations.raisedAt), asc(escalations.id))
    .limit(1000);
  const ids = rows.map((r) => r.e.id);
  const notes = ids.length
    ? await db
        .select({ n: escalationNotes, by: users.name })
        .from(escalationNotes)
        .leftJoin(users, eq(users.id, escalationNotes.recordedBy))
        .where(inArray(escalationNotes.escalationId, ids))
        .orderBy(asc(escalationNotes.recordedAt), asc(escalationNotes.id))
    : [];
  return rows.map(({ e, a, agency }) => ({
    id: e.id,
    level: e.level,
    reason: e.reason,
    raisedAt: e.raisedAt.toISOString(),
    ageDays: Math.max(0, Math.floor((now.getTime() - e.raisedAt.getTime()) / DAY_MS)),
    resolvedAt: iso(e.resolvedAt),
    resolution: e.resolution ?? null,
    retimedUntil: iso(e.retimedUntil),
    notified: e.notified,
    action: {
      id: a.id,
      reviewReference: a.reviewReference,
      reference: a.reference,
      title: a.title,
      agencyCode: agency.code,
      agencyName: agency.name,
      status: a.status,
      dueDate: a.dueDate.toISOString(),
    },
    notes: notes
      .filter((n) => n.n.escalationId === e.id)
      .map(({ n, by }) => ({
        id: n.id,
        step: n.step,
        text: n.text,
        sentTo: n.sentTo ?? null,
        until: iso(n.until),
        recordedAt: n.recordedAt.toISOString(),
        recordedBy: by ?? null,
      })),
  }));
}

export async function findEscalation(db: DbOrTx, id: string): Promise<EscalationView | null> {
  const [row] = await listEscalations(db, { id });
  return row ?? null;
}
