import { and, asc, count, desc, eq, inArray, lt, not, or, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
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
  notifications,
  recommendations,
  reviews,
  users,
  impactDecisions,
  impactEvidence,
  progressUpdates,
  type ActionStatus,
  type ReviewType,
  type Rag,
} from '../../db/schema';
import { isUuid } from '../../domain/text';
import { dueOn } from '../../lib/board-time';
import { FINISHED_STATUSES, OPEN_STATUSES, OVERDUE_STATUSES, type Assurance } from '../../domain/vocabulary';
import type { Result } from '../../domain/words';
import { iso, type Scope } from './scope';
import { alias } from 'drizzle-orm/pg-core';

/** The action's named owner (issue 18), joined under its own name. */
export const ownerUser = alias(users, 'owner_user');

/** The SQL form of domain/vocabulary's isOverdue: past due while the agency still owes the work. */
export const overdueCondition = (now: Date): SQL =>
  and(inArray(actions.status, [...OVERDUE_STATUSES]), lt(actions.dueDate, now))!;

export const actionColumns = {
  id: actions.id,
  reference: actions.reference,
  title: actions.title,
  description: actions.description,
  successMeasure: actions.successMeasure,
  agencyCode: agencies.code,
  agencyName: agencies.name,
  reviewId: actions.reviewId,
  reviewReference: actions.reviewReference,
  recommendationId: actions.recommendationId,
  recommendationNumber: recommendations.number,
  status: actions.status,
  outcome: actions.outcome,
  rag: actions.rag,
  dueDate: actions.dueDate,
  escalationLevel: actions.escalationLevel,
  changesRequested: actions.changesRequested,
  acknowledgedAt: actions.acknowledgedAt,
  lastActivityAt: actions.lastActivityAt,
  closedAt: actions.closedAt,
  nextTimerAt: actions.nextTimerAt,
  workflowId: actions.workflowId,
  agencyId: actions.agencyId,
  themes: actions.themes,
  originalDueDate: actions.originalDueDate,
  extensionCount: actions.extensionCount,
  impactMeasure: actions.impactMeasure,
  assurance: actions.assurance,
  impactCheckAt: actions.impactCheckAt,
  followUpOf: actions.followUpOf,
  followUpActionId: actions.followUpActionId,
  ownerId: actions.ownerId,
  ownerName: ownerUser.name,
  ownerEmail: ownerUser.email,
};

/** Whole local days from one board-time day to a later one. */
const daysBetween = (from: string, to: string) =>
  Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000));

type ActionRow = {
  [
    K in Exclude<keyof typeof actionColumns, 'ownerName' | 'ownerEmail'>
  ]: (typeof actionColumns)[K]['_']['notNull'] extends true
    ? (typeof actionColumns)[K]['_']['data']
    : (typeof actionColumns)[K]['_']['data'] | null;
} & { ownerName: string | null; ownerEmail: string | null };

export function toAction(r: ActionRow) {
  return {
    id: r.id,
    reference: r.reference,
    title: r.title,
    description: r.description,
    successMeasure: r.successMeasure,
    agencyCode: r.agencyCode,
    agencyName: r.agencyName,
    reviewId: r.reviewId,
    reviewReference: r.reviewReference,
    recommendationId: r.recommendationId,
    recommendationNumber: r.recommendationNumber,
    status: r.status,
    outcome: r.outcome,
    rag: r.rag,
    dueDate: r.dueDate.toISOString(),
    dueOn: dueOn(r.dueDate),
    escalationLevel: r.escalationLevel,
    changesRequested: r.changesRequested,
    acknowledgedAt: iso(r.acknowledgedAt),
    lastActivityAt: iso(r.lastActivityAt),
    closedAt: iso(r.closedAt),
    nextTimerAt: iso(r.nextTimerAt),
    themes: r.themes,
    ...slippage(r.dueDate, r.originalDueDate, r.extensionCount),
    impactMeasure: r.impactMeasure,
    assurance: r.assurance,
    impactCheckAt: iso(r.impactCheckAt),
    impactCheckOn: r.impactCheckAt ? dueOn(r.impactCheckAt) : null,
    followUpOf: r.followUpOf,
    followUpActionId: r.followUpActionId,
    owner: r.ownerId && r.ownerName && r.ownerEmail ? { id: r.ownerId, name: r.ownerName, email: r.ownerEmail } : null,
  };
}

/** Slippage the board sees: the first due date, approved extensions, and the days between. */
export function slippage(dueDate: Date, originalDueDate: Date | null, extensionCount: number) {
  const original = originalDueDate ?? dueDate;
  return {
    originalDueDate: original.toISOString(),
    originalDueOn: dueOn(original),
    extensionCount,
    daysSlipped: daysBetween(dueOn(original), dueOn(dueDate)),
  };
}
export type ActionView = ReturnType<typeof toAction>;

export const scopeCondition = (scope: Scope): SQL | undefined =>
  scope.agencyId ? eq(actions.agencyId, scope.agencyId) : undefined;

/** The review reference comes from the action's own copy (kept equal to the review's by a trigger), so no reviews join. */
function baseSelect<E extends Record<string, SQL.Aliased | SQL> = Record<never, never>>(db: DbOrTx, extra?: E) {
  return db
    .select({ ...actionColumns, ...(extra as E) })
    .from(actions)
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .innerJoin(recommendations, eq(recommendations.id, actions.recommendationId))
    .leftJoin(ownerUser, eq(ownerUser.id, actions.ownerId));
}

export interface ActionFilters {
  status?: ActionStatus;
  agency?: string;
  review?: string;
  /** Review type (cspr, scr, ...). */
  type?: string;
  /** Theme code: the action's own or its recommendation's. */
  theme?: string;
  rag?: Rag;
  overdue?: boolean;
  /** true: still open (assigned, in progress, under review); false: closed or cancelled. */
  open?: boolean;
  /** The impact check's state (issue 17). */
  assurance?: Assurance;
  /** Issue 18: the named owner's user id ("My actions"). */
  owner?: string;
  /** How a finished action ended (domain/words.ts resultOf). */
  result?: Result;
  /** Issue 22: words that must each appear in the reference, the title or a statement. */
  q?: string;
}

/** Conditions on the actions table alone (the agency code becomes a lookup), so the count and the page's ids need no join. */
function filterConditions(db: DbOrTx, scope: Scope, f: ActionFilters, now: Date): SQL[] {
  const c: (SQL | undefined)[] = [scopeCondition(scope)];
  if (f.status) c.push(eq(actions.status, f.status));
  if (f.agency)
    c.push(inArray(actions.agencyId, db.select({ id: agencies.id }).from(agencies).where(eq(agencies.code, f.agency))));
  if (f.review) c.push(eq(actions.reviewId, f.review));
  if (f.type)
    c.push(
      inArray(
        actions.reviewId,
        db
          .select({ id: reviews.id })
          .from(reviews)
          .where(eq(reviews.type, f.type as ReviewType)),
      ),
    );
  if (f.theme) c.push(sql`${actions.themes} @> array[${f.theme}]::text[]`);
  if (f.rag) c.push(eq(actions.rag, f.rag));
  if (f.overdue === true) c.push(overdueCondition(now));
  if (f.overdue === false) c.push(not(overdueCondition(now)));
  if (f.assurance) c.push(eq(actions.assurance, f.assurance));
  if (f.owner) c.push(eq(actions.ownerId, f.owner));
  if (f.open !== undefined) c.push(inArray(actions.status, f.open ? [...OPEN_STATUSES] : [...FINISHED_STATUSES]));
  if (f.result === 'cancelled') c.push(eq(actions.status, 'cancelled'));
  if (f.result === 'implemented')
    c.push(sql`${actions.status} = 'closed' and ${actions.outcome} is distinct from 'not_implemented'`);
  if (f.result === 'not_implemented')
    c.push(sql`${actions.status} = 'closed' and ${actions.outcome} = 'not_implemented'`);
  for (const word of searchWords(f.q)) c.push(textMatches(word));
  return c.filter((x): x is SQL => x !== undefined);
}

/** The words of a search, at most ten (the schema refuses more text than that could hold). */
export const searchWords = (q: string | undefined): string[] =>
  (q ?? '').trim().split(/\s+/).filter(Boolean).slice(0, 10);

/**
 * One word of a search, anywhere in the action's reference (as `SCR-BABY-M 2.1` too), its title,
 * or a statement sent on it (evidence and progress updates), ignoring case. `%`, `_` and `\`
 * are matched as typed.
 */
function textMatches(word: string): SQL {
  const like = `%${word.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
  return sql`(${actions.reviewReference} || ' ' || ${actions.reference} ilike ${like}
    or ${actions.title} ilike ${like}
    or exists (select 1 from ${evidence} where ${evidence.actionId} = ${actions.id} and ${evidence.statement} ilike ${like})
    or exists (select 1 from ${progressUpdates} where ${progressUpdates.actionId} = ${actions.id} and ${progressUpdates.statement} ilike ${like}))`;
}

/** The list's order; `actions_list_order_idx` is exactly these columns, so a page is read off the index. */
const LIST_ORDER = [asc(actions.dueDate), asc(actions.reviewReference), asc(actions.reference), asc(actions.id)];

export async function listActions(
  db: DbOrTx,
  scope: Scope,
  f: ActionFilters,
  page: { page: number; pageSize: number },
  now = new Date(),
) {
  const where = and(...filterConditions(db, scope, f, now));
  const counted = db.select({ total: count() }).from(actions).where(where);
  // Deferred join: the page's ids first, from actions alone (an index-only scan of
  // actions_list_order_idx that skips the offset's entries without touching other tables), then
  // only those rows are joined to agencies and recommendations. The total rides along as an
  // uncorrelated sub-select (computed once), so a page is one round trip.
  const pageIds = db
    .select({ pageId: actions.id })
    .from(actions)
    .where(where)
    .orderBy(...LIST_ORDER)
    .limit(page.pageSize)
    .offset((page.page - 1) * page.pageSize)
    .as('page_ids');
  const rows = await baseSelect(db, { total: sql<number>`(${counted})`.mapWith(Number) })
    .innerJoin(pageIds, eq(pageIds.pageId, actions.id))
    .orderBy(...LIST_ORDER);
  // An empty page (past the end) carries no row to bring the total: count on its own.
  const total = rows.length ? rows[0].total : (await counted)[0].total;
  return { items: rows.map(toAction), page: page.page, pageSize: page.pageSize, total };
}

/** The action if the caller may see it; null for unknown and for another agency's (both a 404). */
export async function findActionRow(db: DbOrTx, scope: Scope, id: string): Promise<ActionRow | null> {
  if (!isUuid(id)) return null;
  const [row] = await baseSelect(db)
    .where(and(eq(actions.id, id), scopeCondition(scope)))
    .limit(1);
  return row ?? null;
}

export async function findAction(db: DbOrTx, scope: Scope, id: string): Promise<ActionView | null> {
  const row = await findActionRow(db, scope, id);
  return row ? toAction(row) : null;
}

export async function actionsOfReview(db: DbOrTx, scope: Scope, reviewId: string): Promise<ActionView[]> {
  const rows = await baseSelect(db)
    .where(and(eq(actions.reviewId, reviewId), scopeCondition(scope)))
    .orderBy(asc(recommendations.position), asc(actions.reference));
  return rows.map(toAction);
}

export const attachmentUrl = (actionId: string, attachmentId: string) =>
  `/api/v1/actions/${actionId}/attachments/${attachmentId}`;

/** The evidence of these actions (oldest first within each), with who sent it and its files. */
export async function evidenceOf(db: DbOrTx, actionIds: string[]) {
  const byAction = new Map<string, EvidenceView[]>();
  if (!actionIds.length) return byAction;
  const ev = await db
    .select({ e: evidence, submittedByName: users.name })
    .from(evidence)
    .leftJoin(users, eq(users.id, evidence.submittedBy))
    .where(inArray(evidence.actionId, actionIds))
    .orderBy(asc(evidence.submittedAt), asc(evidence.id));
  const atts = ev.length
    ? await db
        .select()
        .from(attachments)
        .where(
          inArray(
            attachments.evidenceId,
            ev.map((r) => r.e.id),
          ),
        )
        .orderBy(asc(attachments.filename))
    : [];
  for (const { e, submittedByName } of ev) {
    const list = byAction.get(e.actionId) ?? [];
    list.push({
      id: e.id,
      statement: e.statement,
      links: e.links,
      status: e.status,
      submittedAt: e.submittedAt.toISOString(),
      submittedByName,
      attachments: atts
        .filter((a) => a.evidenceId === e.id)
        .map((a) => ({
          id: a.id,
          filename: a.filename,
          mediaType: a.mediaType,
          size: a.size,
          sha256: a.sha256,
          url: attachmentUrl(e.actionId, a.id),
        })),
    });
    byAction.set(e.actionId, list);
  }
  return byAction;
}

export interface EvidenceView {
  id: string;
  statement: string;
  links: string[];
  status: string;
  submittedAt: string;
  submittedByName: string | null;
  attachments: { id: string; filename: string; mediaType: string; size: number; sha256: string; url: string }[];
}

/** The action's evidence, decisions, extension requests, escalations and notifications, for an action already found in scope. */
export async function actionDetailParts(db: DbOrTx, actionId: string) {
  const ev = (await evidenceOf(db, [actionId])).get(actionId) ?? [];
  const dec = await db
    .select({ d: decisions, decidedByName: users.name })
    .from(decisions)
    .leftJoin(users, eq(users.id, decisions.decidedBy))
    .where(eq(decisions.actionId, actionId))
    .orderBy(asc(decisions.decidedAt));
  const ext = await db
    .select()
    .from(extensionRequests)
    .where(eq(extensionRequests.actionId, actionId))
    .orderBy(asc(extensionRequests.requestedAt));
  const esc = await db
    .select()
    .from(escalations)
    .where(eq(escalations.actionId, actionId))
    .orderBy(asc(escalations.raisedAt));
  const notes = await db
    .select({
      id: notifications.id,
      kind: notifications.kind,
      recipient: notifications.recipient,
      subject: notifications.subject,
      status: notifications.status,
      createdAt: notifications.createdAt,
      sentAt: notifications.sentAt,
    })
    .from(notifications)
    // Issue 22: an imported action's assignment went out in its import's summary mail to the agency.
    .where(
      or(
        eq(notifications.actionId, actionId),
        eq(
          notifications.idempotencyKey,
          sql`(select ${actions.assignmentMailKey} from ${actions} where ${actions.id} = ${actionId})`,
        ),
      ),
    )
    .orderBy(asc(notifications.createdAt));
  const assurance = await assuranceParts(db, actionId);
  return {
    evidence: ev,
    ...assurance,
    decisions: dec.map(({ d, decidedByName }) => ({
      id: d.id,
      outcome: d.outcome,
      comment: d.comment,
      decidedAt: d.decidedAt.toISOString(),
      decidedByName,
    })),
    extensionRequests: ext.map((x) => ({
      id: x.id,
      previousDueDate: x.previousDueDate.toISOString(),
      newDueDate: x.newDueDate.toISOString(),
      reason: x.reason,
      interimMeasures: x.interimMeasures,
      status: x.status,
      requestedAt: x.requestedAt.toISOString(),
      decisionComment: x.decisionComment,
    })),
    escalations: esc.map((e) => ({
      id: e.id,
      level: e.level,
      reason: e.reason,
      raisedAt: e.raisedAt.toISOString(),
      resolvedAt: iso(e.resolvedAt),
      notified: e.notified,
    })),
    notifications: notes.map((n) => ({ ...n, createdAt: n.createdAt.toISOString(), sentAt: iso(n.sentAt) })),
  };
}

export async function actionHistory(db: DbOrTx, actionId: string) {
  const rows = await db
    .select({ r: auditEvents, actorName: users.name })
    .from(auditEvents)
    // The actor is text: system actors (timers, the worker) are not users.
    .leftJoin(users, sql`${users.id}::text = ${auditEvents.actor}`)
    .where(eq(auditEvents.actionId, actionId))
    .orderBy(asc(auditEvents.id));
  return rows.map(({ r, actorName }) => ({
    id: r.id,
    type: r.type,
    actor: r.actor,
    actorName: forWhom(actorName, r.payload),
    payload: r.payload,
    occurredAt: r.occurredAt.toISOString(),
    hash: r.hash,
  }));
}

/** Everything the action's page shows, or null when the caller may not see it (unknown and another agency's alike). */
export async function actionPageView(db: DbOrTx, scope: Scope, id: string) {
  const row = await findActionRow(db, scope, id);
  if (!row) return null;
  const [rec] = await db
    .select({ text: recommendations.text })
    .from(recommendations)
    .where(eq(recommendations.id, row.recommendationId));
  const [parts, timeline] = await Promise.all([actionDetailParts(db, id), actionHistory(db, id)]);
  return {
    action: { ...toAction(row), agencyId: row.agencyId, recommendationText: rec?.text ?? '' },
    ...parts,
    timeline,
  };
}
export type ActionPageData = NonNullable<Awaited<ReturnType<typeof actionPageView>>>;

/** Extension requests waiting for the board, oldest first, in the caller's scope. */
export async function pendingExtensionRequests(db: DbOrTx, scope: Scope, limit = 50) {
  const rows = await db
    .select({
      id: extensionRequests.id,
      actionId: actions.id,
      reference: actions.reference,
      title: actions.title,
      agencyCode: agencies.code,
      reviewReference: actions.reviewReference,
      previousDueDate: extensionRequests.previousDueDate,
      newDueDate: extensionRequests.newDueDate,
      reason: extensionRequests.reason,
      requestedAt: extensionRequests.requestedAt,
    })
    .from(extensionRequests)
    .innerJoin(actions, eq(actions.id, extensionRequests.actionId))
    .innerJoin(agencies, eq(agencies.id, actions.agencyId))
    .where(and(scopeCondition(scope), eq(extensionRequests.status, 'pending')))
    .orderBy(asc(extensionRequests.requestedAt))
    .limit(limit);
  return rows.map((r) => ({
    ...r,
    previousDueDate: r.previousDueDate.toISOString(),
    newDueDate: r.newDueDate.toISOString(),
    requestedAt: r.requestedAt.toISOString(),
  }));
}

/** An attachment of an action the caller can already see. */
export async function findAttachment(db: DbOrTx, actionId: string, attachmentId: string) {
  if (!isUuid(attachmentId)) return null;
  const [row] = await db
    .select({
      filename: attachments.filename,
      mediaType: attachments.mediaType,
      size: attachments.size,
      sha256: attachments.sha256,
      content: blobs.content,
    })
    .from(attachments)
    .innerJoin(evidence, eq(evidence.id, attachments.evidenceId))
    .innerJoin(blobs, eq(blobs.sha256, attachments.sha256))
    .where(and(eq(attachments.id, attachmentId), eq(evidence.actionId, actionId)))
    .limit(1);
  return row ?? null;
}

/** Where a progress update's or impact evidence's files hang (issue 17): `updates` or `impact-evidence`. */
export type AssuranceFileParent = 'updates' | 'impact-evidence';

/**
 * The files of a progress update or of impact evidence are kept on its row (jsonb) by content, so a
 * file is named by its sha256 within its parent: `/api/v1/actions/:id/<parent>/:parentId/attachments/:sha256`.
 */
function assuranceFiles(
  actionId: string,
  parent: AssuranceFileParent,
  parentId: string,
  files: { filename: string; mediaType: string; size: number; sha256: string }[],
) {
  return files.map((f) => ({
    id: f.sha256,
    filename: f.filename,
    mediaType: f.mediaType,
    size: f.size,
    sha256: f.sha256,
    url: `/api/v1/actions/${actionId}/${parent}/${parentId}/attachments/${f.sha256}`,
  }));
}

/** A file of a progress update or of impact evidence of an action the caller can already see; null when none. */
export async function findAssuranceAttachment(
  db: DbOrTx,
  actionId: string,
  parent: AssuranceFileParent,
  parentId: string,
  sha256: string,
) {
  if (!isUuid(parentId) || !/^[0-9a-f]{64}$/.test(sha256)) return null;
  const table = parent === 'updates' ? progressUpdates : impactEvidence;
  const [row] = await db
    .select({ files: table.attachments })
    .from(table)
    .where(and(eq(table.id, parentId), eq(table.actionId, actionId)));
  const file = row?.files.find((f) => f.sha256 === sha256);
  if (!file) return null;
  const [blob] = await db.select({ content: blobs.content }).from(blobs).where(eq(blobs.sha256, sha256));
  return blob
    ? { filename: file.filename, mediaType: file.mediaType, size: file.size, sha256, content: blob.content }
    : null;
}

/** Progress updates (newest first), impact evidence and impact decisions of one action (issue 17). */
export async function assuranceParts(db: DbOrTx, actionId: string) {
  const [ups, ev, dec] = await Promise.all([
    db
      .select({ u: progressUpdates, name: users.name })
      .from(progressUpdates)
      .leftJoin(users, eq(users.id, progressUpdates.submittedBy))
      .where(eq(progressUpdates.actionId, actionId))
      .orderBy(desc(progressUpdates.submittedAt), desc(progressUpdates.id)),
    db
      .select({ e: impactEvidence, name: users.name })
      .from(impactEvidence)
      .leftJoin(users, eq(users.id, impactEvidence.submittedBy))
      .where(eq(impactEvidence.actionId, actionId))
      .orderBy(asc(impactEvidence.submittedAt)),
    db
      .select({ d: impactDecisions, name: users.name })
      .from(impactDecisions)
      .leftJoin(users, eq(users.id, impactDecisions.decidedBy))
      .where(eq(impactDecisions.actionId, actionId))
      .orderBy(asc(impactDecisions.decidedAt)),
  ]);
  return {
    progressUpdates: ups.map(({ u, name }) => ({
      id: u.id,
      statement: u.statement,
      percentComplete: u.percentComplete,
      rag: u.rag,
      ragReason: u.ragReason,
      submittedAt: u.submittedAt.toISOString(),
      submittedByName: name,
      attachments: assuranceFiles(actionId, 'updates', u.id, u.attachments),
    })),
    impactEvidence: ev.map(({ e, name }) => ({
      id: e.id,
      statement: e.statement,
      method: e.method,
      links: e.links,
      submittedAt: e.submittedAt.toISOString(),
      submittedByName: name,
      attachments: assuranceFiles(actionId, 'impact-evidence', e.id, e.attachments),
    })),
    impactDecisions: dec.map(({ d, name }) => ({
      id: d.id,
      outcome: d.outcome,
      comment: d.comment,
      followUpActionId: d.followUpActionId,
      decidedAt: d.decidedAt.toISOString(),
      decidedByName: name,
    })),
  };
}

/** The latest progress update of each of these actions: the agency's current position on the statement. */
export async function latestProgressOf(db: DbOrTx, actionIds: string[]) {
  const out = new Map<
    string,
    {
      statement: string;
      percentComplete: number | null;
      rag: string | null;
      ragReason: string | null;
      submittedAt: string;
    }
  >();
  if (!actionIds.length) return out;
  const rows = await db
    .selectDistinctOn([progressUpdates.actionId])
    .from(progressUpdates)
    .where(inArray(progressUpdates.actionId, actionIds))
    .orderBy(progressUpdates.actionId, desc(progressUpdates.submittedAt), desc(progressUpdates.id));
  for (const u of rows)
    out.set(u.actionId, {
      statement: u.statement,
      percentComplete: u.percentComplete,
      rag: u.rag,
      ragReason: u.ragReason,
      submittedAt: u.submittedAt.toISOString(),
    });
  return out;
}

/** The latest impact evidence of each of these actions (its summary goes on the statement). */
export async function latestImpactEvidenceOf(db: DbOrTx, actionIds: string[]) {
  const out = new Map<string, { statement: string; method: string; submittedAt: string }>();
  if (!actionIds.length) return out;
  const rows = await db
    .selectDistinctOn([impactEvidence.actionId])
    .from(impactEvidence)
    .where(inArray(impactEvidence.actionId, actionIds))
    .orderBy(impactEvidence.actionId, desc(impactEvidence.submittedAt));
  for (const e of rows)
    out.set(e.actionId, { statement: e.statement, method: e.method, submittedAt: e.submittedAt.toISOString() });
  return out;
}

/**
 * A deputy's act reads "Sam Patel for Jo Lead" (issue 18: the projection records whom they covered);
 * a progress update the board recorded from an agency's sheet reads "Morgan Board for BHT".
 */
function forWhom(actorName: string | null, payload: unknown): string | null {
  const p = payload as { onBehalfOf?: { name?: unknown }; forAgency?: unknown } | null;
  const behalf = p?.onBehalfOf?.name ?? p?.forAgency;
  return actorName && typeof behalf === 'string' ? `${actorName} for ${behalf}` : actorName;
}
