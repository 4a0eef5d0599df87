/**
 * The pages' reads. Like the API's queries, every function takes the caller and filters by
 * their scope: an agency user only ever sees their own agency's actions, so an id from another
 * agency reads as "not found".
 */
import { and, asc, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import {
  actions,
  agencies,
  attachments,
  auditEvents,
  blobs,
  decisions,
  escalations,
  evidence,
  extensionRequests,
  recommendations,
  reviews,
  users,
} from '../../db/schema';
import type { WebUser } from './session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

const scope = (user: WebUser): SQL | undefined => (user.role === 'agency' ? eq(actions.agencyId, user.agencyId ?? '00000000-0000-0000-0000-000000000000') : undefined);

const actionColumns = {
  id: actions.id,
  reference: actions.reference,
  title: actions.title,
  description: actions.description,
  successMeasure: actions.successMeasure,
  status: actions.status,
  outcome: actions.outcome,
  rag: actions.rag,
  dueDate: actions.dueDate,
  escalationLevel: actions.escalationLevel,
  changesRequested: actions.changesRequested,
  acknowledgedAt: actions.acknowledgedAt,
  closedAt: actions.closedAt,
  createdAt: actions.createdAt,
  updatedAt: actions.updatedAt,
  agencyId: actions.agencyId,
  agencyCode: agencies.code,
  agencyName: agencies.name,
  reviewId: reviews.id,
  reviewReference: reviews.reference,
  reviewTitle: reviews.title,
  recommendationNumber: recommendations.number,
  recommendationText: recommendations.text,
};

export type ActionRow = Awaited<ReturnType<typeof listActions>>[number];

export function listActions(db: Db, user: WebUser, where?: SQL) {
  return db
    .select(actionColumns)
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .innerJoin(reviews, eq(reviews.id, actions.reviewId))
    .innerJoin(recommendations, eq(recommendations.id, actions.recommendationId))
    .where(and(scope(user), where))
    .orderBy(asc(actions.dueDate), asc(reviews.reference), asc(actions.reference));
}

export interface EvidenceView {
  id: string;
  statement: string;
  links: string[];
  status: string;
  submittedAt: Date;
  submittedBy: string | null;
  files: { id: string; filename: string; mediaType: string; size: number }[];
}

async function evidenceFor(db: Db, actionIds: string[]): Promise<Map<string, EvidenceView[]>> {
  const byAction = new Map<string, EvidenceView[]>();
  if (!actionIds.length) return byAction;
  const rows = await db
    .select({
      id: evidence.id,
      actionId: evidence.actionId,
      statement: evidence.statement,
      links: evidence.links,
      status: evidence.status,
      submittedAt: evidence.submittedAt,
      submittedBy: users.name,
    })
    .from(evidence)
    .leftJoin(users, eq(users.id, evidence.submittedBy))
    .where(inArray(evidence.actionId, actionIds))
    .orderBy(desc(evidence.submittedAt));
  const files = rows.length
    ? await db
        .select({ id: attachments.id, evidenceId: attachments.evidenceId, filename: attachments.filename, mediaType: attachments.mediaType, size: attachments.size })
        .from(attachments)
        .where(
          inArray(
            attachments.evidenceId,
            rows.map((r) => r.id),
          ),
        )
        .orderBy(asc(attachments.filename))
    : [];
  for (const r of rows) {
    const list = byAction.get(r.actionId) ?? [];
    list.push({ ...r, links: r.links ?? [], files: files.filter((f) => f.evidenceId === r.id) });
    byAction.set(r.actionId, list);
  }
  return byAction;
}

export async function getActionDetail(db: Db, user: WebUser, id: string) {
  if (!isUuid(id)) return null;
  const [action] = await listActions(db, user, eq(actions.id, id));
  if (!action) return null;
  const [ev, decisionRows, extensions, escalationRows, timeline] = await Promise.all([
    evidenceFor(db, [id]),
    db
      .select({ outcome: decisions.outcome, comment: decisions.comment, decidedAt: decisions.decidedAt, decidedBy: users.name })
      .from(decisions)
      .leftJoin(users, eq(users.id, decisions.decidedBy))
      .where(eq(decisions.actionId, id))
      .orderBy(desc(decisions.decidedAt)),
    db.select().from(extensionRequests).where(eq(extensionRequests.actionId, id)).orderBy(desc(extensionRequests.requestedAt)),
    db.select().from(escalations).where(eq(escalations.actionId, id)).orderBy(desc(escalations.raisedAt)),
    db
      .select({ id: auditEvents.id, type: auditEvents.type, payload: auditEvents.payload, occurredAt: auditEvents.occurredAt, actorName: users.name, actorRole: users.role })
      .from(auditEvents)
      .leftJoin(users, sql`${users.id}::text = ${auditEvents.actor}`) // actor is text: system actors are not users
      .where(eq(auditEvents.actionId, id))
      .orderBy(asc(auditEvents.id)),
  ]);
  return { action, evidence: ev.get(id) ?? [], decisions: decisionRows, extensions, escalations: escalationRows, timeline };
}

export type ActionDetail = NonNullable<Awaited<ReturnType<typeof getActionDetail>>>;

/** Board: actions whose evidence waits for a decision, oldest first, with that evidence. */
export async function awaitingSignOff(db: Db, user: WebUser) {
  const rows = await listActions(db, user, eq(actions.status, 'under_review'));
  rows.sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime());
  const ev = await evidenceFor(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, latest: ev.get(r.id)?.[0] ?? null }));
}

export async function pendingExtensions(db: Db, user: WebUser) {
  return db
    .select({
      id: extensionRequests.id,
      actionId: actions.id,
      reference: actions.reference,
      title: actions.title,
      agencyCode: agencies.code,
      reviewReference: reviews.reference,
      previousDueDate: extensionRequests.previousDueDate,
      newDueDate: extensionRequests.newDueDate,
      reason: extensionRequests.reason,
      interimMeasures: extensionRequests.interimMeasures,
      requestedAt: extensionRequests.requestedAt,
    })
    .from(extensionRequests)
    .innerJoin(actions, eq(actions.id, extensionRequests.actionId))
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .innerJoin(reviews, eq(reviews.id, actions.reviewId))
    .where(and(scope(user), eq(extensionRequests.status, 'pending')))
    .orderBy(asc(extensionRequests.requestedAt));
}

/** The file, only if the caller may see the action it is evidence for. */
export async function getAttachment(db: Db, user: WebUser, id: string) {
  if (!isUuid(id)) return null;
  const [row] = await db
    .select({ actionId: evidence.actionId, filename: attachments.filename, mediaType: attachments.mediaType, content: blobs.content })
    .from(attachments)
    .innerJoin(blobs, eq(blobs.sha256, attachments.sha256))
    .innerJoin(evidence, eq(evidence.id, attachments.evidenceId))
    .innerJoin(actions, eq(actions.id, evidence.actionId))
    .where(and(eq(attachments.id, id), scope(user)))
    .limit(1);
  return row ?? null;
}

export async function listReviews(db: Db, user: WebUser) {
  const rows = await db.select().from(reviews).orderBy(desc(reviews.createdAt));
  const acts = await listActions(db, user);
  return rows
    .map((r) => {
      const mine = acts.filter((a) => a.reviewId === r.id);
      return { ...r, total: mine.length, closed: mine.filter((a) => a.status === 'closed' || a.status === 'cancelled').length };
    })
    .filter((r) => user.role !== 'agency' || r.total > 0);
}

export async function getReview(db: Db, id: string) {
  if (!isUuid(id)) return null;
  const [review] = await db.select().from(reviews).where(eq(reviews.id, id));
  if (!review) return null;
  const recs = await db.select().from(recommendations).where(eq(recommendations.reviewId, id)).orderBy(asc(recommendations.position), asc(recommendations.number));
  return { review, recommendations: recs };
}

/** Agencies (for the dashboard's axis, so an agency with nothing open still shows). */
export const listAgencies = (db: Db) => db.select({ id: agencies.id, code: agencies.code, name: agencies.name }).from(agencies).orderBy(asc(agencies.code));
