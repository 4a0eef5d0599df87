/**
 * A record with known events either side of the quarter 2026-04-01 (inclusive) to 2026-07-01
 * (exclusive), written straight into the read model (no workflows run), so the period report's
 * rows can be stated exactly. Every audit event goes through the real hash chain.
 */
import { appendAudit, lockAuditChain } from '../../activities/audit';
import type { Db } from '../../db/client';
import {
  actions,
  decisions,
  escalations,
  evidence,
  extensionRequests,
  recommendations,
  reviews,
} from '../../db/schema';
import { DEFAULT_POLICY } from '../../workflows/types';

export const QUARTER = { from: '2026-04-01', to: '2026-07-01' };
const t = (iso: string) => new Date(iso);
const FAR = t('2030-12-31T00:00:00Z');

export interface PapersFixture {
  reviewA: string;
  reviewB: string;
  actionIds: Record<string, string>;
}

export async function seedBoardPapers(db: Db, agencyIds: Record<string, string>): Promise<PapersFixture> {
  const [ra] = await db
    .insert(reviews)
    .values({
      reference: 'SCR-FIX-A',
      title: 'Serious Case Review: Child A',
      type: 'scr',
      policy: DEFAULT_POLICY,
      createdAt: t('2026-01-05T10:00:00Z'),
    })
    .returning();
  const [rb] = await db
    .insert(reviews)
    .values({
      reference: 'CSPR-FIX-B',
      title: 'Practice Review: Child B',
      type: 'cspr',
      policy: DEFAULT_POLICY,
      createdAt: t('2026-05-10T09:00:00Z'),
    })
    .returning();
  const rec = async (reviewId: string, number: string, text: string) =>
    (
      await db
        .insert(recommendations)
        .values({ reviewId, number, text, workflowId: `fixture-rec-${reviewId}-${number}`, position: Number(number) })
        .returning()
    )[0].id;
  const a1 = await rec(ra.id, '1', 'Hospital discharge planning must include a multi-agency meeting');
  const a2 = await rec(ra.id, '2', 'Thresholds for child protection referrals must be understood');
  const b1 = await rec(rb.id, '1', 'Information sharing between police and health');

  const ids: Record<string, string> = {};
  const act = async (
    key: string,
    v: {
      rec: string;
      reviewId: string;
      reviewReference: string;
      reference: string;
      agency: string;
      title: string;
      status: (typeof actions.$inferInsert)['status'];
      themes?: string[];
      outcome?: 'implemented' | 'not_implemented';
      rag: (typeof actions.$inferInsert)['rag'];
      due: Date;
      created: Date;
      closedAt?: Date;
      lastActivityAt?: Date;
    },
  ) => {
    const [row] = await db
      .insert(actions)
      .values({
        recommendationId: v.rec,
        reviewId: v.reviewId,
        reviewReference: v.reviewReference,
        agencyId: agencyIds[v.agency],
        reference: v.reference,
        title: v.title,
        themes: v.themes ?? [],
        successMeasure: 'Audit shows the change in practice',
        dueDate: v.due,
        status: v.status,
        outcome: v.outcome ?? null,
        rag: v.rag,
        closedAt: v.closedAt ?? null,
        lastActivityAt: v.lastActivityAt ?? null,
        workflowId: `fixture-action-${key}-${Math.random().toString(36).slice(2)}`,
        createdAt: v.created,
      })
      .returning();
    ids[key] = row.id;
    return row.id;
  };
  const A = { reviewId: ra.id, reviewReference: 'SCR-FIX-A', created: t('2026-01-05T10:00:00Z') };
  const B = { reviewId: rb.id, reviewReference: 'CSPR-FIX-B', created: t('2026-05-10T09:00:00Z') };
  // A1: approved inside the period, 14 days after its due date.
  await act('A1', {
    ...A,
    rec: a1,
    reference: '1.1',
    agency: 'BHT',
    title: 'Discharge checklist on every ward',
    status: 'closed',
    outcome: 'implemented',
    rag: 'complete',
    due: t('2026-04-01T00:00:00Z'),
    closedAt: t('2026-04-15T12:00:00Z'),
  });
  // A2: closed as not implemented one second before the period ends.
  await act('A2', {
    ...A,
    rec: a1,
    reference: '1.2',
    agency: 'TVP',
    title: 'Police attend discharge meetings',
    status: 'closed',
    outcome: 'not_implemented',
    rag: 'complete',
    due: t('2026-06-30T00:00:00Z'),
    closedAt: t('2026-06-30T23:59:59Z'),
  });
  // A3: overdue and stalled; changes requested exactly at the end of the period (so outside it).
  await act('A3', {
    ...A,
    rec: a2,
    reference: '2.1',
    agency: 'BCC',
    title: 'Threshold training for all social workers',
    themes: ['thresholds'],
    status: 'in_progress',
    rag: 'red',
    due: t('2026-05-01T00:00:00Z'),
    lastActivityAt: t('2026-07-01T00:00:00Z'),
  });
  // A4: approved one second before the period starts.
  await act('A4', {
    ...A,
    rec: a2,
    reference: '2.2',
    agency: 'CCG',
    title: 'GP thresholds guidance',
    status: 'closed',
    outcome: 'implemented',
    rag: 'complete',
    due: t('2026-03-31T00:00:00Z'),
    closedAt: t('2026-03-31T23:59:59Z'),
  });
  // B1, B2: new in the period.
  await act('B1', {
    ...B,
    rec: b1,
    reference: '1.1',
    agency: 'BHT',
    title: 'Named nurse shares records with police',
    themes: ['information-sharing', 'domestic-abuse'],
    status: 'in_progress',
    rag: 'green',
    due: FAR,
    lastActivityAt: t('2026-05-20T10:00:00Z'),
  });
  await act('B2', {
    ...B,
    rec: b1,
    reference: '1.2',
    agency: 'TVP',
    title: 'Police notify health of domestic abuse call-outs',
    status: 'assigned',
    rag: 'green',
    due: FAR,
  });

  const [evA1, evA3] = await db
    .insert(evidence)
    .values([
      {
        actionId: ids.A1,
        statement: 'The discharge checklist is in use on all 14 wards.',
        status: 'accepted',
        submittedAt: t('2026-04-10T09:00:00Z'),
      },
      {
        actionId: ids.A3,
        statement: 'Training plan drafted.',
        status: 'changes_requested',
        submittedAt: t('2026-06-20T09:00:00Z'),
      },
    ])
    .returning({ id: evidence.id });
  // Each evidence row is named by its event, as the projection's are (audit:verify looks for it).
  const evidenceOf: Record<string, string> = { A1: evA1.id, A3: evA3.id };
  await db.insert(decisions).values([
    { actionId: ids.A1, outcome: 'approve', comment: 'Checklist seen in use.', decidedAt: t('2026-04-15T12:00:00Z') },
    {
      actionId: ids.A2,
      outcome: 'close_not_implemented',
      comment: 'Police no longer attend health meetings; replaced by a written report.',
      decidedAt: t('2026-06-30T23:59:59Z'),
    },
    {
      actionId: ids.A3,
      outcome: 'request_changes',
      comment: 'The plan needs dates.',
      decidedAt: t('2026-07-01T00:00:00Z'),
    },
    { actionId: ids.A4, outcome: 'approve', comment: 'Guidance published.', decidedAt: t('2026-03-31T23:59:59Z') },
  ]);
  await db.insert(extensionRequests).values([
    {
      actionId: ids.B1,
      previousDueDate: t('2026-09-30T00:00:00Z'),
      newDueDate: FAR,
      reason: 'Records system replacement',
      interimMeasures: 'Weekly phone call between the named nurse and the police',
      status: 'approved',
      requestedAt: t('2026-05-15T10:00:00Z'),
      decidedAt: t('2026-05-20T10:00:00Z'),
    },
    {
      actionId: ids.A3,
      previousDueDate: t('2026-03-01T00:00:00Z'),
      newDueDate: t('2026-05-01T00:00:00Z'),
      reason: 'Trainer unavailable',
      interimMeasures: 'Managers brief teams',
      status: 'approved',
      requestedAt: t('2026-03-01T10:00:00Z'),
      decidedAt: t('2026-03-15T10:00:00Z'),
    },
    {
      actionId: ids.A3,
      previousDueDate: t('2026-05-01T00:00:00Z'),
      newDueDate: t('2026-09-01T00:00:00Z'),
      reason: 'Still no trainer',
      interimMeasures: 'None',
      status: 'rejected',
      requestedAt: t('2026-05-02T10:00:00Z'),
      decidedAt: t('2026-05-05T10:00:00Z'),
    },
  ]);
  await db.insert(escalations).values([
    {
      actionId: ids.B2,
      level: 1,
      reason: 'not_acknowledged',
      raisedAt: t('2026-06-01T08:00:00Z'),
      resolvedAt: t('2026-06-05T08:00:00Z'),
    },
    { actionId: ids.B2, level: 2, reason: 'not_acknowledged', raisedAt: t('2026-07-01T00:00:00Z') },
    { actionId: ids.A3, level: 1, reason: 'stalled', raisedAt: t('2026-06-10T08:00:00Z') },
    { actionId: ids.A3, level: 1, reason: 'overdue', raisedAt: t('2026-03-20T08:00:00Z') },
    { actionId: ids.A3, level: 3, reason: 'overdue', raisedAt: t('2026-09-01T08:00:00Z') },
  ]);
  const events: [string, string, string][] = [
    ['A1', 'evidence_submitted', '2026-04-10T09:00:00Z'],
    ['A1', 'decided', '2026-04-15T12:00:00Z'],
    ['B1', 'extension_requested', '2026-05-15T10:00:00Z'],
    ['A3', 'evidence_submitted', '2026-06-20T09:00:00Z'],
    ['B2', 'assigned', '2026-05-10T09:00:00Z'],
  ];
  for (const [key, type, at] of events) {
    await db.transaction(async (tx) => {
      await lockAuditChain(tx);
      const payload = type === 'evidence_submitted' ? { evidenceId: evidenceOf[key] } : {};
      await appendAudit(tx, {
        eventKey: `fixture:${key}:${type}:${at}`,
        actionId: ids[key],
        reviewId: null,
        type,
        actor: 'fixture',
        payload,
        occurredAt: t(at),
      });
    });
  }
  return { reviewA: ra.id, reviewB: rb.id, actionIds: ids };
}
