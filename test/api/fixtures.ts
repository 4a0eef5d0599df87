import { randomUUID } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { escalations } from '../../db/schema';
import { ApiStack, QUIET_POLICY, inDays } from './stack';

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

export interface Fixture {
  reviewId: string;
  actionId: string;
  /** The action's recommendation (issue 22: actions are added to it, its text corrected). */
  recommendationId: string;
  extensionId?: string;
  attachmentId?: string;
  /** Issue 17: stages `update_with_attachment` and `impact_with_attachment`: the file's API url. */
  fileUrl?: string;
  /** Stage `escalated`: the open escalation (not acknowledged in time). */
  escalationId?: string;
  /** Stage `under_review`: the evidence waiting for the board (issue 22). */
  evidenceId?: string;
}

export type Stage =
  | 'assigned'
  | 'in_progress'
  | 'under_review'
  | 'extension_pending'
  | 'with_attachment'
  /** Issue 20: not acknowledged within a second, so escalation level 1 is raised at once. */
  | 'escalated'
  /** Issue 17: approved, its impact check scheduled a month on. */
  | 'approved'
  /** Issue 17: approved and the agency's impact evidence with the board. */
  | 'impact_submitted'
  /** Issue 17: in progress, with a progress update that has a file. */
  | 'update_with_attachment'
  /** Issue 17: approved, and impact evidence with a file with the board. */
  | 'impact_with_attachment'
  /** Issue 22: cancelled by the board straight after assignment. */
  | 'cancelled';

/** A review with one BHT action (the "owner" agency), driven through the API to the given stage. */
export async function fixture(stack: ApiStack, stage: Stage): Promise<Fixture> {
  const res = await stack.post('/api/v1/reviews', 'board').send({
    reference: `FX-${randomUUID().slice(0, 8)}`,
    title: 'Fixture review',
    // Issue 20: `escalated` is not acknowledged within a second, so escalation level 1 is raised at once.
    policy:
      stage === 'escalated'
        ? { ...QUIET_POLICY, acknowledgeWithin: 'PT1S' }
        : stage === 'approved' || stage === 'impact_submitted' || stage === 'impact_with_attachment'
          ? { ...QUIET_POLICY, impactCheckAfter: 'P30D' }
          : QUIET_POLICY,
    recommendations: [
      {
        number: '1',
        text: 'Share information',
        actions: [{ agencyCode: 'BHT', title: 'Update the discharge policy', dueDate: inDays(60) }],
      },
    ],
  });
  if (res.status !== 201) throw new Error(`fixture review: ${res.status} ${JSON.stringify(res.body)}`);
  const f: Fixture = {
    reviewId: res.body.id,
    actionId: res.body.recommendations[0].actions[0].id,
    recommendationId: res.body.recommendations[0].id,
  };
  const step = async (r: import('supertest').Test, want: number) => {
    const out = await r;
    if (out.status !== want) throw new Error(`fixture step ${out.status} ${JSON.stringify(out.body)}`);
    return out;
  };
  if (stage === 'assigned') return f;
  if (stage === 'cancelled') {
    await step(stack.post(`/api/v1/actions/${f.actionId}/cancel`, 'board').send({ reason: 'Superseded' }), 200);
    return f;
  }
  if (stage === 'escalated') return { ...f, escalationId: await openEscalation(stack, f.actionId) };
  await step(stack.post(`/api/v1/actions/${f.actionId}/acknowledge`, 'owner'), 200);
  if (stage === 'in_progress') return f;
  if (stage === 'update_with_attachment') {
    await step(
      stack
        .post(`/api/v1/actions/${f.actionId}/updates`, 'owner')
        .field('statement', 'Half the wards briefed')
        .attach('files', PDF, { filename: 'briefing-register.pdf', contentType: 'application/pdf' }),
      201,
    );
    const detail = await step(stack.get(`/api/v1/actions/${f.actionId}`, 'admin'), 200);
    return { ...f, fileUrl: detail.body.progressUpdates[0].attachments[0].url };
  }
  if (stage === 'extension_pending') {
    const x = await step(
      stack
        .post(`/api/v1/actions/${f.actionId}/extension-requests`, 'owner')
        .send({ newDueDate: inDays(120), reason: 'Staff shortage', interimMeasures: 'Weekly manager review' }),
      201,
    );
    return { ...f, extensionId: x.body.requestId };
  }
  if (stage === 'with_attachment') {
    await step(
      stack
        .post(`/api/v1/actions/${f.actionId}/evidence`, 'owner')
        .field('statement', 'Policy updated')
        .attach('files', PDF, { filename: 'policy.pdf', contentType: 'application/pdf' }),
      200,
    );
    const detail = await step(stack.get(`/api/v1/actions/${f.actionId}`, 'admin'), 200);
    return { ...f, attachmentId: detail.body.evidence[0].attachments[0].id };
  }
  await step(
    stack
      .post(`/api/v1/actions/${f.actionId}/evidence`, 'owner')
      .send({ statement: 'Policy updated and staff briefed' }),
    200,
  );
  if (stage === 'under_review') {
    const detail = await step(stack.get(`/api/v1/actions/${f.actionId}`, 'admin'), 200);
    return { ...f, evidenceId: detail.body.evidence[0].id };
  }
  await step(stack.post(`/api/v1/actions/${f.actionId}/decision`, 'board').send({ outcome: 'approve' }), 200);
  if (stage === 'approved') return f;
  if (stage === 'impact_with_attachment') {
    await step(
      stack
        .post(`/api/v1/actions/${f.actionId}/impact-evidence`, 'owner')
        .field('statement', 'Audit of 20 cases: thresholds applied in 19')
        .field('method', 'audit')
        .attach('files', PDF, { filename: 'audit.pdf', contentType: 'application/pdf' }),
      200,
    );
    const detail = await step(stack.get(`/api/v1/actions/${f.actionId}`, 'admin'), 200);
    return { ...f, fileUrl: detail.body.impactEvidence[0].attachments[0].url };
  }
  await step(
    stack
      .post(`/api/v1/actions/${f.actionId}/impact-evidence`, 'owner')
      .send({ statement: 'Audit of 20 cases: thresholds applied in 19', method: 'audit' }),
    200,
  );
  return f;
}

/** Waits for the action's first open escalation to be projected; its id. */
export async function openEscalation(stack: ApiStack, actionId: string, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await stack.db.db
      .select({ id: escalations.id })
      .from(escalations)
      .where(and(eq(escalations.actionId, actionId), isNull(escalations.resolvedAt)))
      .limit(1);
    if (row) return row.id;
    if (Date.now() > until) throw new Error(`no open escalation on ${actionId}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
