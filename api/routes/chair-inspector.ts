/**
 * Issue 20: the chair's escalation queue and steps, and the inspectors' access log. The chair acts
 * only here; the board, admin and inspectors (who read as the board) may read the queue.
 */
import type { ZodType } from 'zod';
import { boardTimeZone } from '../../lib/board-time';
import { startOfLocalDay } from '../../workflows/calendar';
import { defineRoute, type RouteDef } from '../http/route';
import { z } from '../http/zod';
import { listEscalations } from '../queries/escalations';
import { listInspectorReads } from '../queries/inspector-reads';
import {
  ChallengeBody,
  EscalationListQuery,
  EscalationOut,
  IdParams,
  InspectorReadOut,
  InspectorReadsQuery,
  ResolveBody,
  ResponseBody,
  RetimeBody,
} from '../schemas';
import { lifecycleDeps } from '../use-cases/action-commands';
import { recordChairStep, type ChairInput } from '../use-cases/chair';
import { inspectorReadsCsv } from '../use-cases/inspector-access';

/** Who reads the queue. */
export const QUEUE_READERS = ['chair', 'board', 'admin'] as const;
/** The chair alone records challenges, responses, resolutions and re-timings. */
export const CHAIR = ['chair'] as const;
/** Who reads the inspectors' access log. */
export const ACCESS_LOG_READERS = ['board', 'admin', 'chair'] as const;

const refused = {
  404: { description: 'No such escalation' },
  409: { description: 'The escalation is no longer open, or its action is finished' },
};

const chairStep = <B>(
  path: string,
  operationId: string,
  summary: string,
  body: ZodType<B>,
  toInput: (b: B) => ChairInput,
): RouteDef =>
  defineRoute({
    method: 'post',
    path,
    operationId,
    summary,
    tag: 'Escalations',
    access: CHAIR,
    params: IdParams,
    body: { json: body },
    responses: { 200: { description: 'The escalation', schema: EscalationOut }, ...refused },
    handler: async ({ ctx, actor, params, body }) => ({
      status: 200,
      body: await recordChairStep(lifecycleDeps(ctx), actor, params.id, toInput(body)),
    }),
  });

export const chairInspectorRoutes: RouteDef[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/escalations',
    operationId: 'listEscalations',
    summary: "The chair's queue: escalations by level and age, with their action, who was told and the chair's notes",
    tag: 'Escalations',
    access: QUEUE_READERS,
    query: EscalationListQuery,
    responses: {
      200: { description: 'Escalations, highest level first, then oldest', schema: z.array(EscalationOut) },
    },
    handler: async ({ ctx, query }) => ({ status: 200, body: await listEscalations(ctx.db, { state: query.state }) }),
  }),
  chairStep(
    '/api/v1/escalations/:id/challenge',
    'challengeEscalation',
    "The chair records a challenge to the agency's lead officer or senior manager, who are mailed it",
    ChallengeBody,
    (b: { text: string; to: 'lead' | 'senior' }) => ({ step: 'challenge', text: b.text, to: b.to }),
  ),
  chairStep(
    '/api/v1/escalations/:id/response',
    'recordEscalationResponse',
    "The chair records the agency's response to a challenge",
    ResponseBody,
    (b: { text: string }) => ({ step: 'response', text: b.text }),
  ),
  chairStep(
    '/api/v1/escalations/:id/resolve',
    'resolveEscalation',
    'The chair closes the escalation as resolved',
    ResolveBody,
    (b: { comment?: string }) => ({ step: 'resolved', comment: b.comment }),
  ),
  chairStep(
    '/api/v1/escalations/:id/retime',
    'retimeEscalation',
    "The chair re-times the escalation: closed now, raised again at the chair's date if its cause still holds",
    RetimeBody,
    (b: { until: string; comment?: string }) => ({ step: 'retimed', until: b.until, comment: b.comment }),
  ),
  defineRoute({
    method: 'get',
    path: '/api/v1/inspector-reads',
    operationId: 'listInspectorReads',
    summary: "The inspectors' access log: every page or API read by an inspector (who, what, when); csv to export",
    tag: 'People',
    access: ACCESS_LOG_READERS,
    query: InspectorReadsQuery,
    responses: {
      200: {
        description: 'Reads, oldest first',
        schema: z.array(InspectorReadOut),
        contentTypes: ['application/json', 'text/csv'],
      },
    },
    handler: async ({ ctx, query, res }) => {
      const tz = boardTimeZone();
      const rows = await listInspectorReads(ctx.db, {
        from: query.from ? new Date(startOfLocalDay(query.from, tz)) : undefined,
        to: query.to ? new Date(startOfLocalDay(query.to, tz)) : undefined,
        userId: query.inspector,
      });
      if (query.format === 'json') return { status: 200, body: rows };
      res
        .status(200)
        .type('text/csv; charset=utf-8')
        .setHeader('Content-Disposition', 'attachment; filename="inspector-access-log.csv"')
        .send(inspectorReadsCsv(rows));
      return { sent: true };
    },
  }),
];
