/**
 * Writes one workflow transition into Postgres: the action row, the rows the transition creates
 * or changes, and its audit event, in one transaction. The audit event's key
 * (`${workflowId}:${seq}`) makes a retried activity a no-op, and `projected_seq` keeps a late,
 * older event from overwriting a newer row state.
 */
import { ApplicationFailure } from '@temporalio/common';
import { and, eq, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import {
  actions,
  attachments,
  auditEvents,
  decisions,
  escalationNotes,
  escalations,
  evidence,
  extensionRequests,
  users,
} from '../db/schema';
import { projectAssurance } from './projection-assurance';
import { toStorableDeep } from '../workflows/storable-text';
import { PROJECTION_REFUSED, type ActionEvent } from '../workflows/types';
import { classifyDbError } from './db-errors';
import { appendAudit, lastAuditHash, lockAuditChain } from './audit';
import { coveredOwner } from './cover-acting';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const date = (s: string | null) => (s === null ? null : new Date(s));

/**
 * Projects one event. A refusal by Postgres that no retry can cure (db-errors.ts) becomes
 * PROJECTION_REFUSED, which fails the Update of workflows that set `storableText` (their proxy
 * lists it as non-retryable) and is retried as before by older ones. Events without
 * `storableText` come from histories recorded before the edge refused text that cannot be
 * stored: their NUL and lone surrogates are written as U+FFFD, so a wedged action recovers.
 */
export async function projectActionEvent(db: Db, event: ActionEvent, auditKey?: string): Promise<{ applied: boolean }> {
  const e = event.storableText ? event : toStorableDeep(event);
  try {
    return await project(db, e, auditKey);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    const c = classifyDbError(err);
    if (c.kind !== 'permanent') throw err;
    throw ApplicationFailure.create({
      type: PROJECTION_REFUSED,
      message: `Postgres refused the ${e.type} event (SQLSTATE ${c.code}): ${c.message.slice(0, 300)}`,
      details: [{ sqlstate: c.code }],
    });
  }
}

/**
 * What the event attests, in full: the words and files the rows below hold, so an edit of a
 * statement, a comment or a file's hash in the database no longer matches its signed event.
 */
export function attestedContent(e: ActionEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { dueDate: e.row.dueDate, outcome: e.row.outcome, agencyId: e.row.agencyId };
  if (e.evidence) {
    const v = e.evidence;
    out.evidence = {
      id: v.id,
      statement: v.statement,
      links: v.links,
      attachments: v.attachments.map((a) => ({
        filename: a.filename,
        mediaType: a.mediaType,
        size: a.size,
        sha256: a.sha256,
      })),
    };
  }
  if (e.decision)
    out.decision = {
      id: e.decision.id,
      evidenceId: e.decision.evidenceId,
      outcome: e.decision.outcome,
      comment: e.decision.comment,
    };
  if (e.extension) {
    const x = e.extension;
    out.extension = {
      id: x.id,
      previousDueDate: x.previousDueDate,
      newDueDate: x.newDueDate,
      reason: x.reason,
      interimMeasures: x.interimMeasures,
    };
  }
  if (e.progressUpdate) out.progressUpdate = e.progressUpdate;
  if (e.impactEvidence) out.impactEvidence = e.impactEvidence;
  if (e.impactDecision) out.impactDecision = e.impactDecision;
  if (e.extensionDecision)
    out.extensionDecision = {
      id: e.extensionDecision.id,
      status: e.extensionDecision.status,
      comment: e.extensionDecision.comment,
    };
  if (e.chairNote)
    out.chairNote = {
      id: e.chairNote.id,
      escalationId: e.chairNote.escalationId,
      step: e.chairNote.step,
      text: e.chairNote.text,
      sentTo: e.chairNote.sentTo,
      until: e.chairNote.until,
    };
  return out;
}

async function project(db: Db, e: ActionEvent, auditKey?: string): Promise<{ applied: boolean }> {
  const eventKey = `${e.workflowId}:${e.seq}`;
  const at = new Date(e.occurredAt);
  // Foreign keys to users only for real users (a system actor or a deleted user leaves it null).
  const actorUuid = e.actor?.userId && UUID.test(e.actor.userId) ? e.actor.userId : null;
  return db.transaction(async (tx) => {
    await lockAuditChain(tx);
    // Everything the projection must know, in one statement under the lock: the lock serialises
    // every projection, so each round trip inside it caps the whole system's transition rate.
    // The action row needs no row lock of its own: only projections change it, and they hold the chain lock.
    const [pre] = await tx
      .select({
        seen: sql<boolean>`exists (select 1 from ${auditEvents} where ${auditEvents.eventKey} = ${eventKey})`,
        actionExists: sql<boolean>`exists (select 1 from ${actions} where ${actions.id} = ${e.actionId})`,
        actorId: actorUuid
          ? sql<string | null>`(select ${users.id} from ${users} where ${users.id} = ${actorUuid})`
          : sql<null>`null`,
        lastHash: lastAuditHash,
      })
      .from(sql`(select 1) as one`);
    if (pre.seen) return { applied: false };
    if (!pre.actionExists) {
      throw ApplicationFailure.create({
        type: 'UnknownAction',
        message: `action ${e.actionId} has no row`,
        nonRetryable: true,
      });
    }
    const actorId = pre.actorId;

    if (e.evidence) {
      await tx
        .insert(evidence)
        .values({
          id: e.evidence.id,
          actionId: e.actionId,
          statement: e.evidence.statement,
          links: e.evidence.links,
          submittedBy: actorId,
          submittedAt: at,
        })
        .onConflictDoNothing();
      if (e.evidence.attachments.length) {
        await tx.insert(attachments).values(
          e.evidence.attachments.map((a) => ({
            evidenceId: e.evidence!.id,
            filename: a.filename,
            mediaType: a.mediaType,
            size: a.size,
            sha256: a.sha256,
          })),
        );
      }
    }
    if (e.evidenceStatus) {
      await tx.update(evidence).set({ status: e.evidenceStatus.status }).where(eq(evidence.id, e.evidenceStatus.id));
    }
    if (e.decision) {
      await tx
        .insert(decisions)
        .values({
          id: e.decision.id,
          actionId: e.actionId,
          evidenceId: e.decision.evidenceId,
          outcome: e.decision.outcome,
          comment: e.decision.comment,
          decidedBy: actorId,
          decidedAt: at,
        })
        .onConflictDoNothing();
    }
    if (e.extension) {
      const x = e.extension;
      await tx
        .insert(extensionRequests)
        .values({
          id: x.id,
          actionId: e.actionId,
          previousDueDate: new Date(x.previousDueDate),
          newDueDate: new Date(x.newDueDate),
          reason: x.reason,
          interimMeasures: x.interimMeasures,
          requestedBy: actorId,
          requestedAt: at,
        })
        .onConflictDoNothing();
    }
    if (e.extensionDecision) {
      const d = e.extensionDecision;
      await tx
        .update(extensionRequests)
        .set({ status: d.status, decidedBy: actorId, decisionComment: d.comment, decidedAt: at })
        .where(eq(extensionRequests.id, d.id));
      if (d.status === 'approved') {
        // Slippage: the first due date is kept, and approved extensions are counted.
        await tx
          .update(actions)
          .set({
            extensionCount: sql`${actions.extensionCount} + 1`,
            originalDueDate: sql`coalesce(${actions.originalDueDate}, (select ${extensionRequests.previousDueDate} from ${extensionRequests} where ${extensionRequests.id} = ${d.id}))`,
          })
          .where(eq(actions.id, e.actionId));
      }
    }
    await projectAssurance(tx, e, actorId, at);
    if (e.type === 'due_date_corrected') {
      // Issue 22: a correction is not slippage. A first due date kept by an earlier extension moves
      // with it, so daysSlipped stays what the extensions made it; the corrected date stays in the event.
      const shift = Date.parse(String(e.payload.to)) - Date.parse(String(e.payload.from));
      if (Number.isFinite(shift) && shift !== 0)
        await tx
          .update(actions)
          .set({ originalDueDate: sql`${actions.originalDueDate} + (${shift} * interval '1 millisecond')` })
          .where(and(eq(actions.id, e.actionId), lt(actions.projectedSeq, e.seq)));
    }
    if (e.escalationRaised) {
      const x = e.escalationRaised;
      await tx
        .insert(escalations)
        .values({ id: x.id, actionId: e.actionId, level: x.level, reason: x.reason, raisedAt: at })
        .onConflictDoNothing();
    }
    // ---- issue 20: the chair's step on an escalation ----
    if (e.chairNote) {
      const n = e.chairNote;
      await tx
        .insert(escalationNotes)
        .values({
          id: n.id,
          escalationId: n.escalationId,
          actionId: e.actionId,
          step: n.step,
          text: n.text,
          sentTo: n.sentTo,
          until: date(n.until),
          recordedBy: actorId,
          recordedAt: at,
        })
        .onConflictDoNothing();
      if (n.resolution)
        await tx
          .update(escalations)
          .set({ resolution: n.resolution, resolvedBy: actorId, retimedUntil: date(n.until) })
          .where(eq(escalations.id, n.escalationId));
    }
    // ---- end issue 20 ----
    if (e.escalationsResolved?.length) {
      await tx
        .update(escalations)
        .set({ resolvedAt: at })
        .where(and(inArray(escalations.id, e.escalationsResolved), isNull(escalations.resolvedAt)));
    }

    const onBehalfOf = e.actor?.role === 'agency' ? await coveredOwner(tx, e.actionId, e.actor.userId, at) : null;
    const r = e.row;
    await tx
      .update(actions)
      .set({
        status: r.status,
        outcome: r.outcome,
        agencyId: r.agencyId,
        // Issue 18: an owner belongs to the agency; a move to another agency leaves the action unowned.
        ownerId: sql`case when ${actions.agencyId} = ${r.agencyId}::uuid then ${actions.ownerId} else null end`,
        dueDate: new Date(r.dueDate),
        rag: r.rag,
        escalationLevel: r.escalationLevel,
        changesRequested: r.changesRequested,
        acknowledgedAt: date(r.acknowledgedAt),
        lastActivityAt: date(r.lastActivityAt),
        closedAt: date(r.closedAt),
        nextTimerAt: date(r.nextTimerAt),
        ...(r.assurance !== undefined
          ? {
              assurance: r.assurance,
              impactCheckAt: date(r.impactCheckAt ?? null),
              followUpActionId: r.followUpActionId ?? null,
            }
          : {}),
        projectedSeq: e.seq,
        updatedAt: at,
      })
      .where(and(eq(actions.id, e.actionId), lt(actions.projectedSeq, e.seq)));

    await appendAudit(
      tx,
      {
        eventKey,
        actionId: e.actionId,
        reviewId: e.reviewId,
        type: e.type,
        actor: e.actor ? e.actor.userId : null,
        payload: {
          ...e.payload,
          ...(e.actor ? { actorRole: e.actor.role } : {}),
          // Issue 18: a deputy acting while covering the owner ("Sam Patel for Jo Lead").
          ...(onBehalfOf ? { onBehalfOf } : {}),
          status: r.status,
          seq: e.seq,
          attests: attestedContent(e),
        },
        occurredAt: at,
      },
      { hash: pre.lastHash },
      auditKey,
    );
    return { applied: true };
  });
}
