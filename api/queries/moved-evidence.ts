/**
 * Issue 22: an action the board moved to another agency leaves the old agency's scope (every
 * read filters by the action's current agency), but the evidence the old agency sent is its own
 * record. This is the one read that shows it: the evidence submitted by the agency's people on
 * actions now owned by someone else, with the action's reference and where it went, and nothing
 * of what the new agency has done since.
 */
import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { actions, agencies, attachments, evidence, users } from '../../db/schema';

export interface MovedEvidence {
  actionId: string;
  reviewReference: string;
  reference: string;
  title: string;
  nowWith: string;
  evidence: {
    id: string;
    statement: string;
    links: string[];
    status: string;
    submittedAt: string;
    submittedByName: string | null;
    attachments: { id: string; filename: string; size: number }[];
  }[];
}

export async function movedEvidence(db: DbOrTx, agencyId: string): Promise<MovedEvidence[]> {
  const rows = await db
    .select({
      actionId: actions.id,
      reviewReference: actions.reviewReference,
      reference: actions.reference,
      title: actions.title,
      nowWith: agencies.name,
      id: evidence.id,
      statement: evidence.statement,
      links: evidence.links,
      status: evidence.status,
      submittedAt: evidence.submittedAt,
      submittedByName: users.name,
    })
    .from(evidence)
    .innerJoin(users, eq(users.id, evidence.submittedBy))
    .innerJoin(actions, eq(actions.id, evidence.actionId))
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(eq(users.agencyId, agencyId), ne(actions.agencyId, agencyId)))
    .orderBy(asc(actions.reviewReference), asc(actions.reference), asc(evidence.submittedAt));
  const files = rows.length
    ? await db
        .select({
          id: attachments.id,
          evidenceId: attachments.evidenceId,
          filename: attachments.filename,
          size: attachments.size,
        })
        .from(attachments)
        .where(
          inArray(
            attachments.evidenceId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  const out = new Map<string, MovedEvidence>();
  for (const r of rows) {
    const a = out.get(r.actionId) ?? {
      actionId: r.actionId,
      reviewReference: r.reviewReference,
      reference: r.reference,
      title: r.title,
      nowWith: r.nowWith,
      evidence: [],
    };
    a.evidence.push({
      id: r.id,
      statement: r.statement,
      links: r.links,
      status: r.status,
      submittedAt: r.submittedAt.toISOString(),
      submittedByName: r.submittedByName,
      attachments: files.filter((f) => f.evidenceId === r.id).map(({ id, filename, size }) => ({ id, filename, size })),
    });
    out.set(r.actionId, a);
  }
  return [...out.values()];
}

/** The file, if it belongs to evidence the agency's own people sent (on an action it may no longer see). */
export async function ownEvidenceFileAgency(db: DbOrTx, attachmentId: string): Promise<string | null> {
  const [row] = await db
    .select({ agencyId: users.agencyId })
    .from(attachments)
    .innerJoin(evidence, eq(evidence.id, attachments.evidenceId))
    .innerJoin(users, eq(users.id, evidence.submittedBy))
    .where(eq(attachments.id, attachmentId));
  return row?.agencyId ?? null;
}
