import { defineRoute, type RouteDef } from '../http/route';
import { dashboard } from '../queries/dashboard';
import { scopeOf } from '../queries/scope';
import { Dashboard } from '../schemas';

export const dashboardRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/dashboard',
    operationId: 'dashboard',
    summary: 'Counts by status, RAG and agency; overdue; awaiting sign-off; open escalations (agency users: their own)',
    tag: 'Dashboard',
    access: 'any',
    responses: { 200: { description: 'The dashboard', schema: Dashboard } },
    handler: async ({ ctx, actor }) => ({ status: 200, body: await dashboard(ctx.db, scopeOf(actor)) }),
  }),
];
