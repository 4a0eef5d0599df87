import { defineRoute, type RouteDef } from '../http/route';
import { dashboard } from '../queries/dashboard';
import { scopeOf } from '../queries/scope';
import { z } from '../http/zod';
import { Dashboard, ReviewTypeName, ThemeCode } from '../schemas';

export const dashboardRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/dashboard',
    operationId: 'dashboard',
    summary: 'Counts by status, RAG and agency; overdue; awaiting sign-off; open escalations (agency users: their own)',
    tag: 'Dashboard',
    access: 'any',
    query: z.strictObject({ type: ReviewTypeName.optional(), theme: ThemeCode.optional() }),
    responses: {
      200: {
        description: 'The dashboard (type=, theme= narrow it to reviews of a type or actions with a theme)',
        schema: Dashboard,
      },
    },
    handler: async ({ ctx, actor, query }) => ({
      status: 200,
      body: await dashboard(ctx.db, scopeOf(actor), new Date(), query),
    }),
  }),
];
