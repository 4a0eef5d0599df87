import { defineRoute, type RouteDef } from '../http/route';
import { listAgenciesFor } from '../queries/agencies';
import { scopeOf } from '../queries/scope';
import { Agency, CreateAgencyBody, CreateUserBody, CreatedUser, User } from '../schemas';
import { createAgency, createUser, me } from '../use-cases/people';
import { z } from '../http/zod';

export const peopleRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/agencies',
    operationId: 'createAgency',
    summary: 'Register a partner agency',
    tag: 'People',
    access: ['admin'],
    body: { json: CreateAgencyBody },
    responses: { 201: { description: 'The agency', schema: Agency }, 409: { description: 'The code is taken' } },
    handler: async ({ ctx, body }) => ({ status: 201, body: await createAgency(ctx.db, body) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/agencies',
    operationId: 'listAgencies',
    summary: 'The partner agencies (an agency user: its own agency only)',
    tag: 'People',
    access: 'any',
    responses: { 200: { description: 'Agencies by code', schema: z.array(Agency) } },
    handler: async ({ ctx, actor }) => ({ status: 200, body: await listAgenciesFor(ctx.db, scopeOf(actor)) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/users',
    operationId: 'createUser',
    summary: 'Add a user; the token is shown once',
    description:
      'agencyCode is required for role agency and optional for board (a board member from an agency may not decide on its actions).',
    tag: 'People',
    access: ['admin'],
    body: { json: CreateUserBody },
    responses: {
      201: { description: 'The user and their bearer token', schema: CreatedUser },
      409: { description: 'The e-mail is taken' },
    },
    handler: async ({ ctx, actor, body }) => ({
      status: 201,
      body: await createUser(ctx.db, body, { actor: actor.userId, tokenTtlDays: ctx.config.apiTokenTtlDays }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/me',
    operationId: 'getMe',
    summary: 'The caller',
    tag: 'People',
    access: 'any',
    responses: { 200: { description: 'The signed-in user', schema: User } },
    handler: async ({ actor }) => ({ status: 200, body: me(actor) }),
  }),
];
