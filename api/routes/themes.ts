import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { REVIEW_TYPES, reviewTypePolicies, themes } from '../../db/schema';
import { AppError } from '../../lib/errors';
import { defineRoute, type RouteDef } from '../http/route';
import { z } from '../http/zod';
import { isUuid } from '../../domain/text';
import { findTheme, openActionsWithTheme } from '../queries/themes';
import { scopeOf } from '../queries/scope';
import { PolicyInput, ReviewTypeName, ThemeCode } from '../schemas';
import { mergePolicy } from '../use-cases/reviews';
import { DEFAULT_POLICY } from '../../workflows/types';

const Theme = z.object({ code: z.string(), label: z.string(), active: z.boolean() }).openapi('Theme');
const ThemeBody = z
  .strictObject({ code: ThemeCode, label: z.string().trim().min(1).max(100), active: z.boolean().default(true) })
  .openapi('ThemeBody');
const ReviewTypePolicy = z
  .object({ type: z.enum(REVIEW_TYPES), policy: z.record(z.string(), z.unknown()), changed: z.boolean() })
  .openapi('ReviewTypePolicy');

async function typePolicies(db: Db) {
  const rows = await db.select().from(reviewTypePolicies);
  return REVIEW_TYPES.map((type) => {
    const row = rows.find((r) => r.type === type);
    return { type, policy: row ? mergePolicy(row.policy as Record<string, unknown>) : DEFAULT_POLICY, changed: !!row };
  });
}

export const themeRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/themes',
    operationId: 'listThemes',
    summary: 'The controlled list of themes recommendations and actions carry',
    tag: 'Themes',
    access: 'any',
    responses: { 200: { description: 'Themes, by code', schema: z.array(Theme) } },
    handler: async ({ ctx }) => ({
      status: 200,
      body: await ctx.db
        .select({ code: themes.code, label: themes.label, active: themes.active })
        .from(themes)
        .orderBy(asc(themes.code)),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/themes',
    operationId: 'saveTheme',
    summary:
      'Add a theme, or rename or retire one (active: false keeps it on existing actions but refuses it on new ones)',
    tag: 'Themes',
    access: ['admin'],
    body: { json: ThemeBody },
    responses: { 201: { description: 'Added', schema: Theme }, 200: { description: 'Changed', schema: Theme } },
    handler: async ({ ctx, body }) => {
      const [before] = await ctx.db.select().from(themes).where(eq(themes.code, body.code));
      const [row] = await ctx.db
        .insert(themes)
        .values(body)
        .onConflictDoUpdate({ target: themes.code, set: { label: body.label, active: body.active } })
        .returning({ code: themes.code, label: themes.label, active: themes.active });
      return { status: before ? 200 : 201, body: row };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/themes/:code/actions',
    operationId: 'themeAcrossReviews',
    summary: 'Every open action with this theme, in every review (agency users: their own)',
    tag: 'Themes',
    access: 'any',
    params: z.strictObject({ code: ThemeCode }),
    responses: { 200: { description: 'Open actions with the theme, grouped by review' } },
    handler: async ({ ctx, actor, params }) => {
      const theme = await findTheme(ctx.db, params.code);
      if (!theme) throw new AppError('not_found', 'No such theme');
      const rows = await openActionsWithTheme(ctx.db, scopeOf(actor), params.code);
      const byReview = new Map<
        string,
        { id: string; reference: string; title: string; type: string; actions: unknown[] }
      >();
      for (const r of rows) {
        const g = byReview.get(r.reviewId) ?? {
          id: r.reviewId,
          reference: r.reviewReference,
          title: r.reviewTitle,
          type: r.reviewType,
          actions: [],
        };
        g.actions.push({
          id: r.id,
          reference: r.reference,
          title: r.title,
          agencyCode: r.agencyCode,
          status: r.status,
          rag: r.rag,
          dueDate: r.dueDate.toISOString(),
        });
        byReview.set(r.reviewId, g);
      }
      return {
        status: 200,
        body: {
          theme: { code: theme.code, label: theme.label },
          openActions: rows.length,
          reviews: [...byReview.values()],
        },
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/review-types',
    operationId: 'listReviewTypes',
    summary: 'Review types and the timers policy a new review of each type gets when it names none',
    tag: 'Themes',
    access: 'any',
    responses: { 200: { description: 'Every type', schema: z.array(ReviewTypePolicy) } },
    handler: async ({ ctx }) => ({ status: 200, body: await typePolicies(ctx.db) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/review-types/:type/policy',
    operationId: 'setReviewTypePolicy',
    summary: "Change a review type's default policy (reviews already created keep theirs)",
    tag: 'Themes',
    access: ['admin'],
    params: z.strictObject({ type: ReviewTypeName }),
    body: { json: PolicyInput },
    responses: { 200: { description: 'The type with its new policy', schema: ReviewTypePolicy } },
    handler: async ({ ctx, actor, params, body }) => {
      const policy = mergePolicy(body);
      const by = isUuid(actor.userId) ? actor.userId : null;
      await ctx.db
        .insert(reviewTypePolicies)
        .values({ type: params.type, policy, updatedBy: by })
        .onConflictDoUpdate({ target: reviewTypePolicies.type, set: { policy, updatedBy: by, updatedAt: new Date() } });
      return { status: 200, body: { type: params.type, policy, changed: true } };
    },
  }),
];
