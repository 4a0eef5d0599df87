import { defineRoute, type RouteDef } from '../http/route';
import { DeactivatedUser, IdParams, IssuedToken } from '../schemas';
import { deactivateUser, revokeToken, rotateOwnToken } from '../use-cases/tokens';

/** The token lifecycle: rotate your own, revoke by id, and an administrator's deactivation. */
export const tokenRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/tokens',
    operationId: 'rotateToken',
    summary: 'A new token for the caller; the one used for this request stops working',
    description: 'The new token is shown once and expires API_TOKEN_TTL_DAYS (default 90) days from now.',
    tag: 'People',
    access: 'any',
    body: { emptyAllowed: true },
    responses: { 201: { description: 'The new token', schema: IssuedToken } },
    handler: async ({ ctx, actor }) => ({
      status: 201,
      body: await rotateOwnToken(ctx.db, actor, ctx.config.apiTokenTtlDays),
    }),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/tokens/:id',
    operationId: 'revokeToken',
    summary: 'Revoke a token by its id (your own; an admin any)',
    tag: 'People',
    access: 'any',
    params: IdParams,
    responses: { 204: { description: 'Revoked: the token no longer works' } },
    handler: async ({ ctx, actor, params }) => {
      await revokeToken(ctx.db, actor, params.id);
      return { status: 204, body: undefined };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/users/:id/deactivate',
    operationId: 'deactivateUser',
    summary: 'Deactivate a user: every token and session of theirs ends at once',
    tag: 'People',
    access: ['admin'],
    params: IdParams,
    body: { emptyAllowed: true },
    responses: {
      200: { description: 'The user, deactivated', schema: DeactivatedUser },
      409: { description: 'You cannot deactivate yourself' },
    },
    handler: async ({ ctx, actor, params }) => ({
      status: 200,
      body: await deactivateUser(ctx.db, actor.userId, params.id),
    }),
  }),
];
