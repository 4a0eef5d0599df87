/** Issue 18: an action's named owner, cover while away, and each person's mail choices. */
import { defineRoute, type RouteDef } from '../http/route';
import { lifecycleDeps } from '../use-cases/action-commands';
import { endCover, setCover } from '../use-cases/cover';
import { preferencesOf, setMailDefaults, setPreferences, mailDefaultsOf } from '../use-cases/preferences';
import { setActionOwner } from '../use-cases/set-owner';
import {
  Action,
  Cover,
  CoverBody,
  DigestChoices,
  IdParams,
  MailDefaultsBody,
  Preferences,
  PreferencesBody,
  SetOwnerBody,
} from '../schemas';

/** Who may name an action's owner (an agency user only as its agency's lead: api/use-cases/set-owner.ts). */
export const NAME_OWNER = ['agency', 'board', 'admin'] as const;

export const meRoutes: RouteDef[] = [
  defineRoute({
    method: 'post',
    path: '/api/v1/actions/:id/owner',
    operationId: 'setActionOwner',
    summary: "Name (or clear) the action's owner: the agency's lead or the board",
    description:
      'The owner must be an active user of the owning agency. Reminders, overdue notices and decisions then go to the owner with the agency lead in copy; escalations keep their ladder with the owner in copy. The new owner is mailed with the due date as a calendar entry.',
    tag: 'Actions',
    access: NAME_OWNER,
    params: IdParams,
    body: { json: SetOwnerBody },
    responses: {
      200: { description: 'The action', schema: Action },
      409: { description: 'The action is closed or cancelled' },
    },
    handler: async ({ ctx, actor, params, body }) => ({
      status: 200,
      body: await setActionOwner(lifecycleDeps(ctx), actor, params.id, body.ownerId),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/me/preferences',
    operationId: 'getPreferences',
    summary: "The caller's mail choices and cover",
    tag: 'People',
    access: 'any',
    responses: { 200: { description: 'Preferences', schema: Preferences } },
    handler: async ({ ctx, actor }) => ({ status: 200, body: await preferencesOf(ctx.db, actor) }),
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/me/preferences',
    operationId: 'setPreferences',
    summary: 'Choose, per kind of mail, immediate or the daily digest',
    description:
      'Assignments, escalations, decisions and sign-in links are always sent at once: naming them is refused (400, the field named).',
    tag: 'People',
    access: 'any',
    body: { json: PreferencesBody },
    responses: { 200: { description: 'Preferences', schema: Preferences } },
    handler: async ({ ctx, actor, body }) => ({ status: 200, body: await setPreferences(ctx.db, actor, body) }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/me/cover',
    operationId: 'setCover',
    summary: 'Set a deputy for days away (or, as agency lead, for a member of the agency)',
    tag: 'People',
    access: ['agency', 'admin'],
    body: { json: CoverBody },
    responses: {
      201: { description: 'The cover', schema: Cover },
      409: { description: 'Overlaps a cover already set for that person' },
    },
    handler: async ({ ctx, actor, body }) => ({ status: 201, body: await setCover(ctx.db, actor, body) }),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/v1/me/cover/:id',
    operationId: 'endCover',
    summary: 'End a cover from today: mail goes to the person again at once',
    description:
      "The person away, whoever set the cover, their agency's lead or an administrator may end it; the deputy may not. Days already covered stay recorded; a cover that has not begun is removed.",
    tag: 'People',
    access: ['agency', 'admin'],
    params: IdParams,
    responses: {
      204: { description: 'Ended' },
      409: { description: 'The cover has already ended' },
    },
    handler: async ({ ctx, actor, params }) => {
      await endCover(ctx.db, actor, params.id);
      return { status: 204, body: undefined };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/v1/mail-defaults',
    operationId: 'getMailDefaults',
    summary: "The partnership's default delivery for people who have not chosen",
    tag: 'People',
    access: ['admin'],
    responses: { 200: { description: 'Defaults', schema: DigestChoices } },
    handler: async ({ ctx }) => ({ status: 200, body: await mailDefaultsOf(ctx.db) }),
  }),
  defineRoute({
    method: 'put',
    path: '/api/v1/mail-defaults',
    operationId: 'setMailDefaults',
    summary: "Set the partnership's default delivery (immediate unless changed)",
    tag: 'People',
    access: ['admin'],
    body: { json: MailDefaultsBody },
    responses: { 200: { description: 'Defaults', schema: DigestChoices } },
    handler: async ({ ctx, actor, body }) => ({ status: 200, body: await setMailDefaults(ctx.db, actor, body) }),
  }),
];
