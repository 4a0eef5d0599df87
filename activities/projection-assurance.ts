/**
 * The rows issue 17's events bring (progress updates, impact evidence, impact decisions and the
 * follow-up action a "not embedded" decision creates), written inside the projection's
 * transaction (projection.ts), so each lands whole with its audit event or not at all.
 */
import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../db/client';
import { actions, impactDecisions, impactEvidence, progressUpdates } from '../db/schema';
import type { ActionEvent } from '../workflows/types';

type Tx = Parameters<Parameters<DbOrTx['transaction']>[0]>[0];

export async function projectAssurance(tx: Tx, e: ActionEvent, actorId: string | null, at: Date): Promise<void> {
  if (e.progressUpdate) {
    const u = e.progressUpdate;
    await tx
      .insert(progressUpdates)
      .values({
        id: u.id,
        actionId: e.actionId,
        statement: u.statement,
        percentComplete: u.percentComplete,
        rag: u.rag,
        ragReason: u.ragReason,
        attachments: u.attachments,
        submittedBy: actorId,
        submittedAt: at,
      })
      .onConflictDoNothing();
  }
  if (e.impactEvidence) {
    const v = e.impactEvidence;
    await tx
      .insert(impactEvidence)
      .values({
        id: v.id,
        actionId: e.actionId,
        statement: v.statement,
        method: v.method,
        links: v.links,
        attachments: v.attachments,
        submittedBy: actorId,
        submittedAt: at,
      })
      .onConflictDoNothing();
  }
  if (e.impactDecision) {
    const d = e.impactDecision;
    if (d.followUp) {
      const f = d.followUp;
      const [parent] = await tx.select().from(actions).where(eq(actions.id, e.actionId));
      // The follow-up belongs to the same recommendation and agency, measured the same way.
      await tx
        .insert(actions)
        .values({
          id: f.id,
          recommendationId: parent.recommendationId,
          reviewId: parent.reviewId,
          reviewReference: parent.reviewReference,
          agencyId: e.row.agencyId,
          reference: f.reference,
          title: f.title,
          description: `Follow-up: the board found the learning of ${parent.reference} not embedded. ${d.comment}`,
          successMeasure: parent.successMeasure,
          impactMeasure: parent.impactMeasure,
          impactCheck: parent.impactCheck,
          dueDate: new Date(f.dueDate),
          workflowId: f.workflowId,
          themes: parent.themes,
          followUpOf: parent.id,
        })
        .onConflictDoNothing();
    }
    await tx
      .insert(impactDecisions)
      .values({
        id: d.id,
        actionId: e.actionId,
        evidenceId: d.evidenceId,
        outcome: d.outcome,
        comment: d.comment,
        followUpActionId: d.followUp?.id ?? null,
        decidedBy: actorId,
        decidedAt: at,
      })
      .onConflictDoNothing();
  }
}
