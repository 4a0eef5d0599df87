import { randomUUID } from 'node:crypto';
import type { Test } from 'supertest';
import { covers } from '../../db/schema';
import type { ApiStack, Caller } from './stack';
import type { Fixture, Stage } from './fixtures';
import { inDays } from './stack';

/**
 * Every route of the API, once: how to call it and what each caller gets. The matrix test runs
 * all of it, and a second test checks this table, the app's route table and the OpenAPI
 * document name exactly the same operations, so a new route cannot be left out.
 */
export interface RouteCase {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  stage?: Stage;
  url?: (f: Fixture) => string;
  /**
   * For calls that end a token or a user: made before the call, with the stack and the caller.
   * `url` replaces the case's, `token` the caller's (a fresh user of the same role and agency).
   */
  setup?: (stack: ApiStack, caller: Caller) => Promise<{ url?: string; token?: string }>;
  send?: (req: Test, f: Fixture) => Test;
  expect: Record<Caller, number>;
}

const PUBLIC = {
  none: 200,
  bad: 200,
  admin: 200,
  board: 200,
  boardOwner: 200,
  owner: 200,
  other: 200,
  chair: 200,
  inspector: 200,
};
/** Reads for every signed-in role: the chair, and inspectors (who read what the board reads), included. */
const ANY = {
  none: 401,
  bad: 401,
  admin: 200,
  board: 200,
  boardOwner: 200,
  owner: 200,
  other: 200,
  chair: 200,
  inspector: 200,
};
/** Readable by every role, but another agency must not learn it exists. */
const SCOPED = { ...ANY, other: 404 };
const ADMIN_ONLY = (ok: number) => ({
  none: 401,
  bad: 401,
  admin: ok,
  board: 403,
  boardOwner: 403,
  owner: 403,
  other: 403,
  chair: 403,
  // A GET here would be the board's answer (403); a write is refused to an inspector anyway.
  inspector: 403,
});
const CREATORS = (ok: number) => ({
  none: 401,
  bad: 401,
  admin: ok,
  board: ok,
  boardOwner: ok,
  owner: 403,
  other: 403,
  chair: 403,
  inspector: 403,
});
/** The owning agency's people: an administrator does not act for an agency. */
const OWNER = (ok: number) => ({
  none: 401,
  bad: 401,
  admin: 403,
  board: 403,
  boardOwner: 403,
  owner: ok,
  other: 404,
  chair: 403,
  inspector: 403,
});
/** The board decides, except a member from the owning agency (conflict of interest); never the administrator. */
const DECIDER = {
  none: 401,
  bad: 401,
  admin: 403,
  board: 200,
  boardOwner: 403,
  owner: 403,
  other: 403,
  chair: 403,
  inspector: 403,
};
/** Issue 20: the chair's queue: the chair, the board and admin read it (inspectors as the board); agencies do not. */
const QUEUE = { ...ANY, owner: 403, other: 403 };
/** Issue 20: the chair alone records steps on an escalation. */
const CHAIR_ONLY = {
  none: 401,
  bad: 401,
  admin: 403,
  board: 403,
  boardOwner: 403,
  owner: 403,
  other: 403,
  chair: 200,
  inspector: 403,
};

const csv = () =>
  Buffer.from(
    `Recommendation number,Recommendation,Action,Lead agency code,Success measure,Target date\n1,Share information,Update the policy,BHT,Policy published,${inDays(60)}\n`,
  );

/** A weekday far enough ahead to be no bank holiday and not taken by an earlier run. */
function aFarWeekday(): string {
  for (;;) {
    const t = Date.UTC(2040 + Math.floor(Math.random() * 50), 0, 1) + Math.floor(Math.random() * 365) * 86_400_000;
    const d = new Date(t);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) return d.toISOString().slice(0, 10);
  }
}

/** Issue 18: the cover a matrix caller asks for, made by the case's setup (a deputy of the caller's agency). */
let coverBody: Record<string, unknown> = {};
const today = () => new Date().toISOString().slice(0, 10);

export const ROUTE_CASES: RouteCase[] = [
  { method: 'get', path: '/healthz', expect: PUBLIC },
  { method: 'get', path: '/readyz', expect: PUBLIC },
  { method: 'get', path: '/metrics', expect: ADMIN_ONLY(200) },
  { method: 'get', path: '/openapi.json', expect: PUBLIC },
  { method: 'get', path: '/docs', expect: PUBLIC },
  {
    method: 'post',
    path: '/api/v1/agencies',
    send: (r) =>
      r.send({ code: `A${randomUUID().slice(0, 6)}`, name: 'Youth Offending Service', leadEmail: 'lead@yos.test' }),
    expect: ADMIN_ONLY(201),
  },
  { method: 'get', path: '/api/v1/agencies', expect: ANY },
  {
    method: 'post',
    path: '/api/v1/users',
    send: (r) =>
      r.send({
        name: 'New Person',
        email: `p-${randomUUID().slice(0, 8)}@api.test`,
        role: 'agency',
        agencyCode: 'BHT',
      }),
    expect: ADMIN_ONLY(201),
  },
  { method: 'get', path: '/api/v1/me', expect: ANY },
  {
    method: 'post',
    path: '/api/v1/tokens',
    setup: async (stack, caller) =>
      caller === 'none' || caller === 'bad' ? {} : { token: (await stack.freshLike(caller)).token },
    // An inspector's access is read-only: not even a new token of their own.
    expect: {
      none: 401,
      bad: 401,
      admin: 201,
      board: 201,
      boardOwner: 201,
      owner: 201,
      other: 201,
      chair: 201,
      inspector: 403,
    },
  },
  {
    // Someone else's token: only an admin may revoke it; anyone else learns nothing (404).
    method: 'delete',
    path: '/api/v1/tokens/:id',
    setup: async (stack) => ({ url: `/api/v1/tokens/${(await stack.newUser('agency', 'BHT')).tokenId}` }),
    expect: {
      none: 401,
      bad: 401,
      admin: 204,
      board: 404,
      boardOwner: 404,
      owner: 404,
      other: 404,
      chair: 404,
      inspector: 403,
    },
  },
  {
    method: 'post',
    path: '/api/v1/users/:id/deactivate',
    setup: async (stack) => ({ url: `/api/v1/users/${(await stack.newUser('agency', 'BHT')).id}/deactivate` }),
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'post',
    path: '/api/v1/reviews',
    send: (r) =>
      r.send({
        reference: `M-${randomUUID().slice(0, 8)}`,
        title: 'Matrix review',
        policy: { acknowledgeWithin: 'P30D', stallAfter: 'P30D', remindBefore: [] },
        recommendations: [
          {
            number: '1',
            text: 'Share information',
            actions: [{ agencyCode: 'BHT', title: 'Update the policy', dueDate: inDays(60) }],
          },
        ],
      }),
    expect: CREATORS(201),
  },
  {
    method: 'post',
    path: '/api/v1/reviews/import',
    send: (r) => {
      const ref = `IMP-${randomUUID().slice(0, 8)}`;
      return r
        .field('reference', ref)
        .field('title', 'Imported')
        .field('policy', '{"acknowledgeWithin":"P30D","remindBefore":[]}')
        .attach('file', csv(), { filename: 'plan.csv', contentType: 'text/csv' });
    },
    expect: CREATORS(201),
  },
  {
    method: 'post',
    path: '/api/v1/reviews/import/check',
    send: (r) =>
      r
        .field('reference', `CHK-${randomUUID().slice(0, 8)}`)
        .field('title', 'Checked')
        .attach('file', csv(), { filename: 'plan.csv', contentType: 'text/csv' }),
    expect: CREATORS(200),
  },
  { method: 'get', path: '/api/v1/reviews', expect: ANY },
  { method: 'get', path: '/api/v1/reviews/:id', url: (f) => `/api/v1/reviews/${f.reviewId}`, expect: SCOPED },
  {
    method: 'get',
    path: '/api/v1/reviews/:id/report',
    url: (f) => `/api/v1/reviews/${f.reviewId}/report?format=json`,
    expect: SCOPED,
  },
  {
    method: 'get',
    path: '/api/v1/reviews/:id/progress-sheet',
    url: (f) => `/api/v1/reviews/${f.reviewId}/progress-sheet`,
    expect: SCOPED,
  },
  {
    // Version 1 is the assignment; the acknowledgement since does not make the row stale.
    method: 'post',
    path: '/api/v1/reviews/:id/progress-sheet',
    stage: 'in_progress',
    url: (f) => `/api/v1/reviews/${f.reviewId}/progress-sheet`,
    send: (r, f) =>
      r.attach('file', Buffer.from(`Action ID,Version,Progress update\n${f.actionId},1,Policy drafted\n`), {
        filename: 'progress.csv',
        contentType: 'text/csv',
      }),
    // The board may upload a sheet an agency sent it (recorded for the agency); the administrator may not.
    expect: { ...OWNER(200), board: 200, boardOwner: 200 },
  },
  { method: 'get', path: '/api/v1/actions', expect: ANY },
  { method: 'get', path: '/api/v1/actions/:id', url: (f) => `/api/v1/actions/${f.actionId}`, expect: SCOPED },
  {
    method: 'post',
    path: '/api/v1/actions/:id/acknowledge',
    stage: 'assigned',
    url: (f) => `/api/v1/actions/${f.actionId}/acknowledge`,
    expect: OWNER(200),
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/evidence',
    stage: 'in_progress',
    url: (f) => `/api/v1/actions/${f.actionId}/evidence`,
    send: (r) => r.send({ statement: 'Policy updated', links: ['https://bht.example/policy'] }),
    expect: OWNER(200),
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/decision',
    stage: 'under_review',
    url: (f) => `/api/v1/actions/${f.actionId}/decision`,
    send: (r) => r.send({ outcome: 'approve', comment: 'Good' }),
    expect: DECIDER,
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/extension-requests',
    stage: 'in_progress',
    url: (f) => `/api/v1/actions/${f.actionId}/extension-requests`,
    send: (r) => r.send({ newDueDate: inDays(90), reason: 'Recruitment', interimMeasures: 'Manager checks weekly' }),
    expect: OWNER(201),
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/extension-requests/:rid/decision',
    stage: 'extension_pending',
    url: (f) => `/api/v1/actions/${f.actionId}/extension-requests/${f.extensionId}/decision`,
    send: (r) => r.send({ outcome: 'approve' }),
    expect: DECIDER,
  },
  // ---- issue 22: reopen and withdrawals ----
  {
    method: 'post',
    path: '/api/v1/actions/:id/reopen',
    stage: 'cancelled',
    url: (f) => `/api/v1/actions/${f.actionId}/reopen`,
    send: (r) => r.send({ reason: 'Cancelled by mistake' }),
    // As cancelling: the board and administration, not the owning agency's own board member.
    expect: {
      none: 401,
      bad: 401,
      admin: 200,
      board: 200,
      boardOwner: 403,
      owner: 403,
      other: 403,
      chair: 403,
      inspector: 403,
    },
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/extension-requests/:rid/withdraw',
    stage: 'extension_pending',
    url: (f) => `/api/v1/actions/${f.actionId}/extension-requests/${f.extensionId}/withdraw`,
    expect: OWNER(200),
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/evidence/:eid/withdraw',
    stage: 'under_review',
    url: (f) => `/api/v1/actions/${f.actionId}/evidence/${f.evidenceId}/withdraw`,
    expect: OWNER(200),
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/updates',
    stage: 'in_progress',
    url: (f) => `/api/v1/actions/${f.actionId}/updates`,
    send: (r) =>
      r.send({ statement: 'Half the teams trained', percentComplete: 50, rag: 'amber', ragReason: 'Sickness' }),
    expect: OWNER(201),
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/impact-evidence',
    stage: 'approved',
    url: (f) => `/api/v1/actions/${f.actionId}/impact-evidence`,
    send: (r) => r.send({ statement: 'Audit: thresholds applied in 19 of 20 cases', method: 'audit' }),
    expect: OWNER(200),
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/impact-decision',
    stage: 'impact_submitted',
    url: (f) => `/api/v1/actions/${f.actionId}/impact-decision`,
    send: (r) => r.send({ outcome: 'evidenced', comment: 'The audit shows it' }),
    expect: DECIDER,
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/cancel',
    stage: 'assigned',
    url: (f) => `/api/v1/actions/${f.actionId}/cancel`,
    send: (r) => r.send({ reason: 'Superseded by a later review' }),
    // The owning agency's own board member may not cancel its action (conflict of interest).
    expect: {
      none: 401,
      bad: 401,
      admin: 200,
      board: 200,
      boardOwner: 403,
      owner: 403,
      other: 403,
      chair: 403,
      inspector: 403,
    },
  },
  // ---- issue 22: the board's corrections ----
  {
    method: 'post',
    path: '/api/v1/actions/:id/due-date',
    stage: 'in_progress',
    url: (f) => `/api/v1/actions/${f.actionId}/due-date`,
    send: (r) => r.send({ dueDate: inDays(90), reason: 'The plan agreed a later date' }),
    // Moving an agency's deadline is not for that agency's own board member (conflict of interest).
    expect: {
      none: 401,
      bad: 401,
      admin: 200,
      board: 200,
      boardOwner: 403,
      owner: 403,
      other: 403,
      chair: 403,
      inspector: 403,
    },
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/wording',
    stage: 'assigned',
    url: (f) => `/api/v1/actions/${f.actionId}/wording`,
    send: (r) => r.send({ title: 'Update the hospital discharge policy', reason: 'Named the policy' }),
    expect: CREATORS(200),
  },
  {
    method: 'post',
    path: '/api/v1/actions/:id/reassign',
    stage: 'assigned',
    url: (f) => `/api/v1/actions/${f.actionId}/reassign`,
    send: (r) => r.send({ agencyCode: 'BCC' }),
    expect: CREATORS(200),
  },
  {
    method: 'post',
    path: '/api/v1/recommendations/:id/actions',
    stage: 'assigned',
    url: (f) => `/api/v1/recommendations/${f.recommendationId}/actions`,
    send: (r) => r.send({ agencyCode: 'BCC', title: 'Brief the social work teams', dueDate: inDays(45) }),
    expect: CREATORS(201),
  },
  {
    method: 'post',
    path: '/api/v1/recommendations/:id/wording',
    stage: 'assigned',
    url: (f) => `/api/v1/recommendations/${f.recommendationId}/wording`,
    send: (r) => r.send({ text: 'Share information between agencies at discharge' }),
    expect: CREATORS(200),
  },
  {
    method: 'post',
    path: '/api/v1/reviews/:id/withdraw',
    stage: 'assigned',
    url: (f) => `/api/v1/reviews/${f.reviewId}/withdraw`,
    send: (r) => r.send({ reason: 'Entered twice' }),
    expect: CREATORS(200),
  },
  {
    method: 'get',
    path: '/api/v1/me/moved-evidence',
    expect: { ...ANY, admin: 403, board: 403, boardOwner: 403, chair: 403, inspector: 403 },
  },
  {
    method: 'get',
    path: '/api/v1/actions/:id/history',
    url: (f) => `/api/v1/actions/${f.actionId}/history`,
    expect: SCOPED,
  },
  {
    method: 'get',
    path: '/api/v1/actions/:id/attachments/:attachmentId',
    stage: 'with_attachment',
    url: (f) => `/api/v1/actions/${f.actionId}/attachments/${f.attachmentId}`,
    expect: SCOPED,
  },
  {
    method: 'get',
    path: '/api/v1/actions/:id/updates/:parentId/attachments/:sha256',
    stage: 'update_with_attachment',
    url: (f) => f.fileUrl!,
    expect: SCOPED,
  },
  {
    method: 'get',
    path: '/api/v1/actions/:id/impact-evidence/:parentId/attachments/:sha256',
    stage: 'impact_with_attachment',
    url: (f) => f.fileUrl!,
    expect: SCOPED,
  },
  { method: 'get', path: '/api/v1/dashboard', expect: ANY },
  { method: 'get', path: '/api/v1/themes', expect: ANY },
  {
    method: 'post',
    path: '/api/v1/themes',
    send: (req) => req.send({ code: `t-${randomUUID().slice(0, 8)}`, label: 'A theme' }),
    expect: ADMIN_ONLY(201),
  },
  { method: 'get', path: '/api/v1/themes/:code/actions', url: () => '/api/v1/themes/thresholds/actions', expect: ANY },
  { method: 'get', path: '/api/v1/review-types', expect: ANY },
  {
    method: 'post',
    path: '/api/v1/review-types/:type/policy',
    url: () => '/api/v1/review-types/audit/policy',
    send: (req) => req.send({ stallAfter: 'P45D' }),
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'get',
    path: '/api/v1/reports/yearly',
    url: () => `/api/v1/reports/yearly?from=${inDays(-365)}&to=${inDays(1)}`,
    expect: ANY,
  },
  {
    method: 'get',
    path: '/api/v1/reports/period',
    url: () => `/api/v1/reports/period?from=${inDays(-90)}&to=${inDays(1)}`,
    expect: ANY,
  },
  { method: 'get', path: '/api/v1/calendar/bank-holidays', expect: ANY },
  {
    method: 'post',
    path: '/api/v1/calendar/bank-holidays',
    send: (r) => r.send({ date: aFarWeekday(), title: 'Extra day for the matrix' }),
    expect: ADMIN_ONLY(201),
  },
  // ---- issue 18: owners, cover, mail preferences ----
  {
    // Clearing the owner is always valid; the agency's plain members may not (only its lead).
    method: 'post',
    path: '/api/v1/actions/:id/owner',
    stage: 'assigned',
    url: (f) => `/api/v1/actions/${f.actionId}/owner`,
    send: (r) => r.send({ ownerId: null }),
    expect: {
      none: 401,
      bad: 401,
      admin: 200,
      board: 200,
      boardOwner: 200,
      owner: 403,
      other: 404,
      chair: 403,
      inspector: 403,
    },
  },
  { method: 'get', path: '/api/v1/me/preferences', expect: ANY },
  {
    method: 'put',
    path: '/api/v1/me/preferences',
    send: (r) => r.send({ delivery: { reminder: 'immediate' } }),
    // Issue 20: an inspector changes nothing, not even their own mail choices.
    expect: { ...ANY, inspector: 403 },
  },
  {
    method: 'post',
    path: '/api/v1/me/cover',
    setup: async (stack, caller) => {
      coverBody = { deputyId: randomUUID(), from: today(), to: today() };
      if (caller === 'admin') {
        const away = await stack.newUser('agency', 'BHT');
        coverBody = { ...coverBody, userId: away.id, deputyId: (await stack.newUser('agency', 'BHT')).id };
        return {};
      }
      if (caller !== 'owner' && caller !== 'other') return {};
      // A person of their own each time, so a second run never overlaps the first's cover.
      const away = await stack.freshLike(caller);
      coverBody = { ...coverBody, deputyId: (await stack.freshLike(caller)).id };
      return { token: away.token };
    },
    send: (r) => r.send(coverBody),
    expect: {
      none: 401,
      bad: 401,
      admin: 201,
      board: 403,
      boardOwner: 403,
      owner: 201,
      other: 201,
      chair: 403,
      inspector: 403,
    },
  },
  {
    // A cover of the caller's own (agency people), or of a BHT member (everyone else): the person
    // away, and an administrator, may end it.
    method: 'delete',
    path: '/api/v1/me/cover/:id',
    setup: async (stack, caller) => {
      const own = caller === 'owner' || caller === 'other';
      const make = () => (own ? stack.freshLike(caller) : stack.newUser('agency', 'BHT'));
      const away = await make();
      const [c] = await stack.db.db
        .insert(covers)
        .values({ userId: away.id, deputyId: (await make()).id, startsOn: today(), endsOn: today() })
        .returning({ id: covers.id });
      return { url: `/api/v1/me/cover/${c.id}`, ...(own ? { token: away.token } : {}) };
    },
    expect: {
      none: 401,
      bad: 401,
      admin: 204,
      board: 403,
      boardOwner: 403,
      owner: 204,
      other: 204,
      chair: 403,
      inspector: 403,
    },
  },
  { method: 'get', path: '/api/v1/mail-defaults', expect: ADMIN_ONLY(200) },
  {
    method: 'put',
    path: '/api/v1/mail-defaults',
    send: (r) => r.send({ reminder: 'immediate' }),
    expect: ADMIN_ONLY(200),
  },
  // ---- issue 20: the chair's queue and steps, the inspectors' access log ----
  { method: 'get', path: '/api/v1/escalations', expect: QUEUE },
  {
    method: 'post',
    path: '/api/v1/escalations/:id/challenge',
    stage: 'escalated',
    url: (f) => `/api/v1/escalations/${f.escalationId}/challenge`,
    send: (r) => r.send({ text: 'What is stopping the acknowledgement?', to: 'lead' }),
    expect: CHAIR_ONLY,
  },
  {
    method: 'post',
    path: '/api/v1/escalations/:id/response',
    stage: 'escalated',
    url: (f) => `/api/v1/escalations/${f.escalationId}/response`,
    send: (r) => r.send({ text: 'The lead officer was on leave; acknowledged today' }),
    expect: CHAIR_ONLY,
  },
  {
    method: 'post',
    path: '/api/v1/escalations/:id/resolve',
    stage: 'escalated',
    url: (f) => `/api/v1/escalations/${f.escalationId}/resolve`,
    send: (r) => r.send({ comment: 'Satisfied' }),
    expect: CHAIR_ONLY,
  },
  {
    method: 'post',
    path: '/api/v1/escalations/:id/retime',
    stage: 'escalated',
    url: (f) => `/api/v1/escalations/${f.escalationId}/retime`,
    send: (r) => r.send({ until: inDays(30), comment: 'Until the next board meeting' }),
    expect: CHAIR_ONLY,
  },
  {
    method: 'get',
    path: '/api/v1/inspector-reads',
    // The board, admin and the chair; an inspector reads as the board.
    expect: { ...ANY, owner: 403, other: 403 },
  },
];
