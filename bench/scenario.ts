/** Building the data the figures need through the use-case layer, and waiting for the workflows. */
import { sql } from 'drizzle-orm';
import { createReview } from '../api/use-cases/reviews';
import type { Policy } from '../workflows/types';
import type { BenchStack } from './stack';
import { QUIET_POLICY } from '../test/support/quiet-policy';

export const QUIET = QUIET_POLICY;

let seq = 0;

export interface ReviewSpec {
  actions: number;
  perRecommendation?: number;
  agencyCode?: string;
  policy?: Partial<Policy>;
  /** Due date of the i-th action (default: 90 days ahead). */
  dueDate?: (i: number) => Date;
  prefix?: string;
}

/** Creates one review through createReview (rows + one recommendationWorkflow per recommendation). */
export async function makeReview(stack: BenchStack, spec: ReviewSpec) {
  const per = spec.perRecommendation ?? 10;
  const reference = `${spec.prefix ?? 'BENCH'}-${++seq}`;
  const codes = ['BHT', 'BCC', 'TVP', 'CCG', 'BSCB'];
  const due = spec.dueDate ?? (() => new Date(Date.now() + 90 * 86_400_000));
  const recommendations: {
    number: string;
    text: string;
    actions: { agencyCode: string; title: string; dueDate: string }[];
  }[] = [];
  for (let i = 0; i < spec.actions; i++) {
    const r = Math.floor(i / per);
    if (!recommendations[r])
      recommendations[r] = { number: String(r + 1), text: `Recommendation ${r + 1} of ${reference}`, actions: [] };
    recommendations[r].actions.push({
      agencyCode: spec.agencyCode ?? codes[i % codes.length],
      title: `Action ${i + 1}: agencies share information about the child at every handover`,
      dueDate: due(i).toISOString(),
    });
  }
  const { review } = await createReview(stack.deps, stack.admin.actor, {
    reference,
    title: `Bench review ${reference}`,
    policy: { ...QUIET, ...spec.policy },
    recommendations,
  });
  const actions = review.recommendations.flatMap((rec) =>
    rec.actions.map((a) => ({ id: a.id, ref: `${reference} ${a.reference}` })),
  );
  return { id: review.id, reference, actions };
}

async function scalar(stack: BenchStack, query: ReturnType<typeof sql>): Promise<number> {
  const res = (await stack.database.db.execute(query)) as unknown as { rows: { n: number | string }[] };
  return Number(res.rows[0].n);
}

/** Actions of these reviews whose workflow has run its first task and projected the assignment. */
export function projectedCount(stack: BenchStack, reviewIds: string[]): Promise<number> {
  if (reviewIds.length === 0) return Promise.resolve(0);
  const list = sql.join(
    reviewIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  return scalar(stack, sql`select count(*)::int as n from actions where projected_seq >= 1 and review_id in (${list})`);
}

export function actionCount(stack: BenchStack): Promise<number> {
  return scalar(stack, sql`select count(*)::int as n from actions`);
}
